"""Transcription on the phone bridge: each caller's answer to the announcement, and the lines
Twilio transcribes from the legs of those who did not decline.

A caller admitted by their PIN to a call scheduled with ``transcribe`` hears the announcement
and may press 9; their answer is stored (a ``TranscriptionChoice``, by CallSid) before the TwiML
that follows it is returned, and only a leg whose stored answer is "transcribed" gets
``<Start><Transcription>``. Every event Twilio posts is checked against that answer again, so a
declined leg (or one we never started) leaves no text even if events for it arrive. Each
``transcription-content`` event is stored once: ``add_segment`` keeps the first of each
(TranscriptionSid, SequenceId), so Twilio's redeliveries and replays change nothing, and events
arriving out of order are put back in order by ``finals_for_call`` (by Twilio's Timestamp).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.calls.rules import transcription as rules
from bot.calls.rules.bridge import OPEN_STATUSES
from bot.calls.rules.transcription import TranscriptionEvent
from bot.calls.service import attendance
from bot.config import Settings
from bot.db.models import Call, TranscriptionChoice, TranscriptSegment
from bot.db.unit_of_work import Database, UnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Leg:
    """A caller's line once they answered: the call, their language, whether they declined and
    the ``languageCode`` their leg is transcribed in."""

    call: Call
    language: str
    declined: bool
    language_code: str


@dataclass(frozen=True)
class Caller:
    """Who is on a leg, as the line is credited: label, contact (if known), directory language
    ("" when unknown)."""

    speaker: str
    contact_id: int | None
    language: str


def _caller(uow: UnitOfWork, call_sid: str) -> Caller:
    row = uow.calls.attendance_by_sid(call_sid)
    contact = uow.contacts.get(row.contact_id) if row and row.contact_id else None
    speaker = rules.speaker_label(name=contact.name if contact else None,
                                  organisation=contact.organisation if contact else None,
                                  phone=row.phone if row else None)
    return Caller(speaker, contact.id if contact else None, contact.language if contact else "")


def choose(db: Database, *, call_id: int | None, call_sid: str, phone: str | None,
           digits: str | None, now: datetime, settings: Settings) -> Leg | None:
    """Stores the caller's answer to the announcement and, with it, that they are on the line
    (attendance: a caller who hangs up during the announcement never joined); None when
    ``call_id`` is no transcribed call still open (the caller is then not put through).

    ``call_id`` comes from the answer URL the bot gave Twilio right after the PIN was accepted,
    and Twilio's signature covers it."""
    with db.unit_of_work() as uow:
        call = uow.calls.get(call_id) if call_id is not None else None
        if call is None or not call_sid or not call.transcribe \
                or call.status not in OPEN_STATUSES:
            log.warning("transcription answer for call %s, which is not open", call_id)
            return None
        attendance.joined(uow, conference=call.conference_name, call_sid=call_sid, phone=phone,
                          at=now)
        declined = rules.declined(digits)
        uow.transcripts.record_choice(TranscriptionChoice(call_sid=call_sid, call_id=call.id,
                                                          declined=declined, at=now))
        language = _caller(uow, call_sid).language
        uow.commit()
        return Leg(call, language or "en", declined,
                   rules.language_code(language, settings.calls.transcription_language))


def record(db: Database, event: TranscriptionEvent, *, call_id: int | None, now: datetime,
           settings: Settings) -> str:
    """Stores a content event's line once. Returns what became of the event: ``stored``,
    ``duplicate`` (already stored), ``dropped`` (a declined leg, or one never transcribed, or
    not of call ``call_id``), ``empty`` (no words) or ``noted`` (started/stopped/error)."""
    with db.unit_of_work() as uow:
        outcome = _record(uow, event, call_id=call_id, now=now, settings=settings)
        uow.commit()
    if outcome == "dropped":
        log.warning("transcription event dropped for a leg that is not transcribed (call %s)",
                    call_id)
    elif event.kind == "transcription-error":
        log.warning("transcription %s reported an error; the leg's later lines are lost",
                    event.transcription_sid)
    elif outcome == "noted":
        log.info("transcription %s: %s", event.transcription_sid, event.kind)
    return outcome


def _record(uow: UnitOfWork, event: TranscriptionEvent, *, call_id: int | None, now: datetime,
            settings: Settings) -> str:
    choice = uow.transcripts.choice(event.call_sid)
    if choice is None or choice.declined or (call_id is not None and choice.call_id != call_id):
        return "dropped"
    if not event.content:
        return "noted"
    if not event.text:
        return "empty"
    call = uow.calls.get(choice.call_id)
    caller = _caller(uow, event.call_sid)
    spoken_at = event.at or now
    segment = TranscriptSegment(
        call_id=call.id, call_sid=event.call_sid, transcription_sid=event.transcription_sid,
        sequence_id=event.sequence_id, speaker=caller.speaker, contact_id=caller.contact_id,
        language=event.language or rules.language_code(
            caller.language, settings.calls.transcription_language),
        text=event.text, final=event.final, offset_s=rules.offset_s(spoken_at, call.starts_at),
        spoken_at=spoken_at, received_at=now)
    return "stored" if uow.transcripts.add_segment(segment) else "duplicate"
