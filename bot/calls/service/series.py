"""A series of calls after its one invitation: each occurrence announced before it, and the
whole series cancelled with one message per person.

The occurrences share one PIN and one invitation message (``calls.schedule``), so people are not
sent a text per occurrence at once; each occurrence is then announced on its own a while before
it (``calls.series_notice_before_min``, the day before by default), and RSVPs, reminders,
moving or cancelling one occurrence work per call as for any call.
"""

from __future__ import annotations

from datetime import datetime

from bot.calls import text as call_text
from bot.calls.service.calls import invited, notice, occurrences, post, tell, upload_ics
from bot.config import Settings
from bot.db.models import Call, Contact, Incident, Invitation
from bot.db.unit_of_work import UnitOfWork
from bot.errors import InvalidTransition
from bot.records import audit


def announce(uow: UnitOfWork, call: Call, *, now: datetime, settings: Settings) -> None:
    """The occurrence's own invitation, to everyone invited to it (an RSVP answers it)."""
    incident = uow.incidents.get(call.incident_id)
    for invitation, contact in invited(uow, call):
        text = notice("call_invite", invitation, contact, incident, call, settings)
        tell(uow, incident, invitation, contact,
             f"announce:{call.id}:v{call.version}:{contact.id}", text, now)


def cancel_series(uow: UnitOfWork, *, incident: Incident, call: Call, actor: str, now: datetime,
                  settings: Settings) -> list[Call]:
    """Cancels every occurrence of ``call``'s series still scheduled; each person invited to any
    of them is told once, with the list of the cancelled calls on their clocks."""
    cancelled = [c for c in occurrences(uow, call) if c.status == "scheduled"]
    if not cancelled:
        raise InvalidTransition(f"Call {call.number}'s series has no scheduled calls left.")
    told: dict[int, tuple[Invitation, Contact]] = {}
    for occurrence in cancelled:
        occurrence.status = "cancelled"
        uow.calls.cancel_jobs(occurrence.id)
        for invitation, contact in invited(uow, occurrence):
            told.setdefault(contact.id, (invitation, contact))
    audit.record(uow, at=now, actor=actor, action="call.series_cancelled",
                 incident_id=incident.id, calls=[c.id for c in cancelled])
    starts = [c.starts_at for c in cancelled]
    key = call.series_id if call.series_id is not None else call.id
    for invitation, contact in told.values():
        text = notice("call_cancelled", invitation, contact, incident, call, settings,
                      when=call_text.occurrences(starts, contact.timezone, invitation.language))
        tell(uow, incident, invitation, contact, f"cancel-series:{key}:{contact.id}", text, now)
    numbers = ", ".join(str(c.number) for c in cancelled)
    post(uow, incident, f"call-cancel-series:{key}",
         f":x: Calls {numbers} ({call_text.occurrences(starts, call.zone)}) are cancelled.", now)
    upload_ics(uow, incident, call, now, settings)  # the series' file, its calls excluded
    return cancelled
