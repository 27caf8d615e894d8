"""The summariser's proposal for a call's notes: asked for (an outbox row) once the notes are
drafted, and added at the top of the current version, labelled as machine-written, for the
reviewer to keep, edit or delete. ``bot.notes.summary_delivery`` sends the row."""

from __future__ import annotations

from datetime import datetime

from bot.config import Settings
from bot.db.models import CallNotes
from bot.db.unit_of_work import UnitOfWork
from bot.notes import text as notes_text
from bot.notes.rules.edits import add_first
from bot.notes.service.publishing import queue_card
from bot.notes.service.versions import APPROVED, DRAFT, DRAFTER, add_version, current
from bot.outbox.kinds import Kind
from bot.outbox.queue import enqueue
from bot.records import audit

ADDED = "notes.machine_summary_added"


def queue(uow: UnitOfWork, notes: CallNotes, *, now: datetime, settings: Settings) -> bool:
    """Asks for a summary when the office has a summariser and the call a live transcript."""
    if not settings.summarizer.url or not uow.transcripts.finals_for_call(notes.call_id):
        return False
    return enqueue(uow, key=f"notes-summary:{notes.id}", kind=Kind.NOTES_SUMMARY,
                   purpose="notes_summary_model", incident_id=notes.incident_id,
                   recipient="summarizer", now=now, payload={"notes_id": notes.id})


def transcript(uow: UnitOfWork, call_id: int) -> str:
    """What the summariser is sent: each final line as ``Speaker [es]: text``, in order."""
    return "\n".join(f"{s.speaker} [{(s.language or 'und').split('-')[0]}]: {s.text}"
                     for s in uow.transcripts.finals_for_call(call_id))


def add_summary(uow: UnitOfWork, notes_id: int, proposed: str, *, now: datetime,
                settings: Settings) -> bool:
    """The proposal at the top of the current notes, once; not into approved notes."""
    notes = uow.notes.get_for_update(notes_id)
    if notes is None or notes.status == APPROVED or any(
            e.details.get("notes_id") == notes_id
            for e in uow.audit.list(incident_id=notes.incident_id, action=ADDED)):
        return False
    text = add_first(current(uow, notes).text, notes_text.MACHINE_SUMMARY,
                     notes_text.machine_summary(proposed))
    notes.version += 1
    notes.status = DRAFT
    add_version(uow, notes, text, DRAFTER, "Added a machine-written summary to review", now)
    audit.record(uow, at=now, actor=DRAFTER, action=ADDED, incident_id=notes.incident_id,
                 notes_id=notes.id, version=notes.version)
    queue_card(uow, notes, now=now, settings=settings)
    return True
