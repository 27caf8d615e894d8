"""A reviewer decides a suggestion from the live transcript, or keeps its section.

Accepting one makes exactly one decision or action item: the suggestion's row is locked and
decided once, so a double click or a replayed button finds it decided and changes nothing. The
decision (or the item's row in the tracker) is added to the current notes as a new version by
the reviewer, and the reviewer is recorded (``decided_by`` and the audit trail). Dropping one
leaves nothing but its record.

The transcript's section ("What was said") is published only if a reviewer keeps it: it is
left out of the published notes unless ``transcript_kept`` (opt-in, because a transcript quotes
people who may not expect to be published; the review card says so).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.access.roles import RoleCheck
from bot.config import Settings
from bot.db.models import ActionItem, CallNotes, Incident, TranscriptSuggestion
from bot.db.unit_of_work import UnitOfWork
from bot.errors import InvalidTransition, NotFound
from bot.notes import text as notes_text
from bot.notes.rules.content import ItemRow, Marked
from bot.notes.rules.edits import add_line
from bot.notes.rules.suggestions import (
    AS_ACTION,
    AS_DECISION,
    DECIDED,
    DROPPED,
    SUGGESTED,
)
from bot.notes.service.publishing import queue_card
from bot.notes.service.review import check_editable, require_editor
from bot.notes.service.versions import DRAFT, add_version, current, get, name_of
from bot.records import audit

CreateItem = Callable[[TranscriptSuggestion, Incident], ActionItem]


def accept_as_decision(uow: UnitOfWork, *, suggestion_id: int, actor: str, roles: RoleCheck,
                       now: datetime, settings: Settings) -> CallNotes:
    require_editor(roles, actor)
    suggestion, notes = _undecided(uow, suggestion_id, settings=settings)
    segment = uow.transcripts.segment(suggestion.segment_id)
    line = notes_text.marked_line(Marked(suggestion.text, by=segment.speaker if segment else None,
                                         accepted_by=name_of(uow)(actor)), settings.timezone)
    _decide(suggestion, AS_DECISION, actor, now)
    text = add_line(current(uow, notes).text, "Decisions", line)
    _new_version(uow, notes, text, actor, "Accepted a suggestion from the transcript as a "
                 "decision", now, settings)
    _record(uow, suggestion, notes, actor, now, "decision")
    return notes


def accept_as_action(uow: UnitOfWork, *, suggestion_id: int, actor: str, roles: RoleCheck,
                     now: datetime, settings: Settings, create: CreateItem) -> ActionItem:
    """``create`` makes the item (the actions capability: owner, due date, its card and texts)."""
    require_editor(roles, actor)
    suggestion, notes = _undecided(uow, suggestion_id, settings=settings)
    item = create(suggestion, uow.incidents.get(notes.incident_id))
    _decide(suggestion, AS_ACTION, actor, now)
    suggestion.action_item_id = item.id
    row = notes_text.row(ItemRow(number=item.number, text=item.text, owner=item.owner_label,
                                 started_at=item.created_at, status="Open", due_at=item.due_at),
                         settings.timezone)
    text = add_line(current(uow, notes).text, "Action items", row,
                    table_head=notes_text.TABLE_HEAD)
    _new_version(uow, notes, text, actor, f"Accepted a suggestion from the transcript as "
                 f"A-{item.number}", now, settings)
    _record(uow, suggestion, notes, actor, now, "action", action_id=item.id)
    return item


def drop(uow: UnitOfWork, *, suggestion_id: int, actor: str, roles: RoleCheck, now: datetime,
         settings: Settings) -> CallNotes:
    require_editor(roles, actor)
    suggestion, notes = _undecided(uow, suggestion_id, settings=settings)
    _decide(suggestion, DROPPED, actor, now)
    audit.record(uow, at=now, actor=actor, action="notes.suggestion_dropped",
                 incident_id=notes.incident_id, notes_id=notes.id, suggestion_id=suggestion.id)
    queue_card(uow, notes, now=now, settings=settings, extra=f":s{suggestion.id}")
    return notes


def keep_transcript(uow: UnitOfWork, *, notes_id: int, keep: bool, actor: str, roles: RoleCheck,
                    now: datetime, settings: Settings) -> bool:
    """Whether anything changed (keeping what is kept already changes nothing)."""
    require_editor(roles, actor)
    notes = get(uow, notes_id, lock=True)
    check_editable(uow, notes, settings=settings)
    if bool(notes.transcript_kept) == keep:
        return False
    notes.transcript_kept, notes.updated_at = keep, now
    action = "notes.transcript_kept" if keep else "notes.transcript_removed"
    sequence = sum(1 for e in uow.audit.list(incident_id=notes.incident_id)
                   if e.action in ("notes.transcript_kept", "notes.transcript_removed")
                   and e.details.get("notes_id") == notes.id) + 1
    audit.record(uow, at=now, actor=actor, action=action, incident_id=notes.incident_id,
                 notes_id=notes.id, version=notes.version)
    queue_card(uow, notes, now=now, settings=settings, extra=f":t{sequence}")
    return True


def _undecided(uow: UnitOfWork, suggestion_id: int, *,
               settings: Settings) -> tuple[TranscriptSuggestion, CallNotes]:
    suggestion = uow.transcripts.suggestion(suggestion_id, lock=True)
    if suggestion is None:
        raise NotFound("That suggestion no longer exists: the transcript may have been purged.")
    notes = uow.notes.for_call(suggestion.call_id)
    if notes is None:
        raise NotFound("That suggestion's call has no notes.")
    notes = get(uow, notes.id, lock=True)
    if suggestion.status != SUGGESTED:
        who = name_of(uow)(suggestion.decided_by or "someone")
        raise InvalidTransition(f"That suggestion was already {DECIDED.get(suggestion.status, 'decided')}"
                                f" by {who}: nothing changed.")
    check_editable(uow, notes, settings=settings)
    return suggestion, notes


def _decide(suggestion: TranscriptSuggestion, status: str, actor: str, now: datetime) -> None:
    suggestion.status, suggestion.decided_by, suggestion.decided_at = status, actor[:64], now


def _new_version(uow: UnitOfWork, notes: CallNotes, text: str, actor: str, reason: str,
                 now: datetime, settings: Settings) -> None:
    notes.version += 1
    notes.status = DRAFT
    add_version(uow, notes, text, actor, reason, now)
    queue_card(uow, notes, now=now, settings=settings)


def _record(uow: UnitOfWork, suggestion: TranscriptSuggestion, notes: CallNotes, actor: str,
            now: datetime, kind: str, **details: object) -> None:
    audit.record(uow, at=now, actor=actor, action="notes.suggestion_accepted",
                 incident_id=notes.incident_id, notes_id=notes.id, suggestion_id=suggestion.id,
                 accepted_as=kind, version=notes.version, **details)
