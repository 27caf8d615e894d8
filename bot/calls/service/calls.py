"""Coordination calls: scheduling (one-off or a series), invitations, changes and RSVPs.

Every message about a call is queued in the outbox in the same transaction as the change, keyed
by call, version and contact (``invite:{call}:{contact}``, ``reschedule:{call}:v2:{contact}``),
so each person hears about each change once. Time-driven work (announcements, reminders, the end
of a call) is stored as due jobs that the scheduler fires (``bot.calls.jobs``).

A series is one row per occurrence, all with one standing PIN; each contact gets one invitation
listing every occurrence (keyed by the first), and each occurrence is announced
``calls.series_notice_before_min`` before it (``bot.calls.service.series``). Calls are numbered
by scheduled start within an incident, so a call scheduled before others moves them up.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.access.links import calendar_url
from bot.calls import calendar
from bot.calls import text as call_text
from bot.calls.rules.transcription import transcribed
from bot.calls.rules.when import ScheduleRequest
from bot.config import Settings
from bot.db.models import Call, Contact, DueJob, Incident, Invitation
from bot.db.unit_of_work import UnitOfWork
from bot.directory.rules.audience import SLACK, SMS, UNREACHABLE, VOICE
from bot.directory.service import audience
from bot.errors import InvalidInput, InvalidTransition, NotFound
from bot.i18n.catalog import render
from bot.i18n.rules import local_time, short_local_time
from bot.outbox.kinds import Kind, phone_kind
from bot.outbox.queue import enqueue
from bot.records import audit
from bot.slack_ui.text import escape
from bot.sms.rules.segments import fits

REMINDER, CALL_START, CALL_END = "call.reminder", "call.start", "call.end"
CALL_ANNOUNCE = "call.announce"
PIN_ATTEMPTS = 50


def schedule(uow: UnitOfWork, *, incident: Incident, request: ScheduleRequest, actor: str,
             now: datetime, settings: Settings) -> list[Call]:
    if incident.status != "active":
        raise InvalidTransition(f"{incident.key} is closed: reopen it before scheduling calls.")
    starts = request.recurrence.occurrences(request.starts_at) if request.recurrence \
        else [request.starts_at]
    pin = _free_pin(uow, starts)
    calls = [_new_call(uow, incident, request, start, pin, actor, now, settings)
             for start in starts]
    if request.recurrence:
        rule = request.recurrence.rrule()
        for call in calls:
            call.series_id, call.series_rule, call.planned_at = calls[0].id, rule, call.starts_at
    moved = renumber(uow, incident, new=calls)
    _invite(uow, calls, incident, now, settings)
    for call in calls:
        _plan_jobs(uow, call, now, settings)
    audit.record(uow, at=now, actor=actor, action="call.scheduled", incident_id=incident.id,
                 calls=[c.id for c in calls], starts_at=request.starts_at.isoformat())
    text = call_text.announcement(incident, calls, request.zone, settings.calls.dial_in_number,
                                  calendar_url(settings, calls[0].id), moved)
    post(uow, incident, f"call-post:{calls[0].id}:v1", text, now)
    upload_ics(uow, incident, calls[0], now, settings, calls=calls)
    return calls


def renumber(uow: UnitOfWork, incident: Incident, *, new: list[Call]) -> list[tuple[int, int]]:
    """Numbers the incident's calls by scheduled start; (former, new number) of the calls that
    already had one (not those in ``new``) and moved."""
    fresh = {call.id for call in new}
    return [(old, call.number) for call, old in uow.calls.renumber_by_time(incident.id)
            if call.id not in fresh]


def find(uow: UnitOfWork, incident: Incident, number_text: str | None, *, now: datetime) -> Call:
    """A call of the incident by number, or the next scheduled one when no number is given."""
    if number_text:
        try:
            number = int(number_text.lstrip("#"))
        except ValueError:
            raise InvalidInput(f"{number_text!r} is not a call number.",
                               "/incident call show 2") from None
        call = uow.calls.by_number(incident.id, number)
        if call is None:
            raise NotFound(f"{incident.key} has no call {number}. `/incident call list` shows them.")
        return call
    upcoming = [c for c in uow.calls.for_incident(incident.id, include_past=False, now=now)
                if c.status == "scheduled"]
    if not upcoming:
        raise NotFound(f"{incident.key} has no upcoming call. Schedule one with "
                       "`/incident call schedule tomorrow 3pm ET`.")
    return upcoming[0]


def cancel(uow: UnitOfWork, *, incident: Incident, call: Call, actor: str, now: datetime,
           settings: Settings) -> None:
    if call.status != "scheduled":
        raise InvalidTransition(f"Call {call.number} is {call.status.replace('_', ' ')}; "
                                "only scheduled calls can be cancelled.")
    call.status = "cancelled"
    uow.calls.cancel_jobs(call.id)
    audit.record(uow, at=now, actor=actor, action="call.cancelled", incident_id=incident.id,
                 call_id=call.id)
    for invitation, contact in invited(uow, call):
        text = notice("call_cancelled", invitation, contact, incident, call, settings)
        tell(uow, incident, invitation, contact, f"cancel:{call.id}:{contact.id}", text, now)
    post(uow, incident, f"call-cancel:{call.id}",
         call_text.change_post(call, call.zone, cancelled=True), now)
    upload_ics(uow, incident, call, now, settings)


def reschedule(uow: UnitOfWork, *, incident: Incident, call: Call, starts_at: datetime,
               actor: str, now: datetime, settings: Settings) -> datetime:
    if call.status != "scheduled":
        raise InvalidTransition(f"Call {call.number} is {call.status.replace('_', ' ')}; "
                                "only scheduled calls can be moved.")
    old = call.starts_at
    call.starts_at, call.version = starts_at, call.version + 1
    uow.calls.cancel_jobs(call.id)
    _plan_jobs(uow, call, now, settings)
    moved = renumber(uow, incident, new=[])
    audit.record(uow, at=now, actor=actor, action="call.rescheduled", incident_id=incident.id,
                 call_id=call.id, old=old.isoformat(), new=starts_at.isoformat())
    for invitation, contact in invited(uow, call):
        invitation.rsvp, invitation.rsvp_at = "pending", None
        text = notice("call_rescheduled", invitation, contact, incident, call, settings,
                      old_when=short_local_time(old, contact.timezone, invitation.language))
        tell(uow, incident, invitation, contact, f"reschedule:{call.id}:v{call.version}:"
              f"{contact.id}", text, now)
    post(uow, incident, f"call-move:{call.id}:v{call.version}",
         "\n".join(filter(None, [call_text.change_post(call, call.zone, cancelled=False,
                                                        old_start=old),
                                  call_text.renumbered(moved)])), now)
    upload_ics(uow, incident, call, now, settings)
    return old


def record_rsvp(uow: UnitOfWork, *, contact: Contact, answer: str, now: datetime,
                via: str | None = None) -> tuple[Invitation, Call] | None:
    """Applies a reply (an SMS, or ``via`` a Slack DM) to the contact's invitation to their
    soonest upcoming call."""
    invitation = uow.calls.open_invitation(contact.id, now=now)
    if invitation is None:
        return None
    call = uow.calls.get(invitation.call_id)
    _set_rsvp(uow, invitation, call, contact, answer, via or f"sms:{contact.id}", now)
    return invitation, call


def record_rsvp_by_hand(uow: UnitOfWork, *, call: Call, contact: Contact, answer: str,
                        actor: str, now: datetime) -> Invitation:
    """A coordinator records the answer someone gave another way (a phone call)."""
    if call.status != "scheduled":
        raise InvalidTransition(f"Call {call.number} is {call.status.replace('_', ' ')}; "
                                "answers are recorded for scheduled calls only.")
    invitation = next((i for i in uow.calls.invitations(call.id) if i.contact_id == contact.id),
                      None)
    if invitation is None:
        raise NotFound(f"{escape(contact.name)} is not invited to call {call.number}. "
                       f"`/incident call rsvps {call.number}` lists who is.")
    _set_rsvp(uow, invitation, call, contact, answer, actor, now, by_hand=True)
    return invitation


def _set_rsvp(uow: UnitOfWork, invitation: Invitation, call: Call, contact: Contact, answer: str,
              actor: str, now: datetime, **details: object) -> None:
    invitation.rsvp, invitation.rsvp_at = answer, now
    audit.record(uow, at=now, actor=actor, action="call.rsvp", incident_id=call.incident_id,
                 call_id=call.id, contact_id=contact.id, answer=answer, **details)


def rsvp_rows(uow: UnitOfWork, call: Call) -> list[tuple[str, str, str]]:
    return [(contact.name, invitation.channel, invitation.rsvp)
            for invitation, contact in invited(uow, call)]


def _new_call(uow: UnitOfWork, incident: Incident, request: ScheduleRequest, start: datetime,
              pin: str, actor: str, now: datetime, settings: Settings) -> Call:
    duration = request.duration or timedelta(minutes=settings.calls.default_duration_min)
    bridge = request.bridge or settings.calls.default_bridge
    call = Call(incident_id=incident.id, number=uow.calls.next_number(incident.id),
                starts_at=start, duration_min=int(duration.total_seconds() // 60),
                agenda=request.agenda, bridge=bridge,
                transcribe=transcribed(request.transcribe, bridge=bridge,
                                       default=settings.calls.transcribe_default),
                pin=pin, conference_name=f"coordbot-{secrets.token_hex(8)}",
                zone=request.zone, status="scheduled", version=1, created_by=actor,
                created_at=now)
    uow.calls.add(call)
    return call


def _free_pin(uow: UnitOfWork, starts: list[datetime]) -> str:
    # A PIN is used by no other call within a day of any of these starts, so at any moment a
    # PIN names one call (the occurrences of a series share theirs).
    taken = uow.calls.pins_in_use(earliest=min(starts) - timedelta(days=1),
                                  latest=max(starts) + timedelta(days=1))
    for _ in range(PIN_ATTEMPTS):
        pin = f"{secrets.randbelow(900000) + 100000}"
        if pin not in taken:
            return pin
    raise InvalidInput("Too many calls at once: no free PIN. Try another time.")


def _invite(uow: UnitOfWork, calls: list[Call], incident: Incident, now: datetime,
            settings: Settings) -> None:
    """One invitation row per call and contact (each call's RSVPs), but one message per contact:
    for a series it lists every occurrence on the contact's clocks (in a text, as many as fit in
    ``sms.max_segments``, then how many more and the last date)."""
    members = [m for m in audience.members(uow, incident, settings.directory.always_include_tags)
               if m.channel != UNREACHABLE]
    for call in calls:
        uow.calls.add_invitations([Invitation(call_id=call.id, contact_id=m.id,
                                              channel=m.channel, language=m.language)
                                   for m in members])
    first = calls[0]
    starts = [c.starts_at for c in calls]
    for invitation, contact in invited(uow, first):
        def invitation_with(when: str, invitation: Invitation = invitation,
                            contact: Contact = contact) -> str:
            return notice("call_invite", invitation, contact, incident, first, settings, when=when)

        def fits_a_phone(when: str, channel: str = invitation.channel) -> bool:
            # A text (or a call reading it) within the segment budget; a Slack DM lists them all.
            return channel == SLACK or fits(invitation_with(when), settings.sms.max_segments)

        when = call_text.occurrences_that_fit(starts, contact.timezone, invitation.language,
                                              fits_a_phone)
        tell(uow, incident, invitation, contact, f"invite:{first.id}:{contact.id}",
             invitation_with(when), now,
             expires_at=calls[-1].starts_at + timedelta(minutes=calls[-1].duration_min))


def _plan_jobs(uow: UnitOfWork, call: Call, now: datetime, settings: Settings) -> None:
    """Reminders, the dial-outs at the start and the scheduled end; for a series' occurrence not
    yet near, its announcement, which stands in for the reminders as early as it or earlier
    (``series_notice_before_min = 0``: none, the series invitation and reminders only)."""
    lead = timedelta(minutes=settings.calls.series_notice_before_min)
    announced = bool(lead) and call.series_id is not None and call.starts_at - lead > now
    if announced:
        uow.calls.add_job(DueJob(key=f"announce:{call.id}:v{call.version}", kind=CALL_ANNOUNCE,
                                 call_id=call.id, due_at=call.starts_at - lead,
                                 status="pending", payload={"version": call.version}))
    for offset in settings.calls.reminder_offsets_min:
        due = call.starts_at - timedelta(minutes=offset)
        if due > now and not (announced and timedelta(minutes=offset) >= lead):
            uow.calls.add_job(DueJob(key=f"reminder:{call.id}:v{call.version}:{offset}",
                                     kind=REMINDER, call_id=call.id, due_at=due,
                                     status="pending",
                                     payload={"offset": offset, "version": call.version}))
    if call.bridge == "twilio":
        uow.calls.add_job(DueJob(key=f"start:{call.id}:v{call.version}", kind=CALL_START,
                                 call_id=call.id, due_at=call.starts_at, status="pending",
                                 payload={"version": call.version}))
    end = call.starts_at + timedelta(minutes=call.duration_min)
    uow.calls.add_job(DueJob(key=f"end:{call.id}:v{call.version}", kind=CALL_END,
                             call_id=call.id, due_at=end, status="pending",
                             payload={"version": call.version}))


def invited(uow: UnitOfWork, call: Call) -> list[tuple[Invitation, Contact]]:
    invitations = uow.calls.invitations(call.id)
    contacts = uow.contacts.load(i.contact_id for i in invitations)
    return [(i, contacts[i.contact_id]) for i in invitations if i.contact_id in contacts]


def tell(uow: UnitOfWork, incident: Incident, invitation: Invitation, contact: Contact,
          key: str, text: str, now: datetime, *, expires_at: datetime | None = None) -> None:
    """SMS for SMS contacts (a phone call reading it for those reached by voice); a direct
    message for contacts on Slack (the same plain text without
    its "Reply STOP" line, escaped there: it carries the incident's title and the agenda). The
    bot reads answers in the DM as it reads SMS replies (``bot.sms.service.direct``).
    A text or call with ``expires_at`` (a reminder: the call's start) is not sent after it."""
    if invitation.channel in (SMS, VOICE) and contact.phone:
        enqueue(uow, key=key, kind=phone_kind(invitation.channel), purpose=key.split(":")[0], now=now,
                incident_id=incident.id, recipient=contact.phone, language=invitation.language,
                payload={"body": text}, expires_at=expires_at)
    elif invitation.channel == SLACK and contact.slack_user_id:
        text = escape(call_text.without_stop_line(text))
        enqueue(uow, key=key, kind=Kind.POST, purpose=key.split(":")[0], now=now,
                incident_id=incident.id, recipient=contact.slack_user_id,
                payload={"channel": contact.slack_user_id, "text": text, "blocks": None})


def notice(key: str, invitation: Invitation, contact: Contact, incident: Incident, call: Call,
           settings: Settings, *, when: str | None = None, **values: str) -> str:
    """The catalog text ``key`` about ``call`` in the invitee's language: ``when`` (by default
    its start on the contact's clocks) and how to join it."""
    return render(key, invitation.language, office=settings.office_name, title=incident.title,
                  when=when or local_time(call.starts_at, contact.timezone, invitation.language),
                  join=call_text.join_text(call, invitation.language,
                                           settings.calls.dial_in_number), **values)


def post(uow: UnitOfWork, incident: Incident, key: str, text: str, now: datetime) -> None:
    enqueue(uow, key=key, kind=Kind.POST, purpose="call_post", now=now, incident_id=incident.id,
            payload={"channel": None, "text": text, "blocks": None})


def occurrences(uow: UnitOfWork, call: Call) -> list[Call]:
    """The calls of ``call``'s series by start (just ``call`` when it is not in one)."""
    if call.series_id is None:
        return [call]
    return [c for c in uow.calls.for_incident(call.incident_id) if c.series_id == call.series_id]


def ics_key(calls: Sequence[Call]) -> str:
    """The outbox key of the calendar file posted for the call (or series) as it is now."""
    first = min(calls, key=lambda c: c.id)
    return f"call-ics:{first.id}:s{calendar.sequence(calls)}"


def upload_ics(uow: UnitOfWork, incident: Incident, call: Call, now: datetime,
               settings: Settings, *, calls: Sequence[Call] | None = None) -> None:
    """Posts the calendar file of ``call`` (of its whole series, if it is in one) in the incident
    channel, with a line saying what the file is and what to do with it."""
    calls = sorted(calls or occurrences(uow, call), key=lambda c: c.number)
    series = call.series_id is not None
    numbers = ", ".join(str(c.number) for c in calls) if len(calls) <= 10 else (
        f"{calls[0].number}–{calls[-1].number}")
    name = (f"{incident.key.lower()}-calls-{calls[0].number}-{calls[-1].number}.ics" if series
            else f"{incident.key.lower()}-call-{call.number}.ics")
    enqueue(uow, key=ics_key(calls), kind=Kind.UPLOAD,
            purpose="call_calendar", now=now, incident_id=incident.id,
            payload={"filename": name,
                     "title": f"{incident.key} call{'s' if series else ''} {numbers}",
                     "comment": call_text.calendar_comment(incident, calls, call.zone),
                     "content": calendar.calendar_file(calls, incident, settings).decode()})
