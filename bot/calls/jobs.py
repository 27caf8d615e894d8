"""Calls' due work: announcements of a series' later calls, reminders before a call, dial-outs
at its start, and its scheduled end.

Each job is keyed by the call's version: a cancelled or rescheduled call's old jobs find a newer
version and are void. The scheduler (``schedules.jobs``) claims due jobs in one transaction and
hands each to the function ``DUE_JOBS`` names for its kind; the messages they queue go out
through the outbox with per-recipient keys, so nothing is sent twice. A reminder found later than
the grace period (the scheduler was down), or after the call started or someone joined, is
skipped and logged rather than sent late.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.calls.delivery import DIAL_OUT_TAG
from bot.calls.service import conference, series
from bot.calls.service.calls import (
    CALL_ANNOUNCE,
    CALL_END,
    CALL_START,
    REMINDER,
    invited,
    notice,
    tell,
)
from bot.config import Settings
from bot.db.models import Call, DueJob
from bot.db.unit_of_work import UnitOfWork
from bot.outbox.kinds import Kind
from bot.outbox.queue import enqueue

log = logging.getLogger(__name__)
OVERRUN_RECHECK = timedelta(minutes=15)
MAX_OVERRUN_CHECKS = 16


def _remind(uow: UnitOfWork, job: DueJob, call: Call, now: datetime, settings: Settings) -> None:
    if not _still_worth_sending(uow, job, call, now, settings):
        return
    incident = uow.incidents.get(call.incident_id)
    offset = job.payload["offset"]
    for invitation, contact in invited(uow, call):
        if invitation.rsvp == "no":
            continue
        text = notice("call_reminder", invitation, contact, incident, call, settings)
        tell(uow, incident, invitation, contact,
              f"reminder:{call.id}:v{call.version}:{offset}:{contact.id}", text, now,
              expires_at=call.starts_at)
    job.status = "done"


def _announce(uow: UnitOfWork, job: DueJob, call: Call, now: datetime,
              settings: Settings) -> None:
    """A later occurrence of a series, announced to its invitees a while before it (the series
    invitation listed it among the others)."""
    if not _still_worth_sending(uow, job, call, now, settings):
        return
    series.announce(uow, call, now=now, settings=settings)
    job.status = "done"


def _still_worth_sending(uow: UnitOfWork, job: DueJob, call: Call, now: datetime,
                         settings: Settings) -> bool:
    """A notice before the call goes only to a call still scheduled (else the job is void), and
    is skipped once the call has started or anyone has joined (people dial in early), or when
    found past the grace period (the scheduler was down)."""
    if call.status != "scheduled":
        job.status = "cancelled"
        return False
    late = now - job.due_at
    if now >= call.starts_at or uow.calls.attendance(call.id):
        log.info("%s skipped: call %s has started or someone has joined", job.key, call.id)
    elif late > timedelta(minutes=settings.calls.reminder_grace_min):
        log.warning("%s skipped: %s late (the scheduler was not running)", job.key, late)
    else:
        return True
    job.status = "skipped"
    return False


def _dial_out(uow: UnitOfWork, job: DueJob, call: Call, now: datetime, settings: Settings) -> None:
    """Calls, at the start, the contacts who asked to be dialled in (tag ``dial-out``)."""
    if call.status not in ("scheduled", "in_progress"):
        job.status = "cancelled"
        return
    for invitation, contact in invited(uow, call):
        if (DIAL_OUT_TAG in (contact.tags or []) and invitation.rsvp != "no" and contact.phone
                and contact.phone_status == "ok"):
            enqueue(uow, key=f"dialout:{call.id}:v{call.version}:{contact.id}", kind=Kind.DIAL_OUT,
                    purpose="dial_out", now=now, incident_id=call.incident_id,
                    recipient=contact.phone,
                    payload={"conference": call.conference_name, "label": f"contact-{contact.id}"},
                    expires_at=call.starts_at + timedelta(minutes=call.duration_min))
    job.status = "done"


def _end(uow: UnitOfWork, job: DueJob, call: Call, now: datetime, settings: Settings) -> None:
    """The scheduled end: closes the call if no conference-end event did, and drafts its notes."""
    if call.status == "cancelled":
        job.status = "cancelled"
        return
    late = job.payload.get("late", 0) + 1
    if call.status in ("scheduled", "in_progress") and late <= MAX_OVERRUN_CHECKS \
            and _still_talking(uow, call):
        # The call ran over: Twilio's conference-end event closes it; look again later in case
        # that event never comes (for at most four hours).
        uow.calls.add_job(DueJob(key=f"end:{call.id}:v{call.version}:late{late}", kind=CALL_END,
                                 call_id=call.id, due_at=now + OVERRUN_RECHECK, status="pending",
                                 payload={"version": call.version, "late": late}))
        job.status = "done"
        return
    conference.call_over(uow, call, now=now, settings=settings)
    job.status = "done"


def _still_talking(uow: UnitOfWork, call: Call) -> bool:
    """Someone is still on the hosted conference."""
    return call.bridge == "twilio" and any(row.left_at is None
                                           for row in uow.calls.attendance(call.id))


Fire = Callable[[UnitOfWork, DueJob, Call, datetime, Settings], None]


def _for_current_call(fire: Fire) -> Callable[[UnitOfWork, DueJob, datetime, Settings], None]:
    """The job fires only for the call as it was planned: a removed call's or an older version's
    job is void (cancelled, never fired)."""

    def fire_job(uow: UnitOfWork, job: DueJob, now: datetime, settings: Settings) -> None:
        call = uow.calls.get(job.call_id) if job.call_id else None
        if call is None or job.payload.get("version", call.version) != call.version:
            job.status = "cancelled"
            return
        fire(uow, job, call, now, settings)
        job.fired_at = now

    return fire_job


DUE_JOBS = {REMINDER: _for_current_call(_remind),
            CALL_ANNOUNCE: _for_current_call(_announce),
            CALL_START: _for_current_call(_dial_out),
            CALL_END: _for_current_call(_end)}
