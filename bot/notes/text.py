"""A call's drafted notes as a Markdown document: the same content always gives the same text."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n.rules import local_time
from bot.notes.rules.content import (
    Attendance,
    Group,
    ItemRow,
    Marked,
    NotesContent,
    Turn,
    count,
)
from bot.notes.rules.edits import SAID

NONE = "None recorded."
MACHINE_SUMMARY = "Summary (machine-written)"
SAID_NOTE = ("_The call's live transcription, final lines only, each in the language it was "
             "spoken ([es] Spanish …). Published only if a reviewer keeps this section._")
SUMMARY_NOTE = ("_Written by a language model from the transcript, not by a person: check it "
                "against the record below, then keep, edit or delete it._")
FOOTER = ("_Drafted by coordbot from the call's records; these notes are the record of the call "
          "once an official approves them._")
TABLE_HEAD = ("| No. | Item | Owner | Start | Status | Due |\n"
              "| --- | --- | --- | --- | --- | --- |")


def render(content: NotesContent) -> str:
    zone = content.zone
    sections = [
        _header(content),
        _section("Attendance", _attendance(content.attendance)),
        _section("Agenda", content.agenda.strip() or NONE),
        _section("Situation", _situation(content)),
        _section("Action items", _table(content.items, zone)),
        _section("Decisions", _marked(content.decisions, zone)),
        _section("Issues raised", _marked(content.issues, zone)),
        _section("Actions raised in discussion", _marked(content.actions, zone)),
        _section("Open items carried from earlier calls", _table(content.carried, zone)),
        *([_section(SAID, said(content.said))] if content.said else []),
        _section("Next call", _next_call(content)),
        FOOTER,
    ]
    return "\n\n".join(sections) + "\n"


def _section(heading: str, body: str) -> str:
    return f"## {heading}\n\n{body}"


def _header(c: NotesContent) -> str:
    bridge = "Twilio conference" if c.bridge == "twilio" else c.bridge
    return "\n".join([
        f"# Call notes: {c.incident_key} {c.incident_title}, call {c.call_number}",
        "",
        f"- Incident type: {_capital(c.incident_type)}",
        f"- Regions: {', '.join(c.regions) or 'None'}",
        f"- Severity: {_capital(c.severity)}",
        f"- Call time: {span(c.starts_at, c.ends_at, c.zone)}",
        f"- Bridge: {bridge}",
        f"- Chair: {c.chair}",
    ])


def span(start: datetime, end: datetime, zone: str) -> str:
    """``Fri 27 Nov 2026, 3:00 PM – 4:00 PM EST``; both dates in full when the day or zone differs."""
    first, last = start.astimezone(ZoneInfo(zone)), end.astimezone(ZoneInfo(zone))
    if (first.date(), first.tzname()) != (last.date(), last.tzname()):
        return f"{local_time(start, zone)} – {local_time(end, zone)}"
    day_and_time = local_time(start, zone).rsplit(" ", 1)[0]  # without the zone: it ends the span
    return f"{day_and_time} – {_clock(last)} {last:%Z}"


def _clock(moment: datetime) -> str:
    return f"{moment:%I}".lstrip("0") + f":{moment:%M %p}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _attendance(a: Attendance) -> str:
    """The answers no and maybe get sections of their own, only when someone gave them: those
    people told us they might not come, so they are not listed as absent."""
    answers = [_groups(title, groups) for title, groups in
               (("Declined", a.declined), ("Said maybe, did not join", a.said_maybe_absent))
               if groups]
    if not a.recorded:
        return "\n\n".join([
            "Who joined was not recorded: the call was held on an external bridge.",
            _groups("Said yes", a.said_yes_absent), *answers,
            _groups("Also invited", a.invited_absent),
        ])
    return "\n\n".join([_groups("Joined", a.joined),
                        _groups("Said yes but did not join", a.said_yes_absent), *answers,
                        _groups("Invited but absent", a.invited_absent)])


def _groups(title: str, groups: tuple[Group, ...]) -> str:
    lines = [f"- {g.label}: {', '.join(g.names)}" for g in groups] or ["None."]
    return f"**{title} ({count(groups)})**\n\n" + "\n".join(lines)


def _situation(c: NotesContent) -> str:
    since = (f"since call {c.previous_call}" if c.previous_call is not None
             else "since the incident was declared")
    updates = [_item(f"{local_time(u.at, c.zone)} {u.text}") for u in c.updates] or [NONE]
    return "\n\n".join([c.summary.strip() or "No summary recorded.",
                        f"**Updates {since}**", "\n".join(updates)])


def _table(rows: Sequence[ItemRow], zone: str) -> str:
    if not rows:
        return NONE
    return "\n".join([TABLE_HEAD, *(row(r, zone) for r in rows)])


def row(r: ItemRow, zone: str) -> str:
    due = local_time(r.due_at, zone) if r.due_at else "—"
    cells = [f"A-{r.number}", r.text, r.owner, local_time(r.started_at, zone), r.status, due]
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _marked(lines: Sequence[Marked], zone: str) -> str:
    return "\n".join(marked_line(m, zone) for m in lines) or NONE


def marked_line(m: Marked, zone: str) -> str:
    return _item(f"{m.text} ({_source(m, zone)})")


def _source(m: Marked, zone: str) -> str:
    """``Karen Whitfield, 04:20`` (who said it, when); a mark by someone else's reaction adds
    ``marked by Maria Alvarez``; a transcript's line ``Ana Ruiz, transcript``."""
    if m.accepted_by:
        return f"{m.by + ', ' if m.by else ''}transcript; accepted by {m.accepted_by}"
    if m.at is None:
        return f"{m.by}, transcript" if m.by else "transcript"
    said = ", ".join(filter(None, [m.by, f"{m.at.astimezone(ZoneInfo(zone)):%H:%M}"]))
    return f"{said}; marked by {m.marker}" if m.marker else said


def _item(text: str) -> str:
    """A list item; later lines are indented so they stay inside it."""
    return "- " + "\n  ".join(line.rstrip() for line in text.strip().splitlines() if line.strip())


def machine_summary(proposed: str) -> str:
    """The body of the summariser's section: the label first, then its words as a quote (so
    Markdown in them cannot make headings of the notes)."""
    quoted = "\n".join(f"> {line}".rstrip() for line in proposed.strip().splitlines())
    return f"{SUMMARY_NOTE}\n\n{quoted}"


def said(turns: Sequence[Turn]) -> str:
    """Each turn: the speaker and when they began, then their lines, each marked with its
    language (``[es]``), in the words spoken."""
    blocks = [SAID_NOTE]
    for turn in turns:
        head = f"**{_cell(turn.speaker).replace('*', '')}** ({_offset(turn.lines[0].offset_s)})"
        lines = [_item(f"[{_language(s.language)}] {s.text}") for s in turn.lines if s.text.strip()]
        blocks.append("\n".join([head, *lines]))
    return "\n\n".join(blocks)


def _language(tag: str) -> str:
    return (tag or "und").split("-")[0].lower()


def _offset(seconds: int) -> str:
    hours, rest = divmod(max(seconds, 0), 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _next_call(c: NotesContent) -> str:
    if c.next_call is None:
        return "None scheduled."
    return f"Call {c.next_call.number}: {local_time(c.next_call.starts_at, c.zone)}"
