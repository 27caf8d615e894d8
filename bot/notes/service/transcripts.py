"""Transcripts attached to a call: stored as its record, and their marked lines fed to the notes.

Notes nobody has edited are redrafted with the transcript; notes people have edited are kept as
they are, and the marked lines are shown to the reviewers to add.
"""

from __future__ import annotations

from datetime import datetime

from bot.config import Settings
from bot.db.models import Call, CallNotes, CallTranscript
from bot.db.unit_of_work import UnitOfWork
from bot.notes.rules.marks import transcript_marks
from bot.notes.rules.text_limits import MAX_TRANSCRIPT, bounded
from bot.notes.service import draft as notes_draft
from bot.notes.service import suggestions
from bot.notes.service.publishing import post_for_review, queue_card
from bot.notes.service.versions import (
    APPROVED,
    DRAFT,
    DRAFTER,
    add_version,
    banner,
    current,
    human_edited,
    title,
)
from bot.records import audit
from bot.slack_ui.text import escape


def attach_transcript(uow: UnitOfWork, *, call: Call, text: str, source: str, actor: str,
                      now: datetime, settings: Settings) -> str:
    """Stores the transcript; redrafts notes no person has edited, else shows reviewers its lines.

    An empty transcript is refused (nothing to keep). One without marked lines is still stored,
    as the call's record, but it changes nothing in the notes.
    """
    text = bounded(text, MAX_TRANSCRIPT, empty="The transcript is empty: nothing was attached.",
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
    text = notes_draft.named_draft(uow, call, settings=settings)
    suggestions.store(uow, call)
    if text.strip() == current(uow, notes).text.strip():
        return f"{found}; the redrafted notes are the same as version {notes.version}."
    notes.version += 1
    notes.status = DRAFT
    add_version(uow, notes, text, DRAFTER, "Redrafted with the attached transcript", now)
    audit.record(uow, at=now, actor=DRAFTER, action="notes.redrafted",
                 incident_id=notes.incident_id, notes_id=notes.id, version=notes.version)
    queue_card(uow, notes, now=now, settings=settings)
    return (f"{found}. Nobody had edited the notes yet, so they were redrafted as version "
            f"{notes.version} for review.")


def _show_to_reviewers(uow: UnitOfWork, notes: CallNotes, marks: list[tuple[str, str]],
                       transcript_id: int, found: str, *, now: datetime,
                       settings: Settings) -> str:
    lines = "\n".join(f"• *{kind.upper()}:* {escape(said)}" for kind, said in marks)
    posted = post_for_review(
        uow, notes, key=f"notes-transcript:{transcript_id}", now=now, settings=settings,
        text=(f":page_facing_up: A transcript was attached to {title(uow, notes)}. The notes "
              f"have been edited by people, so they were not redrafted: add what is missing with "
              f"Edit on the review card.\n{lines}")[:3000])
    where = ("queued for the review channel" if posted
             else "listed here (no review channel is set)")
    kept = (f"{found}. The notes were edited by people, so their edits are kept: the marked "
            f"lines are {where} for the reviewers to add.")
    if posted:
        return kept
    return kept + "\n" + "\n".join(f"• {kind.upper()}: {said}" for kind, said in marks)[:2500]
