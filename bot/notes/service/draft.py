"""Drafts a call's notes from what the bot recorded: attendance, updates, action items, marks.

``gather`` reads; ``draft`` renders. Nothing is written, so a draft can be made again at any time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from bot.config import Settings
from bot.db.models import ActionItem, Call, ChannelMessage, Incident, TranscriptSuggestion
from bot.db.unit_of_work import UnitOfWork
from bot.directory.rules.phones import mask
from bot.incidents.rules import IncidentType
from bot.notes import text as notes_text
from bot.notes.rules.content import (
    Attendance,
    Group,
    ItemRow,
    Marked,
    NextCall,
    NotesContent,
    Said,
    Turn,
    Update,
    by_organisation,
    turns,
    unlisted,
)
from bot.notes.rules.marks import MARKS, transcript_lines
from bot.notes.rules.suggestions import ACCEPTED, AS_DECISION
from bot.notes.service import versions

ITEM_EVENTS = ("action.created", "action.done", "action.reopened", "action.reassigned",
               "action.due_changed")
NameOf = Callable[[str], str]
_SLACK_ENTITY = re.compile(r"<([^<>\n]+)>")


def _same(user_id: str) -> str:
    return user_id


def draft(uow: UnitOfWork, call: Call, *, settings: Settings, name_of: NameOf = _same) -> str:
    return notes_text.render(gather(uow, call, settings=settings, name_of=name_of))


def named_draft(uow: UnitOfWork, call: Call, *, settings: Settings) -> str:
    """The draft with people named as the directory, else Slack, names them (see versions)."""
    return draft(uow, call, settings=settings, name_of=versions.name_of(uow))


def gather(uow: UnitOfWork, call: Call, *, settings: Settings,
           name_of: NameOf = _same) -> NotesContent:
    incident = uow.incidents.get(call.incident_id)
    start, end = window(uow, call)
    calls = [c for c in uow.calls.for_incident(incident.id) if c.status != "cancelled"]
    # The previous call in time, not in numbering: "since call N" is the one held before.
    previous = max((c for c in calls if c.starts_at < call.starts_at),
                   key=lambda c: (c.starts_at, c.id), default=None)
    items = uow.actions.for_incident(incident.id)
    marked = _marked(uow, incident, call, start, end, name_of)
    accepted = [s for s in uow.transcripts.suggestions(call.id) if s.status in ACCEPTED]
    marked["decision"] += tuple(_accepted(uow, s, name_of) for s in accepted
                                if s.status == AS_DECISION)
    from_suggestions = {s.action_item_id for s in accepted if s.action_item_id}
    return NotesContent(
        zone=settings.timezone, incident_key=incident.key, incident_title=incident.title,
        incident_type=_type_label(incident.type), regions=tuple(incident.regions),
        severity=incident.severity, summary=incident.summary,
        previous_call=previous.number if previous else None, call_number=call.number,
        starts_at=start, ends_at=end, bridge=call.bridge, chair=name_of(call.created_by),
        agenda=call.agenda, attendance=_attendance(uow, call, name_of),
        updates=_updates(incident, previous, end),
        items=_rows(_touched(uow, incident, items, start, end, from_suggestions), end),
        decisions=marked["decision"], issues=marked["issue"], actions=marked["action"],
        carried=_rows([i for i in items if i.status == "open" and i.created_at < start], end),
        next_call=_next_call(calls, call), said=said(uow, call))


def said(uow: UnitOfWork, call: Call) -> tuple[Turn, ...]:
    """The live transcript's final lines, in spoken order, by speaker turn (partials never)."""
    return turns((s.speaker, Said(s.language, s.offset_s, s.text))
                 for s in uow.transcripts.finals_for_call(call.id))


def _accepted(uow: UnitOfWork, suggestion: TranscriptSuggestion, name_of: NameOf) -> Marked:
    segment = uow.transcripts.segment(suggestion.segment_id)
    return Marked(suggestion.text, by=segment.speaker if segment else None,
                  accepted_by=name_of(suggestion.decided_by or ""))


def window(uow: UnitOfWork, call: Call) -> tuple[datetime, datetime]:
    """From the scheduled start (or the first caller, who may join early) to the end as it
    happened, else as scheduled; both included."""
    joined = [row.joined_at for row in uow.calls.attendance(call.id)]
    start = min([call.starts_at, *joined])
    end = call.ended_at or call.starts_at + timedelta(minutes=call.duration_min)
    return start, max(start, end)


def _type_label(value: str) -> str:
    try:
        return IncidentType(value).label
    except ValueError:
        return value


def _attendance(uow: UnitOfWork, call: Call, name_of: NameOf) -> Attendance:
    invitations = uow.calls.invitations(call.id)
    rows = uow.calls.attendance(call.id)
    contacts = uow.contacts.load({*(i.contact_id for i in invitations),
                                  *(r.contact_id for r in rows if r.contact_id)})
    present = {r.contact_id for r in rows if r.contact_id in contacts}
    callers = {r.phone for r in rows if r.contact_id not in contacts}

    def named(contact_id: int) -> str:
        """A contact on Slack has the one name Slack shows (else the directory's)."""
        contact = contacts[contact_id]
        user = contact.slack_user_id
        shown = name_of(user) if user else None
        return shown if shown and shown != user else contact.name

    def grouped(ids: Sequence[int]) -> tuple[Group, ...]:
        return by_organisation((contacts[c].organisation, named(c)) for c in ids)

    absent = [i for i in invitations if i.contact_id in contacts and i.contact_id not in present]

    def answered(*answers: str) -> tuple[Group, ...]:
        return grouped([i.contact_id for i in absent if i.rsvp in answers])

    return Attendance(recorded=call.bridge == "twilio",
                      joined=grouped(sorted(present)) + unlisted(mask(p) for p in callers),
                      said_yes_absent=answered("yes"), declined=answered("no"),
                      said_maybe_absent=answered("maybe"),
                      invited_absent=grouped([i.contact_id for i in absent
                                              if i.rsvp not in ("yes", "no", "maybe")]))


def _updates(incident: Incident, previous: Call | None, end: datetime) -> tuple[Update, ...]:
    """Timeline entries after the previous call's start (or since declared), up to ``end``."""
    entries = sorted(incident.timeline, key=lambda e: (e.created_at, e.id))
    return tuple(Update(e.created_at, e.text) for e in entries
                 if e.created_at <= end and (e.created_at > previous.starts_at if previous
                                             else e.created_at >= incident.declared_at))


def _touched(uow: UnitOfWork, incident: Incident, items: Sequence[ActionItem], start: datetime,
             end: datetime, accepted: set[int]) -> list[ActionItem]:
    """Items created, or changed according to the audit trail, within [start, end], and those
    a reviewer made from the call's transcript (``accepted``)."""
    changed = {event.details.get("action_id")
               for action in ITEM_EVENTS
               for event in uow.audit.list(incident_id=incident.id, action=action)
               if start <= event.at <= end}
    return [i for i in items if i.id in changed or i.id in accepted
            or start <= i.created_at <= end]


def _rows(items: Sequence[ActionItem], end: datetime) -> tuple[ItemRow, ...]:
    return tuple(ItemRow(number=i.number, text=i.text, owner=i.owner_label,
                         started_at=i.created_at, status=_status(i, end), due_at=i.due_at)
                 for i in sorted(items, key=lambda i: i.number))


def _status(item: ActionItem, end: datetime) -> str:
    if item.status == "open":
        return "Overdue" if item.due_at is not None and item.due_at < end else "Open"
    return item.status.replace("_", " ").capitalize()


def _marked(uow: UnitOfWork, incident: Incident, call: Call, start: datetime, end: datetime,
            name_of: NameOf) -> dict[str, tuple[Marked, ...]]:
    """Marked channel messages in the window, by time, then marked lines of the transcripts."""
    found: dict[str, list[Marked]] = {mark: [] for mark in MARKS}
    for message in uow.actions.marked_between(incident.id, start, end):
        if message.mark in found:
            marker = message.marker if message.marker != message.user else None
            found[message.mark].append(Marked(
                _message_text(message, name_of), by=name_of(message.user) if message.user else None,
                at=message.posted_at, marker=name_of(marker) if marker else None))
    for transcript in uow.notes.transcripts(call.id):
        for mark, text, speaker in transcript_lines(transcript.text):
            found[mark].append(Marked(text, by=speaker or None))
    return {mark: tuple(lines) for mark, lines in found.items()}


def _message_text(message: ChannelMessage, name_of: NameOf) -> str:
    # stored without its prefix (bot.notes.service.marks), but still in Slack's markup
    return _plain(message.text.strip(), name_of)


def _plain(text: str, name_of: NameOf) -> str:
    """Slack's markup as a reader would see it: a person's name for a mention (no "@": the
    notes are read outside Slack, where nothing renders it), link labels, no escapes."""
    def entity(match: re.Match[str]) -> str:
        target, _, label = match.group(1).partition("|")
        if target.startswith("@"):
            name = name_of(target[1:])
            return name if name != target[1:] else f"@{label or name}"
        if target.startswith("#"):
            return f"#{label or target[1:]}"
        if target.startswith("!"):
            return f"@{label or target[1:]}"
        if target.startswith("mailto:"):
            return label or target[len("mailto:"):]
        return f"{label} ({target})" if label and label != target else target

    text = _SLACK_ENTITY.sub(entity, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _next_call(calls: Sequence[Call], call: Call) -> NextCall | None:
    later = sorted((c for c in calls if c.starts_at > call.starts_at),
                   key=lambda c: (c.starts_at, c.number))
    return NextCall(later[0].number, later[0].starts_at) if later else None
