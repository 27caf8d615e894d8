"""What Twilio's conference events mean for a hosted call: who joined, who left, and its end.

When the conference ends after the scheduled end (or a coordinator ended it) the call is over:
the attendance summary is queued for the incident channel and the call's notes are drafted for
review (each once), as when the call's scheduled end finds it over (``bot.calls.jobs``). A
conference that empties earlier leaves the call open for the rest of its slot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.calls.service import attendance
from bot.config import Settings
from bot.db.models import Call
from bot.db.unit_of_work import Database, UnitOfWork
from bot.notes.service import review as notes_review

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
