"""What Twilio's conference events mean for a hosted call: who joined, who left, and its end.

A coordinator may end a call under way before its scheduled end (``end_by_coordinator``): the
call is over at once, and its hosted conference is ended through the outbox (Twilio then reports
``conference-ended-via-api``, which finds the call already over).

When the conference ends after the scheduled end (or a coordinator ended it) the call is over:
the attendance summary is queued for the incident channel and the call's notes are drafted for
review (each once), as when the call's scheduled end finds it over (``bot.calls.jobs``). A
conference that empties earlier leaves the call open for the rest of its slot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.calls.service import attendance
from bot.calls.service.calls import post
from bot.config import Settings
from bot.db.models import Call, Incident, TimelineEntry
from bot.db.unit_of_work import Database, UnitOfWork
from bot.errors import InvalidTransition
from bot.i18n.rules import local_time
from bot.notes.service import review as notes_review
from bot.outbox.kinds import Kind
from bot.outbox.queue import enqueue
from bot.records import audit

JOINED, LEFT, ENDED = "participant-join", "participant-leave", "conference-end"


@dataclass(frozen=True)
class ConferenceEvent:
    """One status callback: ``kind`` is Twilio's ``StatusCallbackEvent``, ``reason`` its
    ``ReasonConferenceEnded`` (on conference-end only)."""

    kind: str | None
    conference: str
    call_sid: str
    reason: str | None = None


def record_event(db: Database, event: ConferenceEvent, *, now: datetime,
                 settings: Settings) -> None:
    """Applies the event in its own transaction; events of other kinds change nothing."""
    with db.unit_of_work() as uow:
        if event.kind == JOINED:
            attendance.joined(uow, conference=event.conference, call_sid=event.call_sid,
                              phone=None, at=now)
        elif event.kind == LEFT:
            attendance.left(uow, call_sid=event.call_sid, at=now)
        elif event.kind == ENDED:
            call = attendance.ended(uow, conference=event.conference, at=now,
                                    reason=event.reason)
            if call is not None:
                notes_review.draft_for_call(uow, call, now=now, settings=settings)
        uow.commit()


def call_over(uow: UnitOfWork, call: Call, *, now: datetime, settings: Settings) -> None:
    """Closes a call still open, queues its attendance summary and drafts its notes (once each)."""
    if call.status in ("scheduled", "in_progress"):
        call.status, call.ended_at = "completed", now
    attendance.post_summary(uow, call, now)
    notes_review.draft_for_call(uow, call, now=now, settings=settings)


def end_by_coordinator(uow: UnitOfWork, *, incident: Incident, call: Call, actor: str, by: str,
                       now: datetime, settings: Settings) -> int:
    """Ends a call that has started (by the clock or by someone joining) and is not over: the
    call is completed now, its jobs (reminders, dial-outs, the scheduled end) and its dial-outs
    not yet placed are cancelled, the end is kept in the timeline and the audit trail and posted
    in the channel, and for a hosted call the conference is ended (outbox, once per call).
    Returns how many people were still on the line. A second end finds the call over and is
    refused, so it changes nothing."""
    _check_endable(call, now)
    on_line = sum(1 for row in uow.calls.attendance(call.id) if row.left_at is None)
    uow.calls.cancel_jobs(call.id)
    for row in uow.outbox.with_key_prefix(f"dialout:{call.id}:", statuses=["pending"],
                                          lock=True):
        row.status, row.error_code = "cancelled", "call_ended"
        row.error_message = f"call {call.number} was ended by {by} before this dial-out"
    if call.bridge == "twilio":
        enqueue(uow, key=f"conference-end:{call.id}", kind=Kind.END_CONFERENCE,
                purpose="call_end", now=now, incident_id=incident.id,
                payload={"conference": call.conference_name})
    text = f"Call {call.number} was ended by {by} at {local_time(now, call.zone)}."
    uow.session.add(TimelineEntry(incident=incident, author=actor, text=text, created_at=now))
    audit.record(uow, at=now, actor=actor, action="call.ended", incident_id=incident.id,
                 call_id=call.id, on_line=on_line)
    post(uow, incident, f"call-ended:{call.id}", text, now)
    call_over(uow, call, now=now, settings=settings)
    return on_line


def _check_endable(call: Call, now: datetime) -> None:
    if call.status == "completed":
        ended = f" (it ended {local_time(call.ended_at, call.zone)})" if call.ended_at else ""
        raise InvalidTransition(f"Call {call.number} is already over{ended}: nothing to end.")
    if call.status == "cancelled":
        raise InvalidTransition(f"Call {call.number} was cancelled: nothing to end.")
    if call.status == "scheduled" and now < call.starts_at:
        raise InvalidTransition(
            f"Call {call.number} has not started: it is scheduled for "
            f"{local_time(call.starts_at, call.zone)}. `/incident call cancel {call.number}` "
            "cancels it.")
