"""Call notes as a document read outside Slack: one call's page, or an incident's export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.config import Settings
from bot.db.models import CallNotes
from bot.db.unit_of_work import UnitOfWork
from bot.notes import html as notes_html
from bot.notes.rules.edits import published
from bot.notes.service.versions import APPROVED, banner, current, name_of


@dataclass(frozen=True)
class NotesView:
    """One call's notes as a document shows them."""

    incident_key: str
    incident_title: str
    call_number: int
    call_starts_at: datetime
    status: str
    version: int
    text: str
    banner: str


def view(uow: UnitOfWork, notes: CallNotes, *, settings: Settings) -> NotesView:
    incident = uow.incidents.get(notes.incident_id)
    call = uow.calls.get(notes.call_id)
    text = current(uow, notes).text
    if notes.status == APPROVED:  # what was published: the transcript only if a reviewer kept it
        text = published(text, transcript_kept=bool(notes.transcript_kept))
    return NotesView(incident.key, incident.title, call.number, call.starts_at, notes.status,
                     notes.version, text, banner(uow, notes, settings=settings))


def document(uow: UnitOfWork, found: list[CallNotes], *, settings: Settings,
             one_call: bool) -> tuple[str, list[notes_html.Part]]:
    """The title and parts of a document of these notes (all of one incident)."""
    views = [view(uow, notes, settings=settings) for notes in found]
    first = views[0]
    title = f"{first.incident_key}: {first.incident_title} — call notes"
    if one_call:
        title = f"{first.incident_key}: {first.incident_title} — notes of call {first.call_number}"
    return title, [notes_html.Part(f"Call {v.call_number}", v.call_starts_at,
                                   v.status == APPROVED, v.banner, v.text,
                                   revisions=revisions(uow, notes, settings=settings),
                                   approvals=approvals(uow, notes, settings=settings))
                   for v, notes in zip(views, found, strict=True)]


def revisions(uow: UnitOfWork, notes: CallNotes, *,
              settings: Settings) -> tuple[notes_html.Revision, ...]:
    name = name_of(uow, settings)
    return tuple(notes_html.Revision(v.version, name(v.author), v.created_at, v.reason)
                 for v in uow.notes.versions(notes.id))


def approvals(uow: UnitOfWork, notes: CallNotes, *,
              settings: Settings) -> tuple[notes_html.Approval, ...]:
    """Every approval of these notes (the first, then each amendment's), from the audit trail."""
    name = name_of(uow, settings)
    return tuple(notes_html.Approval(e.details.get("version", 0), name(e.actor), e.at)
                 for e in uow.audit.list(incident_id=notes.incident_id, action="notes.approved")
                 if e.details.get("notes_id") == notes.id)
