"""Slack messages about call notes: the review card, the published notes, the two modals.

Notes are written in Markdown; Slack shows ``mrkdwn``, so they are converted line by line
(headings and ``**bold**`` become ``*bold*``, lists get bullets, each table row becomes a bullet
line with its cells named by their columns: Slack has no tables, and a code block is no way to
read one). The title is said once: the notes' own ``# …`` title line is left out of messages
that already lead with it.

Block Kit's limits, which every message here keeps: at most 50 blocks in a message (100 in a
modal); a section's text at most 3,000 characters, at most 10 fields of at most 2,000; a
context at most 10 elements; a block_id or action_id at most 255 characters; a button's text
at most 75 and its value at most 2,000; a confirm dialog's title 100, text 300, buttons 30; a
message's fallback ``text`` is cut by Slack past 40,000. The review card shows what the
reviewer judges — the counts, then the decisions, issues and action items, whole items in at
most ``CARD_LIST_SECTIONS`` sections each — and links the full text (the signed page).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from bot.errors import InvalidInput
from bot.i18n.rules import local_time
from bot.notes.rules.digest import Digest, digest, table_row
from bot.slack_ui.block_kit import input_block, modal
from bot.slack_ui.text import escape

APPROVE_ACTION = "notes_approve"
EDIT_ACTION = "notes_edit"
CHANGES_ACTION = "notes_request_changes"
EDIT_CALLBACK = "notes_edit"
CHANGES_CALLBACK = "notes_changes"

SECTION_LIMIT = 3000  # Slack's limit on a section's text
INPUT_LIMIT = 3000  # and on a plain_text_input's value
PREVIEW_LIMIT = 2600
SECTIONS_PER_MESSAGE = 3  # well under Slack's total size of a message's blocks
CARD_LIST_SECTIONS = 2  # sections per list on the review card (4 lists: 8 of its ≤ 12 blocks)
LIST_BUDGET = SECTION_LIMIT - 120  # room left for the "… and 3 more" line
ITEM_LIMIT = 1000  # one item longer than this is shown cut, with "…"
MORE_BLOCK = "more"
DAMAGED_FORM = "This form is damaged: open it again from the latest review card."
STATUS_LABELS = {"draft": "Draft", "changes_requested": "Changes requested",
                 "approved": "Approved"}


@dataclass(frozen=True)
class CardFacts:
    """Everything the review card shows, read by the sender just before it posts."""

    notes_id: int
    incident_key: str
    incident_title: str
    call_number: int
    status: str
    version: int
    author: str
    written_at: datetime
    reason: str
    text: str
    zone: str
    link: str | None = None
    link_expires: datetime | None = None
    approved_by: str | None = None
    approved_at: datetime | None = None
    comment: tuple[str, str] | None = None  # (who, what) of the latest change request
    published_to: list[str] = field(default_factory=list)


def who(user: str | None) -> str:
    """``<@U…>`` for Slack users; anyone else (``coordbot``, ``cli:ana``) as plain text."""
    if not user:
        return "someone"
    return f"<@{user}>" if user[:1] in ("U", "W") and user.isalnum() else escape(user)


def status_label(status: str, version: int) -> str:
    label = STATUS_LABELS.get(status, status)
    return f"{label}, version {version}" + ("" if status == "approved" else " (not approved)")


# ----- Markdown → Slack mrkdwn -------------------------------------------------------------------
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^(\s*)[-*+]\s+")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EMPHASIS = re.compile(r"(?<![*\w])\*(?=\S)([^*]+?)(?<=\S)\*(?![*\w])")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_FENCE = "```"


def mrkdwn(markdown: str) -> str:
    lines: list[str] = []
    in_code = False
    head: list[str] | None = None  # the head of the table being read
    for line in markdown.splitlines():
        if line.strip().startswith(_FENCE):
            in_code = not in_code
            lines.append(_FENCE)
            continue
        if in_code:
            lines.append(escape(line))
            continue
        if line.lstrip().startswith("|"):
            head, row = table_row(line, head)
            if row is not None:
                lines.append(_inline(f"- {row}"))
            continue
        head = None
        lines.append(_inline(line))
    if in_code:
        lines.append(_FENCE)
    return "\n".join(lines)


def without_title(markdown: str) -> str:
    """The notes without their ``# title`` line, for a message that leads with the title."""
    first, _, rest = markdown.lstrip("\n").partition("\n")
    heading = _HEADING.match(first)
    return rest.lstrip("\n") if heading and first.lstrip().startswith("# ") else markdown


def _inline(line: str) -> str:
    heading = _HEADING.match(line)
    if heading:
        return f"*{_strip_strong(escape(heading.group(1)))}*" if heading.group(1) else ""
    bullet = _BULLET.match(line)
    if bullet:
        line = f"{bullet.group(1)}• {line[bullet.end():]}"
    line = escape(line)
    line = _STRONG.sub(lambda m: "\x00" + m.group(2) + "\x00", line)
    line = _EMPHASIS.sub(r"_\1_", line)
    line = _LINK.sub(lambda m: f"<{m.group(2)}|{m.group(1)}>", line)
    return line.replace("\x00", "*")


def _strip_strong(text: str) -> str:
    return _STRONG.sub(lambda m: m.group(2), text)


def split(text: str, limit: int) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at line ends where possible."""
    return _close_fences([piece for piece, _ in cut(text, limit - 2 * (len(_FENCE) + 1))])


def cut(text: str, limit: int) -> list[tuple[str, str]]:
    """(piece, what joined it to the one before: "\n" or "") with ``"".join`` giving ``text``."""
    pieces: list[tuple[str, str]] = []
    current, joiner = None, ""
    for line in text.split("\n"):
        line_joiner = "\n"
        while len(line) > limit:  # a single line longer than a piece: cut it
            if current is not None:
                pieces.append((current, joiner))
            current, joiner = None, ""
            pieces.append((line[:limit], line_joiner if pieces else ""))
            line, line_joiner = line[limit:], ""
        if current is None:
            current, joiner = line, (line_joiner if pieces else "")
        elif len(current) + 1 + len(line) > limit:
            pieces.append((current, joiner))
            current, joiner = line, "\n"
        else:
            current = f"{current}\n{line}"
    pieces.append((current or "", joiner))
    return pieces


def _close_fences(pieces: list[str]) -> list[str]:
    """A code block cut between two pieces is closed at the end of one, reopened in the next."""
    out, open_fence = [], False
    for piece in pieces:
        text = f"{_FENCE}\n{piece}" if open_fence else piece
        open_fence = sum(1 for line in text.split("\n") if line.strip() == _FENCE) % 2 == 1
        out.append(f"{text}\n{_FENCE}" if open_fence else text)
    return out


def preview(markdown: str, limit: int = PREVIEW_LIMIT) -> tuple[str, bool]:
    """The start of the notes as mrkdwn, and whether it was cut."""
    pieces = split(mrkdwn(markdown), limit)
    return pieces[0], len(pieces) > 1


# ----- the review card ---------------------------------------------------------------------------
def review_card(facts: CardFacts) -> tuple[str, list[dict]]:
    title = f"{facts.incident_key}: {facts.incident_title}, call {facts.call_number}"
    text = f"Call notes for review — {escape(title)} ({status_label(facts.status, facts.version)})"
    blocks: list[dict] = [_section(f":memo: *Call notes — {escape(title)}*\n{_status_line(facts)}")]
    found = digest(facts.text)
    if found.lists:
        blocks.append(_section(_counts(found)))
        cut = False
        for kind, items in found.lists:
            sections, left = _list_sections(kind, items)
            blocks.extend(sections)
            cut = cut or left
        more = "Not every item fits here: the full text is in the link. " if cut else ""
    else:  # notes edited into another shape: their start
        shown, cut = preview(without_title(facts.text))
        blocks.append(_section(shown or "_(empty)_"))
        more = "Preview only: the full text is in the link. " if cut else ""
    blocks.append({"type": "context", "elements": [
        {"type": "mrkdwn", "text": _link_line(facts, more)}]})
    if facts.status != "approved":
        blocks.append(_buttons(facts))
    return text, blocks


def _counts(found: Digest) -> str:
    lines = ["*In these notes:* " + " · ".join(f"{len(items)} {kind.lower()}"
                                               for kind, items in found.lists)]
    if found.attendance:
        lines.append("*Attendance:* " + " · ".join(f"{count} {label[:1].lower()}{label[1:]}"
                                                    for label, count in found.attendance))
    return escape("\n".join(lines))


def _list_sections(kind: str, items: tuple[str, ...]) -> tuple[list[dict], bool]:
    """Whole items, one a line, over at most ``CARD_LIST_SECTIONS`` sections; True when some
    did not fit (a line then says how many)."""
    heading = f"*{kind} ({len(items)})*"
    if not items:
        return [_section(f"{heading}\n_None recorded._")], False
    pieces, current, shown = [], heading, 0
    for item in items:
        line = f"• {_shortened(_inline(item))}"
        if len(current) + 1 + len(line) > LIST_BUDGET:
            if len(pieces) + 1 == CARD_LIST_SECTIONS:
                break
            pieces.append(current)
            current = line
        else:
            current = f"{current}\n{line}"
        shown += 1
    left = len(items) - shown
    if left:
        current += f"\n_… and {left} more in the full text (link below)._"
    return [_section(piece) for piece in [*pieces, current]], left > 0


def _shortened(line: str) -> str:
    if len(line) <= ITEM_LIMIT:
        return line
    return line[:ITEM_LIMIT].rsplit(" ", 1)[0] + " …"


def _status_line(facts: CardFacts) -> str:
    made = (f"Version {facts.version} by {who(facts.author)}, "
            f"{local_time(facts.written_at, facts.zone)}: {escape(facts.reason)}")
    if facts.status == "approved" and facts.approved_at:
        places = ", ".join(f"<#{c}>" for c in facts.published_to) or "the incident channel"
        return (f":white_check_mark: *Approved by {who(facts.approved_by)} at "
                f"{local_time(facts.approved_at, facts.zone)}* (version {facts.version}); "
                f"published to {places}.\n{made}")
    lines = [f"*Status:* {status_label(facts.status, facts.version)}", made]
    if facts.status == "changes_requested" and facts.comment:
        lines.append(f"*Changes requested by {who(facts.comment[0])}:* "
                     f"{escape(facts.comment[1])[:1500]}")
    return "\n".join(lines)


def _link_line(facts: CardFacts, more: str) -> str:
    if facts.link is None:
        return more + "(No browser link: the bot has no signing secret configured.)"
    until = local_time(facts.link_expires, facts.zone) if facts.link_expires else "?"
    return (f"{more}<{escape(facts.link)}|Open the full notes in a browser> (link valid until "
            f"{until}; `/incident notes {facts.incident_key}` in this channel gives a fresh one).")


def _buttons(facts: CardFacts) -> dict:
    approve = {
        "type": "button", "action_id": APPROVE_ACTION, "style": "primary",
        "value": f"{facts.notes_id}:{facts.version}",
        "text": {"type": "plain_text", "text": f"Approve v{facts.version}"},
        "confirm": {
            "title": {"type": "plain_text", "text": "Approve and publish?"},
            "text": {"type": "plain_text", "text": (
                f"Version {facts.version} is posted to the incident channel and the distribution "
                "channels, and attendees may get an SMS summary. This cannot be undone.")},
            "confirm": {"type": "plain_text", "text": "Approve"},
            "deny": {"type": "plain_text", "text": "Not yet"}},
    }
    return {"type": "actions", "elements": [
        approve,
        {"type": "button", "action_id": EDIT_ACTION, "value": str(facts.notes_id),
         "text": {"type": "plain_text", "text": "Edit"}},
        {"type": "button", "action_id": CHANGES_ACTION, "value": str(facts.notes_id),
         "text": {"type": "plain_text", "text": "Request changes"}},
    ]}


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:SECTION_LIMIT]}}


# ----- published notes ---------------------------------------------------------------------------
def published(*, incident_key: str, incident_title: str, call_number: int, version: int,
              approved_by: str | None, approved_at: datetime, zone: str,
              text: str) -> list[tuple[str, list[dict]]]:
    """The approved notes as one or more messages of a few sections each, in reading order."""
    title = f"{incident_key}: {incident_title}, call {call_number}"
    header = (f":memo: *Call notes — {escape(title)}*\nApproved by {who(approved_by)} at "
              f"{local_time(approved_at, zone)} (version {version}).")
    sections = [header, *split(mrkdwn(without_title(text)), SECTION_LIMIT)]
    groups = [sections[i:i + SECTIONS_PER_MESSAGE]
              for i in range(0, len(sections), SECTIONS_PER_MESSAGE)]
    messages = []
    for number, group in enumerate(groups, start=1):
        part = f" (part {number} of {len(groups)})" if len(groups) > 1 else ""
        blocks = [_section(s) for s in group if s.strip()]
        if part:
            blocks.append({"type": "context", "elements": [
                {"type": "mrkdwn", "text": f"Call notes {escape(title)}{part}"}]})
        messages.append((f"Call notes — {escape(title)}{part}", blocks))
    return messages


# ----- the edit modal ----------------------------------------------------------------------------
def edit_modal(*, notes_id: int, version: int, channel: str, title: str, text: str) -> dict:
    """The text over as many inputs of at most 3,000 characters as it needs, plus one more."""
    cuts = cut(text, INPUT_LIMIT)
    pieces = [piece for piece, _ in cuts]
    joins = "".join("n" if joiner else "-" for _, joiner in cuts[1:])
    metadata = json.dumps({"n": notes_id, "v": version, "c": channel, "j": joins})
    about = (f"{escape(title)} — editing version {version}. Markdown: `## Heading`, `- item`, "
             "`**bold**`. Long notes are split over several boxes; they are joined again on save.")
    blocks: list[dict] = [{"type": "context", "block_id": "about",
                           "elements": [{"type": "mrkdwn", "text": about}]}]
    for index, piece in enumerate(pieces, start=1):
        label = "Notes" if len(pieces) == 1 else f"Notes, part {index} of {len(pieces)}"
        element = {"type": "plain_text_input", "multiline": True, "max_length": INPUT_LIMIT}
        blocks.append(input_block(f"part_{index}", label,
                                  {**element, "initial_value": piece} if piece else element,
                                  optional=True))
    blocks.append(input_block(MORE_BLOCK, "Add more text (optional)", {
        "type": "plain_text_input", "multiline": True, "max_length": INPUT_LIMIT}, optional=True,
        hint="Added at the end, on a new line."))
    return modal(EDIT_CALLBACK, "Edit call notes", "Save version", blocks,
                 private_metadata=metadata)


@dataclass(frozen=True)
class EditSubmission:
    notes_id: int
    version: int
    channel: str
    text: str


def edit_submission(view: dict) -> EditSubmission:
    """The modal's pieces joined back into one text, as it was split."""
    meta = _metadata(view, ("n", "v"))
    values = view.get("state", {}).get("values", {})
    joins = str(meta.get("j", ""))
    text = ""
    for index in range(len(joins) + 1):
        piece = _value(values, f"part_{index + 1}")
        joiner = "\n" if index and joins[index - 1] == "n" else ""
        text = f"{text}{joiner}{piece}" if text else piece
    more = _value(values, MORE_BLOCK).strip("\n")
    if more:
        text = f"{text.rstrip()}\n{more}" if text.strip() else more
    return EditSubmission(meta["n"], meta["v"], str(meta.get("c", "")), text)


def _metadata(view: dict, numbers: tuple[str, ...]) -> dict:
    """The form's metadata as we wrote it; anything else (a forged or damaged form) is an
    ``InvalidInput`` the person sees in the form, not an error after the fact."""
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        raise InvalidInput(DAMAGED_FORM) from None
    if not isinstance(meta, dict) or not all(
            type(meta.get(key)) is int and 0 < meta[key] < 2**62 for key in numbers):
        raise InvalidInput(DAMAGED_FORM)
    return meta


def _value(values: dict, block_id: str) -> str:
    return (values.get(block_id, {}).get("value", {}).get("value") or "").replace("\r\n", "\n")


# ----- the request-changes modal -----------------------------------------------------------------
def changes_modal(*, notes_id: int, channel: str, title: str) -> dict:
    return modal(CHANGES_CALLBACK, "Request changes", "Send", [
        {"type": "context", "block_id": "about",
         "elements": [{"type": "mrkdwn", "text": escape(title)}]},
        input_block("comment", "What should change?", {
            "type": "plain_text_input", "multiline": True, "max_length": INPUT_LIMIT}),
    ], private_metadata=json.dumps({"n": notes_id, "c": channel}))


def changes_submission(view: dict) -> tuple[int, str, str]:
    """(notes id, channel, comment) from the request-changes modal."""
    meta = _metadata(view, ("n",))
    comment = _value(view.get("state", {}).get("values", {}), "comment").strip()
    return meta["n"], str(meta.get("c", "")), comment
