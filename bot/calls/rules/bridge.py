"""When a hosted call's bridge is open: pure, so the PIN check and the jobs agree.

The bridge follows the schedule, not the callers: it opens ``opens_before`` ahead of the start
and stays open until the scheduled end, however often the last caller hangs up in between
(Twilio ends a conference when its last participant leaves, and a caller who dials in again
simply starts it anew under the same name). After the scheduled end it stays open only while
the call is still under way (someone is talking); a coordinator may end it at any time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

OPEN_STATUSES = ("scheduled", "in_progress")
ENDED_BY_COORDINATOR = "conference-ended-via-api"  # Twilio's ReasonConferenceEnded


def scheduled_end(starts_at: datetime, duration_min: int) -> datetime:
    return starts_at + timedelta(minutes=duration_min)


def is_open(*, status: str, starts_at: datetime, duration_min: int, now: datetime,
            opens_before: timedelta) -> bool:
    """The PIN of a call in ``status`` is accepted at ``now``."""
    if status not in OPEN_STATUSES or now < starts_at - opens_before:
        return False
    return now <= scheduled_end(starts_at, duration_min) or status == "in_progress"


def conference_end_closes(*, reason: str | None, starts_at: datetime, duration_min: int,
                          at: datetime) -> bool:
    """Whether Twilio's conference-end at ``at`` ends the call.

    Before the scheduled end only a conference ended on purpose does (``conference-ended-via-api``:
    a coordinator ended it in Twilio); the last caller hanging up does not.
    """
    return reason == ENDED_BY_COORDINATOR or at >= scheduled_end(starts_at, duration_min)

