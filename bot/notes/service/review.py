"""Call notes under review: drafted by the bot, edited by people, approved by an official.

``draft → changes_requested → draft … → approved``; approved is final. Each change is a new
version (``versions``) and queues a re-render of the review card; approval queues the publishing
(``publishing``). Nothing leaves the review channel before an official approves.
"""

from __future__ import annotations

from datetime import datetime

from bot.access.roles import RoleCheck
from bot.config import Settings
from bot.db.models import Call, CallNotes
from bot.db.unit_of_work import UnitOfWork
from bot.errors import InvalidInput, InvalidTransition, PermissionDenied
from bot.notes import blocks as notes_blocks
from bot.notes.rules.text_limits import MAX_TEXT, bounded
from bot.notes.service import amendments, review_access, suggestions, summaries
from bot.notes.service import draft as notes_draft
from bot.notes.service.documents import view
from bot.notes.service.publishing import (
    card_key,
    post_for_review,
    publish_targets,
    queue_card,
    queue_publishing,
    summary_key_prefix,
)
from bot.notes.service.transcripts import attach_transcript
from bot.notes.service.versions import (
    AMENDED,
    APPROVED,
    CHANGES_REQUESTED,
    DRAFT,
    DRAFTER,
    add_version,
    banner,
    current,
    get,
    title,
)
from bot.records import audit
from bot.slack_ui.text import escape

# The slash-command flows and the Slack handlers (the lead's typed-commands work) reach these
# through this module; new code imports them from where they are defined.
__all__ = ["APPROVED", "MAX_TEXT", "amend", "approve", "attach_transcript", "card_key", "check_editable",
           "current", "draft_for_call", "edit", "get", "open_draft", "publish_targets",
           "queue_card", "request_changes", "require_editor", "summary_key_prefix", "title", "view"]


def draft_for_call(uow: UnitOfWork, call: Call, *, now: datetime, settings: Settings) -> CallNotes:
    """The call's notes, drafted from its records the first time (later calls return them)."""
    existing = uow.notes.for_call(call.id)
    if existing is not None:
        return existing
    text = notes_draft.named_draft(uow, call, settings=settings)
    return open_draft(uow, call, text=text, now=now, settings=settings)


def open_draft(uow: UnitOfWork, call: Call, *, text: str, now: datetime,
               settings: Settings) -> CallNotes:
    """Records ``text`` as version 1 of the call's notes and queues the review card."""
    existing = uow.notes.for_call(call.id)
    if existing is not None:
        return existing
    notes = CallNotes(call_id=call.id, incident_id=call.incident_id, status=DRAFT, version=1,
                      created_at=now, updated_at=now)
    uow.notes.add(notes)
    add_version(uow, notes, text, DRAFTER, "Drafted from the call's records", now)
    suggested = suggestions.store(uow, call)
    audit.record(uow, at=now, actor=DRAFTER, action="notes.drafted", incident_id=call.incident_id,
                 notes_id=notes.id, call_id=call.id, suggestions=suggested)
    queue_card(uow, notes, now=now, settings=settings)
    review_access.invite_all(uow, notes, now=now, settings=settings)
    summaries.queue(uow, notes, now=now, settings=settings)
    return notes


def require_editor(roles: RoleCheck, user: str) -> None:
    if not (roles.has("coordinator", user) or roles.has("official", user)):
        raise PermissionDenied("Only coordinators and officials can edit call notes or attach "
                               "transcripts. Ask one of them, or ask an administrator to add you "
                               "to `roles.coordinators` in the bot's configuration.")


def check_editable(uow: UnitOfWork, notes: CallNotes, *, settings: Settings) -> None:
    if notes.status == APPROVED:
        raise InvalidTransition(f"These notes were approved ({banner(uow, notes, settings=settings)})"
                                " and can no longer be edited. Amend them instead (an official on "
                                "the web review, or `coordbot notes amend`): an amendment needs a "
                                "reason and an official's approval again.")


def edit(uow: UnitOfWork, *, notes_id: int, text: str, actor: str, roles: RoleCheck, now: datetime,
         settings: Settings, base_version: int | None = None) -> CallNotes:
    """Saves ``text`` as a new version by ``actor``; the notes go back to draft for review."""
    require_editor(roles, actor)
    notes = get(uow, notes_id, lock=True)
    check_editable(uow, notes, settings=settings)
    text = _checked_text(text)
    latest = current(uow, notes)
    if base_version is not None and base_version != notes.version:
        raise InvalidTransition(
            f"While you were editing version {base_version}, {notes_blocks.who(latest.author)} "
            f"saved version {notes.version}. Your text was not saved, so that their changes are "
            f"not lost: open Edit again to start from version {notes.version}. Your text:\n"
            f"```{text[:2500]}```")
    if text == latest.text.strip():
        raise InvalidInput(f"Nothing changed: the text is the same as version {notes.version}.")
    notes.version += 1
    notes.status = DRAFT
    add_version(uow, notes, text, actor, "Edited", now)
    audit.record(uow, at=now, actor=actor, action="notes.edited", incident_id=notes.incident_id,
                 notes_id=notes.id, version=notes.version)
    queue_card(uow, notes, now=now, settings=settings)
    return notes


def amend(uow: UnitOfWork, *, notes_id: int, text: str, reason: str, actor: str,
          roles: RoleCheck, now: datetime, settings: Settings, base_version: int) -> CallNotes:
    """Approved notes, changed: a new version with its reason, under review again. The approved
    version stays the record (and is what a reader is shown as approved) until an official
    approves the amendment; each official is sent the review link again."""
    require_editor(roles, actor)
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput("Say why the approved notes are amended: the reason is kept with the "
                           "new version. Nothing was saved.")
    if len(reason) > 180:
        raise InvalidInput(f"The reason is too long ({len(reason)} characters; the limit is 180)."
                           " Nothing was saved.")
    notes = get(uow, notes_id, lock=True)
    if notes.status != APPROVED:
        raise InvalidTransition("Only approved notes are amended; these are still under review, "
                                "so edit them instead.")
    text = _checked_text(text)
    if base_version != notes.version:
        raise InvalidTransition(f"You amended version {base_version}, but version {notes.version}"
                                " is the latest. Nothing was saved: start again from it.")
    if text == current(uow, notes).text.strip():
        raise InvalidInput(f"Nothing changed: the text is the same as version {notes.version}.")
    notes.version += 1
    notes.status = DRAFT
    add_version(uow, notes, text, actor, f"{AMENDED}{reason}", now)
    audit.record(uow, at=now, actor=actor, action="notes.amended", incident_id=notes.incident_id,
                 notes_id=notes.id, version=notes.version, approved_version=notes.approved_version,
                 reason=reason)
    queue_card(uow, notes, now=now, settings=settings)
    review_access.invite_all(uow, notes, now=now, settings=settings)
    return notes


def _checked_text(text: str) -> str:
    return bounded(text, MAX_TEXT, empty="The notes cannot be empty: nothing was saved.",
                   long="The notes are too long ({size:,} characters; the limit is {limit:,}). "
                        "Shorten them: nothing was saved.")


def request_changes(uow: UnitOfWork, *, notes_id: int, comment: str, actor: str, roles: RoleCheck,
                    now: datetime, settings: Settings) -> CallNotes:
    roles.require("official", actor, "request changes to call notes")
    comment = (comment or "").strip()
    if not comment:
        raise InvalidInput("Say what should change: the comment is what the editors will see.")
    notes = get(uow, notes_id, lock=True)
    check_editable(uow, notes, settings=settings)
    sequence = sum(1 for e in uow.audit.list(incident_id=notes.incident_id,
                                             action="notes.changes_requested")
                   if e.details.get("notes_id") == notes.id) + 1
    notes.status, notes.updated_at = CHANGES_REQUESTED, now
    audit.record(uow, at=now, actor=actor, action="notes.changes_requested",
                 incident_id=notes.incident_id, notes_id=notes.id, version=notes.version,
                 comment=comment[:3000])
    heading = title(uow, notes)
    post_for_review(uow, notes, key=f"notes-comment:{notes.id}:{sequence}", now=now,
                     settings=settings,
                     text=(f":pencil2: {notes_blocks.who(actor)} asked for changes to the notes of "
                           f"{heading} (version {notes.version}):\n>{_quote(comment)}"))
    queue_card(uow, notes, now=now, settings=settings, extra=f":{sequence}")
    return notes


def approve(uow: UnitOfWork, *, notes_id: int, version: int, actor: str, roles: RoleCheck,
            now: datetime, settings: Settings) -> CallNotes:
    """Approves the version the official was shown, then queues publishing (once)."""
    roles.require("official", actor, "approve call notes")
    notes = get(uow, notes_id, lock=True)
    if notes.status == APPROVED:
        raise InvalidTransition(f"These notes are already approved "
                                f"({banner(uow, notes, settings=settings)}); they were published "
                                "then, and nothing is sent again.")
    if version != notes.version:
        latest = current(uow, notes)
        raise InvalidTransition(
            f"You were shown version {version}, but {notes_blocks.who(latest.author)} has since "
            f"saved version {notes.version} ({latest.reason.lower()}). Nothing was approved: read "
            "the current version on the review card, then approve it.")
    before = notes.approved_version  # set when this approves an amendment
    notes.status, notes.approved_by, notes.approved_at = APPROVED, actor, now
    notes.approved_version, notes.updated_at = notes.version, now
    incident = uow.incidents.get(notes.incident_id)
    if before is None:
        texted = queue_publishing(uow, notes, incident, now=now, settings=settings)
    else:
        texted = amendments.queue_republishing(uow, notes, incident, previous=before, now=now,
                                               settings=settings)
    audit.record(uow, at=now, actor=actor, action="notes.approved", incident_id=incident.id,
                 notes_id=notes.id, version=notes.version, sms_summaries=texted,
                 amends=before)
    queue_card(uow, notes, now=now, settings=settings)
    return notes


def _quote(text: str) -> str:
    return escape(text[:2500]).replace("\n", "\n>")
