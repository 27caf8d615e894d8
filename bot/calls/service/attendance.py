"""Who joined a hosted call, from Twilio's conference events, and the summary after it."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.calls import text as call_text
from bot.calls.rules.bridge import conference_end_closes
from bot.db.models import Attendance, Call
from bot.db.unit_of_work import UnitOfWork
from bot.directory.rules.phones import mask
from bot.outbox.kinds import Kind
from bot.outbox.queue import enqueue

log = logging.getLogger(__name__)


def joined(uow: UnitOfWork, *, conference: str, call_sid: str, phone: str | None,
           at: datetime) -> Call | None:
    call = uow.calls.by_conference(conference)
    if call is None:
        log.warning("conference event for unknown conference %s", conference)
        return None
    if uow.calls.attendance_by_sid(call_sid) is None:
        if phone is None:  # a line the bot dialled out: its number is on the outbox row
            dialled = uow.outbox.by_provider_id(call_sid)
            phone = dialled.recipient if dialled else None
        contact = uow.contacts.by_phone(phone) if phone else None
        uow.calls.add_attendance(Attendance(call_id=call.id, call_sid=call_sid, phone=phone,
                                            contact_id=contact.id if contact else None,
                                            joined_at=at))
    if call.status == "scheduled" and at >= call.starts_at:
        call.status = "in_progress"
    return call


def left(uow: UnitOfWork, *, call_sid: str, at: datetime) -> None:
    row = uow.calls.attendance_by_sid(call_sid)
    if row is not None and row.left_at is None:
        row.left_at = at


def ended(uow: UnitOfWork, *, conference: str, at: datetime,
          reason: str | None = None) -> Call | None:
    """Twilio ended the conference: everyone has left. The call is over (and returned) only
    when that ends it (see ``conference_end_closes``); before the scheduled end the bridge stays
    open and the next caller with the PIN starts the conference again."""
    call = uow.calls.by_conference(conference)
    if call is None:
        return None
    for row in uow.calls.attendance(call.id):
        if row.left_at is None:
            row.left_at = at
    if not conference_end_closes(reason=reason, starts_at=call.starts_at,
                                 duration_min=call.duration_min, at=at):
        log.info("call %s: the conference emptied before the scheduled end; the bridge stays "
                 "open", call.id)
        return None
    if call.status in ("scheduled", "in_progress"):
        call.status, call.ended_at = "completed", at
    post_summary(uow, call, at)
    return call


def post_summary(uow: UnitOfWork, call: Call, now: datetime) -> None:
    """Queues the attendance summary for the incident channel (once per call)."""
    enqueue(uow, key=f"attendance:{call.id}", kind=Kind.POST, purpose="attendance",
            incident_id=call.incident_id, now=now,
            payload={"channel": None, "text": summary_text(uow, call, now), "blocks": None})


def summary_text(uow: UnitOfWork, call: Call, now: datetime) -> str:
    invitations = {i.contact_id: i for i in uow.calls.invitations(call.id)}
    rows = uow.calls.attendance(call.id)
    contacts = uow.contacts.load({*invitations, *(r.contact_id for r in rows if r.contact_id)})
    minutes: dict[str, int] = {}
    present: set[int] = set()
    for row in rows:
        name = contacts[row.contact_id].name if row.contact_id in contacts else mask(row.phone)
        minutes[name] = minutes.get(name, 0) + _minutes(row, now)
        if row.contact_id:
            present.add(row.contact_id)
    said_yes = [contacts[c].name for c, i in invitations.items() if i.rsvp == "yes"]
    away = {c: i.rsvp for c, i in invitations.items() if c not in present and c in contacts}

    def answered(answer: str) -> list[str]:
        return sorted(contacts[c].name for c, rsvp in away.items() if rsvp == answer)

    absent = sorted(contacts[c].name for c, rsvp in away.items() if rsvp not in ("no", "maybe"))
    return call_text.attendance_summary(call, sorted(minutes.items()), sorted(said_yes), absent,
                                        call.zone, declined=answered("no"),
                                        maybe=answered("maybe"))


def _minutes(row: Attendance, now: datetime) -> int:
    end = row.left_at or now
    return max(0, round((end - row.joined_at).total_seconds() / 60))
