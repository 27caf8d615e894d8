"""Call notes: drafted by the bot, reviewed in the review channel, approved by an official.

``draft → changes_requested → draft … → approved``; approved is final. Every text is a new
``NotesVersion`` (author, time, reason), never an overwrite. Nothing leaves the review channel
before an official approves: then the approved version is posted to the incident channel and the
distribution channels, and attendees may get an SMS summary, each queued once (outbox keys per
notes and channel or contact). Each change queues a re-render of the review card, keyed by version
and status; the card's sender reads the notes as they are when it runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.access.roles import Roles
from bot.config import Settings
from bot.db.models import Call, CallNotes, CallTranscript, Contact, Incident, NotesVersion
from bot.db.unit_of_work import UnitOfWork
from bot.directory.rules.contacts import Consent
from bot.directory.service import people
from bot.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from bot.i18n.catalog import render
from bot.i18n.rules import local_time
from bot.notes import blocks as notes_blocks
from bot.notes import html as notes_html
from bot.notes.rules.marks import transcript_marks
from bot.outbox.kinds import Kind
from bot.outbox.worker import enqueue
from bot.records import audit
from bot.slack_ui.text import escape
from bot.sms.rules.segments import segments

DRAFTER = "coordbot"
DRAFT, CHANGES_REQUESTED, APPROVED = "draft", "changes_requested", "approved"
MAX_TEXT = 30_000  # ten boxes of the edit modal
MAX_TRANSCRIPT = 1_000_000
SUMMARY_LIMITS = (320, 240, 160, 100, 60)


def review_channel(settings: Settings) -> str | None:
    return settings.notes.review_channel or settings.slack.announcements_channel


def name_of(uow: UnitOfWork) -> Callable[[str], str]:
    """Slack user id → the directory's name, else the name Slack showed (people.py), else the id."""
    cache: dict[str, str] = {}

    def name(user_id: str) -> str:
        if user_id not in cache:
            cache[user_id] = people.name_of(uow, user_id)
        return cache[user_id]

    return name


# ----- drafting ----------------------------------------------------------------------------------
def draft_for_call(uow: UnitOfWork, call: Call, *, now: datetime, settings: Settings) -> CallNotes:
    """The call's notes, drafted from its records the first time (later calls return them)."""
    existing = uow.notes.for_call(call.id)
    if existing is not None:
        return existing
    return open_draft(uow, call, text=_draft_text(uow, call, settings), now=now, settings=settings)


def open_draft(uow: UnitOfWork, call: Call, *, text: str, now: datetime,
               settings: Settings) -> CallNotes:
    """Records ``text`` as version 1 of the call's notes and queues the review card."""
    existing = uow.notes.for_call(call.id)
    if existing is not None:
        return existing
    notes = CallNotes(call_id=call.id, incident_id=call.incident_id, status=DRAFT, version=1,
                      created_at=now, updated_at=now)
    uow.notes.add(notes)
    _add_version(uow, notes, text, DRAFTER, "Drafted from the call's records", now)
    audit.record(uow, at=now, actor=DRAFTER, action="notes.drafted", incident_id=call.incident_id,
                 notes_id=notes.id, call_id=call.id)
    queue_card(uow, notes, now=now, settings=settings)
    return notes


def _draft_text(uow: UnitOfWork, call: Call, settings: Settings) -> str:
    from bot.notes.service import draft as notes_draft

    return notes_draft.draft(uow, call, settings=settings, name_of=name_of(uow))


def _add_version(uow: UnitOfWork, notes: CallNotes, text: str, author: str, reason: str,
                 now: datetime) -> NotesVersion:
    version = NotesVersion(notes_id=notes.id, version=notes.version, text=text, author=author,
                           reason=reason, created_at=now)
    uow.notes.add_version(version)
    notes.updated_at = now
    return version


# ----- reading -----------------------------------------------------------------------------------
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


def human_edited(uow: UnitOfWork, notes: CallNotes) -> bool:
    return any(v.author != DRAFTER for v in uow.notes.versions(notes.id))


def latest_comment(uow: UnitOfWork, notes: CallNotes) -> tuple[str, str] | None:
    events = [e for e in uow.audit.list(incident_id=notes.incident_id,
                                        action="notes.changes_requested")
              if e.details.get("notes_id") == notes.id]
    return (events[-1].actor, events[-1].details.get("comment", "")) if events else None


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
    return NotesView(incident.key, incident.title, call.number, call.starts_at, notes.status,
                     notes.version, current(uow, notes).text, banner(uow, notes, settings=settings))


def document(uow: UnitOfWork, found: list[CallNotes], *, settings: Settings,
             one_call: bool) -> tuple[str, list[notes_html.Part]]:
    """The title and parts of a document of these notes (all of one incident)."""
    views = [view(uow, notes, settings=settings) for notes in found]
    first = views[0]
    title = f"{first.incident_key}: {first.incident_title} — call notes"
    if one_call:
        title = f"{first.incident_key}: {first.incident_title} — notes of call {first.call_number}"
    return title, [notes_html.Part(f"Call {v.call_number}", v.call_starts_at,
                                   v.status == APPROVED, v.banner, v.text) for v in views]


def banner(uow: UnitOfWork, notes: CallNotes, *, settings: Settings) -> str:
    if notes.status == APPROVED and notes.approved_at:
        by = name_of(uow)(notes.approved_by or "")
        return (f"Approved by {by} on {local_time(notes.approved_at, settings.timezone)} "
                f"(version {notes.approved_version})")
    label = "Changes requested" if notes.status == CHANGES_REQUESTED else "Draft"
    return f"{label} v{notes.version} — not approved"


# ----- changes by people -------------------------------------------------------------------------
def require_editor(roles: Roles, user: str) -> None:
    if not (roles.has("coordinator", user) or roles.has("official", user)):
        raise PermissionDenied("Only coordinators and officials can edit call notes or attach "
                               "transcripts. Ask one of them, or ask an administrator to add you "
                               "to `roles.coordinators` in the bot's configuration.")


def check_editable(uow: UnitOfWork, notes: CallNotes, *, settings: Settings) -> None:
    if notes.status == APPROVED:
        raise InvalidTransition(f"These notes were approved ({banner(uow, notes, settings=settings)})"
                                " and can no longer be edited. Publish a correction as an "
                                "incident update instead.")


def edit(uow: UnitOfWork, *, notes_id: int, text: str, actor: str, roles: Roles, now: datetime,
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
    _add_version(uow, notes, text, actor, "Edited", now)
    audit.record(uow, at=now, actor=actor, action="notes.edited", incident_id=notes.incident_id,
                 notes_id=notes.id, version=notes.version)
    queue_card(uow, notes, now=now, settings=settings)
    return notes


def _checked_text(text: str) -> str:
    return _bounded(text, MAX_TEXT, empty="The notes cannot be empty: nothing was saved.",
                    long="The notes are too long ({size:,} characters; the limit is {limit:,}). "
                         "Shorten them: nothing was saved.")


def _bounded(text: str, limit: int, *, empty: str, long: str) -> str:
    """The text with Windows line ends undone and trimmed; refused when empty or over ``limit``."""
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise InvalidInput(empty)
    if len(text) > limit:
        raise InvalidInput(long.format(size=len(text), limit=limit))
    return text


def request_changes(uow: UnitOfWork, *, notes_id: int, comment: str, actor: str, roles: Roles,
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
    _post_for_review(uow, notes, key=f"notes-comment:{notes.id}:{sequence}", now=now,
                     settings=settings,
                     text=(f":pencil2: {notes_blocks.who(actor)} asked for changes to the notes of "
                           f"{heading} (version {notes.version}):\n>{_quote(comment)}"))
    queue_card(uow, notes, now=now, settings=settings, extra=f":{sequence}")
    return notes


def approve(uow: UnitOfWork, *, notes_id: int, version: int, actor: str, roles: Roles,
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
    notes.status, notes.approved_by, notes.approved_at = APPROVED, actor, now
    notes.approved_version, notes.updated_at = notes.version, now
    incident = uow.incidents.get(notes.incident_id)
    texted = _queue_publishing(uow, notes, incident, now=now, settings=settings)
    audit.record(uow, at=now, actor=actor, action="notes.approved", incident_id=incident.id,
                 notes_id=notes.id, version=notes.version, sms_summaries=texted)
    queue_card(uow, notes, now=now, settings=settings)
    return notes


# ----- transcripts -------------------------------------------------------------------------------
def attach_transcript(uow: UnitOfWork, *, call: Call, text: str, source: str, actor: str,
                      now: datetime, settings: Settings) -> str:
    """Stores the transcript; redrafts notes no person has edited, else shows reviewers its lines.

    An empty transcript is refused (nothing to keep). One without marked lines is still stored,
    as the call's record, but it changes nothing in the notes.
    """
    text = _bounded(text, MAX_TRANSCRIPT, empty="The transcript is empty: nothing was attached.",
                    long="The transcript is too long ({size:,} characters; the limit is "
                         "{limit:,}): nothing was attached.")
    transcript = CallTranscript(call_id=call.id, text=text, source=source[:200],
                                attached_by=actor[:64], attached_at=now)
    uow.notes.add_transcript(transcript)
    marks = transcript_marks(text)
    audit.record(uow, at=now, actor=actor, action="notes.transcript_attached",
                 incident_id=call.incident_id, call_id=call.id, transcript_id=transcript.id,
                 marked_lines=len(marks))
    notes = uow.notes.for_call(call.id)
    stored = f"Attached the transcript to call {call.number}"
    if not marks:
        return (f"{stored}, but none of its lines is marked (a line starting `DECISION:`, "
                "`ISSUE:` or `ACTION:`), so the notes are unchanged.")
    found = f"{stored} ({len(marks)} marked line{'s' if len(marks) != 1 else ''})"
    if notes is None:
        return f"{found}. They will be in the notes drafted when the call ends."
    if notes.status == APPROVED:
        return (f"{found}, for the record. The notes are already approved "
                f"({banner(uow, notes, settings=settings)}) and stay as they are.")
    if not human_edited(uow, notes):
        return _redraft(uow, notes, call, found, now=now, settings=settings)
    return _show_to_reviewers(uow, notes, marks, transcript.id, found, now=now, settings=settings)


def _redraft(uow: UnitOfWork, notes: CallNotes, call: Call, found: str, *, now: datetime,
             settings: Settings) -> str:
    text = _draft_text(uow, call, settings)
    if text.strip() == current(uow, notes).text.strip():
        return f"{found}; the redrafted notes are the same as version {notes.version}."
    notes.version += 1
    notes.status = DRAFT
    _add_version(uow, notes, text, DRAFTER, "Redrafted with the attached transcript", now)
    audit.record(uow, at=now, actor=DRAFTER, action="notes.redrafted",
                 incident_id=notes.incident_id, notes_id=notes.id, version=notes.version)
    queue_card(uow, notes, now=now, settings=settings)
    return (f"{found}. Nobody had edited the notes yet, so they were redrafted as version "
            f"{notes.version} for review.")


def _show_to_reviewers(uow: UnitOfWork, notes: CallNotes, marks: list[tuple[str, str]],
                       transcript_id: int, found: str, *, now: datetime,
                       settings: Settings) -> str:
    lines = "\n".join(f"• *{kind.upper()}:* {escape(said)}" for kind, said in marks)
    posted = _post_for_review(
        uow, notes, key=f"notes-transcript:{transcript_id}", now=now, settings=settings,
        text=(f":page_facing_up: A transcript was attached to {title(uow, notes)}. The notes "
              f"have been edited by people, so they were not redrafted: add what is missing with "
              f"Edit on the review card.\n{lines}")[:3000])
    where = "posted in the review channel" if posted else "listed here (no review channel is set)"
    kept = (f"{found}. The notes were edited by people, so their edits are kept: the marked "
            f"lines are {where} for the reviewers to add.")
    if posted:
        return kept
    return kept + "\n" + "\n".join(f"• {kind.upper()}: {said}" for kind, said in marks)[:2500]


# ----- what goes out -----------------------------------------------------------------------------
def queue_card(uow: UnitOfWork, notes: CallNotes, *, now: datetime, settings: Settings,
               extra: str = "") -> bool:
    """Queues the card's first post, or a re-render of it; False when no channel is configured."""
    channel = notes.review_channel or review_channel(settings)
    if channel is None:
        return False
    notes.review_channel = channel
    common = {"kind": Kind.NOTES_CARD, "purpose": "notes_review", "incident_id": notes.incident_id,
              "recipient": channel, "now": now}
    if enqueue(uow, key=card_key(notes.id), payload={"notes_id": notes.id, "first": True},
               **common):
        return True
    enqueue(uow, key=f"notes-card:{notes.id}:v{notes.version}:{notes.status}{extra}",
            payload={"notes_id": notes.id}, **common)
    return True


def card_key(notes_id: int) -> str:
    """The key of the review card's first post (its updates add version and status)."""
    return f"notes-card:{notes_id}"


def _post_for_review(uow: UnitOfWork, notes: CallNotes, *, key: str, text: str, now: datetime,
                     settings: Settings) -> bool:
    channel = notes.review_channel or review_channel(settings)
    if channel is None:
        return False
    enqueue(uow, key=key, kind=Kind.POST, purpose="notes_review", incident_id=notes.incident_id,
            recipient=channel, now=now, payload={"channel": channel, "text": text, "blocks": None})
    return True


def publish_targets(incident: Incident, settings: Settings) -> list[str | None]:
    """None (the incident's channel, whenever it exists) then each distribution channel once."""
    others = [c for c in dict.fromkeys(settings.notes.distribution_channels)
              if c and c != incident.channel_id]
    return [None, *others]


def _queue_publishing(uow: UnitOfWork, notes: CallNotes, incident: Incident, *, now: datetime,
                      settings: Settings) -> int:
    for target in publish_targets(incident, settings):
        enqueue(uow, key=publish_key(notes.id, target, 1), kind=Kind.NOTES_PUBLISH,
                purpose="notes_publish", incident_id=incident.id,
                recipient=target or incident.channel_id, now=now,
                payload={"notes_id": notes.id, "channel": target, "part": 1})
    if not settings.notes.sms_summary:
        return 0
    return _queue_summaries(uow, notes, incident, now=now, settings=settings)


def publish_key(notes_id: int, target: str | None, part: int) -> str:
    return f"notes-publish:{notes_id}:{target or 'incident'}:{part}"


def _queue_summaries(uow: UnitOfWork, notes: CallNotes, incident: Incident, *, now: datetime,
                     settings: Settings) -> int:
    points = notes_blocks.plain_points(current(uow, notes).text)
    texted = 0
    for contact in attendees(uow, notes.call_id):
        body = summary_body(points, contact.language, incident, settings)
        if enqueue(uow, key=f"{summary_key_prefix(notes.id)}{contact.id}", kind=Kind.SMS,
                   purpose="notes_summary", incident_id=incident.id, recipient=contact.phone,
                   language=contact.language, now=now, payload={"body": body},
                   segments=segments(body).segments):
            texted += 1
    return texted


def summary_key_prefix(notes_id: int) -> str:
    return f"notes-sms:{notes_id}:"


def attendees(uow: UnitOfWork, call_id: int) -> list[Contact]:
    """Contacts who joined the call by phone and can take texts (opt-outs are checked again
    when each message is sent)."""
    ids = {row.contact_id for row in uow.calls.attendance(call_id) if row.contact_id}
    contacts = uow.contacts.load(ids)
    return [c for _, c in sorted(contacts.items())
            if c.phone and c.phone_status == "ok" and c.sms_consent != Consent.OPTED_OUT.value]


def summary_body(points: list[str], language: str, incident: Incident, settings: Settings) -> str:
    """The catalog's ``notes_summary`` in ``language``, its excerpt shortened to fit the budget."""
    body = ""
    for limit in SUMMARY_LIMITS:
        body = render("notes_summary", language, office=settings.office_name, title=incident.title,
                      text=notes_blocks.excerpt(points, limit) or "-")
        if segments(body).segments <= settings.sms.max_segments:
            break
    return body


def title(uow: UnitOfWork, notes: CallNotes) -> str:
    incident = uow.incidents.get(notes.incident_id)
    call = uow.calls.get(notes.call_id)
    return f"{incident.key} call {call.number}"


def _quote(text: str) -> str:
    return escape(text[:2500]).replace("\n", "\n>")
