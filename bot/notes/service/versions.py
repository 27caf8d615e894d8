"""A call's notes as stored: their status, every version kept, and how a reader names them.

``draft → changes_requested → draft … → approved``; approved is final. Every text is a new
``NotesVersion`` (author, time, reason), never an overwrite.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.config import Settings
from bot.db.models import CallNotes, NotesVersion
from bot.db.unit_of_work import UnitOfWork
from bot.directory.service import people
from bot.errors import NotFound
from bot.i18n.rules import local_time

DRAFTER = "coordbot"
DRAFT, CHANGES_REQUESTED, APPROVED = "draft", "changes_requested", "approved"
WEB_OFFICIAL = "official:"  # the actor prefix of officials signed in on the web
AMENDED = "Amended: "  # a version's reason starts so when approved notes were amended


def review_channel(settings: Settings) -> str | None:
    return settings.notes.review_channel or settings.slack.announcements_channel


def name_of(uow: UnitOfWork, settings: Settings | None = None) -> Callable[[str], str]:
    """Slack user id → the name Slack showed, else the directory's (people.py), else the id;
    with ``settings``, ``official:{id}`` (an official on the web) → their configured name."""
    cache: dict[str, str] = {}

    def name(user_id: str) -> str:
        if user_id not in cache:
            official = (settings.official(user_id.removeprefix(WEB_OFFICIAL))
                        if settings is not None and user_id.startswith(WEB_OFFICIAL) else None)
            cache[user_id] = official.name if official else people.name_of(uow, user_id)
        return cache[user_id]

    return name


def get(uow: UnitOfWork, notes_id: int, *, lock: bool = False) -> CallNotes:
    notes = uow.notes.get_for_update(notes_id) if lock else uow.notes.get(notes_id)
    if notes is None:
        raise NotFound(f"There are no call notes {notes_id}: they may have been removed.")
    return notes


def current(uow: UnitOfWork, notes: CallNotes) -> NotesVersion:
    version = uow.notes.version(notes.id, notes.version)
    if version is None:
        raise NotFound(f"Version {notes.version} of call notes {notes.id} is missing.")
    return version


def add_version(uow: UnitOfWork, notes: CallNotes, text: str, author: str, reason: str,
                now: datetime) -> NotesVersion:
    version = NotesVersion(notes_id=notes.id, version=notes.version, text=text, author=author,
                           reason=reason, created_at=now)
    uow.notes.add_version(version)
    notes.updated_at = now
    return version


def human_edited(uow: UnitOfWork, notes: CallNotes) -> bool:
    return any(v.author != DRAFTER for v in uow.notes.versions(notes.id))


def latest_comment(uow: UnitOfWork, notes: CallNotes) -> tuple[str, str] | None:
    events = [e for e in uow.audit.list(incident_id=notes.incident_id,
                                        action="notes.changes_requested")
              if e.details.get("notes_id") == notes.id]
    return (events[-1].actor, events[-1].details.get("comment", "")) if events else None


def banner(uow: UnitOfWork, notes: CallNotes, *, settings: Settings) -> str:
    approved = ""
    if notes.approved_at:
        by = name_of(uow, settings)(notes.approved_by or "")
        approved = (f"Approved by {by} on {local_time(notes.approved_at, settings.timezone)} "
                    f"(version {notes.approved_version})")
    if notes.status == APPROVED and approved:
        return approved
    label = "Changes requested" if notes.status == CHANGES_REQUESTED else "Draft"
    if approved:  # an amendment under review: the approved version stands meanwhile
        return f"Amendment v{notes.version} — not approved; {approved[:1].lower()}{approved[1:]}"
    return f"{label} v{notes.version} — not approved"


def title(uow: UnitOfWork, notes: CallNotes) -> str:
    incident = uow.incidents.get(notes.incident_id)
    call = uow.calls.get(notes.call_id)
    return f"{incident.key} call {call.number}"
