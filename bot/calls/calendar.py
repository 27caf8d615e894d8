"""The calendar file (RFC 5545 ``.ics``) of a call, or of a whole series, that calendar apps
import, update and cancel.

- One event per call; a series is one event with its ``RRULE`` (kept when it was scheduled, on
  the wall clock of its zone, so 3 PM stays 3 PM across a DST change), an ``EXDATE`` for each
  cancelled occurrence and an override (same ``UID``, ``RECURRENCE-ID`` = the start it was
  scheduled with) for each one moved.
- The ``UID`` never changes (the call's, or the series' first call's) and ``SEQUENCE`` grows
  with every change (each reschedule adds one to a call's version, each cancellation one more):
  an app replaces its copy only for the same UID and a higher SEQUENCE.
- A cancellation is ``METHOD:CANCEL`` with ``STATUS:CANCELLED``, the same UID, a higher
  SEQUENCE and an ``ORGANIZER`` (iTIP, RFC 5546: many apps ignore a CANCEL without one).
- ``LOCATION``, ``DESCRIPTION``, ``URL`` and ``CONFERENCE`` (RFC 7986) give the dial-in number
  with the PIN, including a one-tap ``tel:+12025550100,,123456#`` (each ``,`` waits about two
  seconds, ``#`` ends the PIN), or the external bridge's link; a ``VALARM`` reminds before it.
- Times are whole minutes. ``DTSTAMP`` is when the call was scheduled, so a version's file is
  the same whether it is posted or fetched by its link (SEQUENCE is what orders versions).
- Not bumped: a call's number, when an earlier call is scheduled and renumbers it (only the
  summary's "call 3" changes; the file is posted again at the next real change).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import phonenumbers

from bot.config import Settings
from bot.db.models import Call, Incident

if TYPE_CHECKING:  # icalendar is loaded by the functions that write a file, not at start-up
    from icalendar import Alarm, Calendar, Event, vCalAddress

PRODID = "-//coordbot//coordination calls//EN"
CANCELLED = "cancelled"


def sequence(calls: Sequence[Call]) -> int:
    """0 for a call as scheduled; one more for each reschedule and each cancellation."""
    return sum(call.version - 1 + (call.status == CANCELLED) for call in calls)


def uid(first: Call) -> str:
    kind = "series" if first.series_id is not None else "call"
    return f"{kind}-{first.id}-{first.conference_name}@coordbot"


def tel_link(dial_in: str, pin: str) -> str:
    """``tel:+12025550100,,123456#``: dials the bridge, waits, enters the PIN."""
    number = phonenumbers.format_number(phonenumbers.parse(dial_in),
                                        phonenumbers.PhoneNumberFormat.E164)
    return f"tel:{number},,{pin}#"


def organizer(settings: Settings) -> vCalAddress:
    email = settings.calls.organizer_email or (
        f"noreply@{urlparse(settings.server.public_base_url).hostname or 'localhost'}")
    from icalendar import vCalAddress, vText

    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = vText(settings.office_name)
    return address


def calendar_file(calls: Sequence[Call], incident: Incident, settings: Settings) -> bytes:
    """The file for ``calls``: one call, or every occurrence of one series."""
    ordered = sorted(calls, key=lambda c: (_planned(c), c.id))
    first = ordered[0]
    all_cancelled = all(c.status == CANCELLED for c in ordered)
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if all_cancelled else "PUBLISH")
    seq = sequence(ordered)
    master = _event(first, incident, settings, seq, series=first.series_id is not None)
    master.add("dtstart", _local(_planned(first), first.zone))
    master.add("dtend", _local(_planned(first) + _length(first), first.zone))
    master.add("status", "CANCELLED" if all_cancelled else "CONFIRMED")
    calendar.add_component(master)
    if first.series_id is not None:
        _series(calendar, master, ordered, incident, settings, seq)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _series(calendar: Calendar, master: Event, calls: Sequence[Call], incident: Incident,
            settings: Settings, seq: int) -> None:
    first = calls[0]
    cancelled = [c for c in calls if c.status == CANCELLED]
    if first.series_rule and all(c.planned_at for c in calls):
        from icalendar import vRecur

        master.add("rrule", vRecur.from_ical(first.series_rule))
    else:  # scheduled before the rule was kept: the occurrences themselves
        master.add("rdate", [_local(c.starts_at, c.zone) for c in calls[1:]])
    if cancelled:
        master.add("exdate", [_local(_planned(c), c.zone) for c in cancelled])
    for call in calls:
        if call.status == CANCELLED or (call.starts_at, call.duration_min) == (
                _planned(call), first.duration_min):
            continue
        moved = _event(first, incident, settings, seq, series=True, call=call)
        moved.add("recurrence-id", _local(_planned(call), call.zone))
        moved.add("dtstart", _local(call.starts_at, call.zone))
        moved.add("dtend", _local(call.starts_at + _length(call), call.zone))
        moved.add("status", "CONFIRMED")
        calendar.add_component(moved)


def _event(first: Call, incident: Incident, settings: Settings, seq: int, *, series: bool,
           call: Call | None = None) -> Event:
    from icalendar import Event

    shown = call or first
    event = Event()
    event.add("uid", uid(first))
    event.add("sequence", seq)
    event.add("dtstamp", _minute(first.created_at))
    event.add("organizer", organizer(settings))
    what = (f"{incident.key} coordination calls: {incident.title}" if series and call is None
            else f"{incident.key} coordination call {shown.number}: {incident.title}")
    event.add("summary", what)
    event.add("location", location(shown, settings.calls.dial_in_number))
    event.add("description", description(shown, incident, settings, series=series))
    if shown.bridge == "twilio":
        link = tel_link(settings.calls.dial_in_number, shown.pin)
        event.add("url", link)
        event.add("conference", link, parameters={"VALUE": "URI", "FEATURE": "PHONE",
                                                  "LABEL": "Dial-in with PIN"})
    else:
        event.add("url", shown.bridge)
    event.add_component(_alarm(settings))
    return event


def location(call: Call, dial_in: str) -> str:
    if call.bridge != "twilio":
        return call.bridge
    number = phonenumbers.format_number(phonenumbers.parse(dial_in),
                                        phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return f"Phone {number}, PIN {call.pin}"


def description(call: Call, incident: Incident, settings: Settings, *, series: bool) -> str:
    if call.bridge == "twilio":
        join = [f"Join by phone: {location(call, settings.calls.dial_in_number)}.",
                f"One tap on a phone: {tel_link(settings.calls.dial_in_number, call.pin)}"]
        if series:
            join.append("The same PIN works for every call in the series.")
    else:
        join = [f"Join: {call.bridge}"]
    return "\n".join([f"{settings.office_name}: coordination call about {incident.title} "
                      f"({incident.key}).", *join,
                      *([f"Agenda: {call.agenda}"] if call.agenda else [])])


def _alarm(settings: Settings) -> Alarm:
    from icalendar import Alarm

    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", "Coordination call soon")
    alarm.add("trigger", -timedelta(minutes=settings.calls.calendar_alarm_min))
    return alarm


def _planned(call: Call) -> datetime:
    return call.planned_at or call.starts_at


def _length(call: Call) -> timedelta:
    return timedelta(minutes=call.duration_min)


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _local(moment: datetime, zone: str) -> datetime:
    return _minute(moment).astimezone(ZoneInfo(zone))
