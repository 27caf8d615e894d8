"""Firing persisted due jobs: call reminders, the end of calls, action-item reminders.

One transaction claims due jobs (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), queues their
messages in the outbox with per-recipient keys and marks them done, so a job fires once even if
the scheduler restarts or two processes race. A reminder found later than the grace period
(the scheduler was down) is skipped and logged rather than sent late.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.actions import service as actions
from bot.calls import text as call_text
from bot.calls.delivery import DIAL_OUT_TAG
from bot.calls.service import attendance
from bot.calls.service.calls import CALL_END, CALL_START, REMINDER, invited, tell
from bot.config import Settings
from bot.db.models import Call, DueJob
from bot.db.unit_of_work import UnitOfWork
from bot.i18n.catalog import render
from bot.i18n.rules import local_time
from bot.notes.service import review as notes_review
from bot.outbox.kinds import Kind
from bot.outbox.worker import enqueue

log = logging.getLogger(__name__)
OVERRUN_RECHECK = timedelta(minutes=15)
MAX_OVERRUN_CHECKS = 16


def fire_due(uow: UnitOfWork, *, now: datetime, settings: Settings, limit: int = 200) -> int:
    jobs = uow.calls.claim_due_jobs(now=now, limit=limit)
    for job in jobs:
        if job.kind in (actions.DUE_SOON, actions.OVERDUE):
            actions.fire_reminder(uow, job, now, settings)
            job.fired_at = now
            continue
        call = uow.calls.get(job.call_id) if job.call_id else None
        if call is None or job.payload.get("version", call.version) != call.version:
            job.status = "cancelled"
            continue
        if job.kind == REMINDER:
            _remind(uow, job, call, now, settings)
        elif job.kind == CALL_END:
            _end(uow, job, call, now, settings)
        elif job.kind == CALL_START:
            _dial_out(uow, job, call, now)
        else:
            log.error("unknown due job kind %s (%s)", job.kind, job.key)
            job.status = "failed"
            continue
        job.fired_at = now
    return len(jobs)


def _remind(uow: UnitOfWork, job: DueJob, call: Call, now: datetime, settings: Settings) -> None:
    late = now - job.due_at
    if call.status != "scheduled":
        job.status = "cancelled"
        return
    if late > timedelta(minutes=settings.calls.reminder_grace_min):
        log.warning("reminder %s skipped: %s late (the scheduler was not running)", job.key, late)
        job.status = "skipped"
        return
    incident = uow.incidents.get(call.incident_id)
    offset = job.payload["offset"]
    for invitation, contact in invited(uow, call):
        if invitation.rsvp == "no":
            continue
        text = render("call_reminder", invitation.language, office=settings.office_name,
                      title=incident.title, when=local_time(call.starts_at, contact.timezone),
                      join=call_text.join_text(call, invitation.language,
                                               settings.calls.dial_in_number))
        tell(uow, incident, invitation, contact,
              f"reminder:{call.id}:v{call.version}:{offset}:{contact.id}", text, now)
    job.status = "done"


def _dial_out(uow: UnitOfWork, job: DueJob, call: Call, now: datetime) -> None:
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
                    payload={"conference": call.conference_name, "label": f"contact-{contact.id}"})
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
    if call.status in ("scheduled", "in_progress"):
        call.status, call.ended_at = "completed", now
    attendance.post_summary(uow, call, now)
    notes_review.draft_for_call(uow, call, now=now, settings=settings)
    job.status = "done"


def _still_talking(uow: UnitOfWork, call: Call) -> bool:
    """Someone is still on the hosted conference."""
    return call.bridge == "twilio" and any(row.left_at is None
                                           for row in uow.calls.attendance(call.id))
