"""Calendar files (.ics) for calls and series: parsed with icalendar, series expanded with
recurring-ical-events, at the service layer on every backend, and served over HTTP."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import recurring_ical_events
from icalendar import Calendar

from bot.access.links import calendar_url
from bot.calls.rules.when import ScheduleRequest, parse_recurrence
from bot.calls.service import calls as call_service
from bot.directory.rules.contacts import ContactRecord
from bot.dispatch.grammar import Invocation, parse_declare
from bot.incidents import service as incidents
from bot.sandbox.harness import live_app
from tests.conftest import COORDINATOR
from tests.support.scenario import declared_with_contacts
from tests.support.waiting import wait_until

NY = "America/New_York"
PEOPLE = [ContactRecord(name="Ana Ruiz", phone="+12025550101", language="es", regions=("FL",))]


@pytest.fixture
def commands(container):
    return declared_with_contacts(container, PEOPLE)


def call(commands, text: str) -> str:
    return commands.run(Invocation("call", key="INC-2026-0001", text=text), user=COORDINATOR,
                        channel=None).text


def files(container, slack) -> list[dict]:
    container.worker.drain()
    return [f for f in slack.files if f["filename"].endswith(".ics")]


def parsed(file: dict) -> tuple[Calendar, list]:
    calendar = Calendar.from_ical(file["content"])
    return calendar, list(calendar.walk("VEVENT"))


def starts(container) -> list[tuple[int, datetime, str]]:
    with container.db.unit_of_work(read_only=True) as uow:
        incident = uow.incidents.by_key("INC-2026-0001")
        return [(c.number, c.starts_at, c.status) for c in uow.calls.for_incident(incident.id)]


def assert_whole_minutes(text: str) -> None:
    stamps = re.findall(r"^(?:DTSTART|DTEND|DTSTAMP|RECURRENCE-ID|EXDATE)[^:]*:(.+)$", text, re.M)
    assert stamps
    for stamp in stamps:
        for moment in stamp.strip().split(","):
            assert re.fullmatch(r"\d{8}T\d{4}00Z?", moment), moment


def test_a_call_file_has_what_people_need_to_join(commands, container, slack):
    call(commands, 'schedule 2026-11-28 15:00 America/New_York for 45m agenda "Shelters"')
    [file] = files(container, slack)
    calendar, [event] = parsed(file)
    pin = starts_pin(container)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert event["DTSTART"].dt == datetime(2026, 11, 28, 20, 0, tzinfo=UTC)
    assert str(event["DTSTART"].params["TZID"]) == NY
    assert event["DTEND"].dt - event["DTSTART"].dt == timedelta(minutes=45)
    assert event["SEQUENCE"] == 0
    assert str(event["ORGANIZER"]).startswith("mailto:")
    assert event["ORGANIZER"].params["CN"] == container.settings.office_name
    assert str(event["LOCATION"]) == f"Phone +1 202-555-0100, PIN {pin}"
    tel = f"tel:+12025550100,,{pin}#"
    assert tel in str(event["DESCRIPTION"]) and "Agenda: Shelters" in str(event["DESCRIPTION"])
    assert str(event["URL"]) == tel and str(event["CONFERENCE"]) == tel
    [alarm] = event.walk("VALARM")
    assert alarm["TRIGGER"].dt == -timedelta(minutes=15) and str(alarm["ACTION"]) == "DISPLAY"
    assert_whole_minutes(file["content"])
    assert calendar.walk("VTIMEZONE")  # the zone the times are written in
    # the post carrying the file says what it is
    assert file["comment"].startswith(":calendar: Calendar file for INC-2026-0001 call 1 (")
    assert "add the call in your calendar" in file["comment"]


def starts_pin(container) -> str:
    with container.db.unit_of_work(read_only=True) as uow:
        return uow.calls.for_incident(uow.incidents.by_key("INC-2026-0001").id)[0].pin


def test_a_reschedule_keeps_the_uid_and_a_cancel_is_one_calendars_honour(commands, container,
                                                                         slack):
    for change in ("schedule 2026-11-28 15:00 America/New_York",
                   "reschedule 1 2026-11-29 16:00 America/New_York", "cancel 1"):
        call(commands, change)
        files(container, slack)  # each posted before the next change (the worker runs several)
    first, moved, cancelled = (parsed(f) for f in files(container, slack))
    (_, [a]), (_, [b]), (calendar, [c]) = first, moved, cancelled
    assert a["UID"] == b["UID"] == c["UID"]
    assert (a["SEQUENCE"], b["SEQUENCE"], c["SEQUENCE"]) == (0, 1, 2)
    assert b["DTSTART"].dt == datetime(2026, 11, 29, 21, 0, tzinfo=UTC)
    assert str(calendar["METHOD"]) == "CANCEL" and str(c["STATUS"]) == "CANCELLED"
    assert str(c["ORGANIZER"]) == str(a["ORGANIZER"])
    comments = [f["comment"] for f in files(container, slack)]
    assert comments[1].startswith(":calendar: Updated calendar file for INC-2026-0001 call 1")
    assert comments[2].startswith(":calendar: Cancellation for INC-2026-0001 call 1: open this "
                                  "file to remove it")


def expanded(file: dict, start: date, end: date) -> list[datetime]:
    calendar = Calendar.from_ical(file["content"])
    return sorted(event["DTSTART"].dt.astimezone(UTC)
                  for event in recurring_ical_events.of(calendar).between(start, end))


def test_a_series_is_one_file_that_expands_to_its_calls(commands, container, slack):
    call(commands, "schedule 2026-11-28 15:00 America/New_York every day until 2026-12-02")
    [series] = files(container, slack)
    calendar, [event] = parsed(series)
    assert event["RRULE"]["FREQ"] == ["DAILY"] and "EXDATE" not in event
    assert str(event["SUMMARY"]) == "INC-2026-0001 coordination calls: Hurricane Xavier"
    assert series["filename"] == "inc-2026-0001-calls-1-5.ics"
    scheduled = [at for _, at, _ in starts(container)]
    assert expanded(series, date(2026, 11, 1), date(2027, 1, 1)) == scheduled

    call(commands, "cancel 2")
    files(container, slack)
    call(commands, "reschedule 4 2026-12-01 17:30 America/New_York")
    *_, after_cancel, after_move = files(container, slack)
    live = [at for _, at, status in starts(container) if status != "cancelled"]
    assert len(live) == 4 and datetime(2026, 12, 1, 22, 30, tzinfo=UTC) in live
    assert expanded(after_move, date(2026, 11, 1), date(2027, 1, 1)) == live
    _, events = parsed(after_move)
    assert len({str(e["UID"]) for e in events}) == 1  # one series, one UID
    assert [e["SEQUENCE"] for e in parsed(after_cancel)[1]] == [1]
    assert {e["SEQUENCE"] for e in events} == {2}
    master = next(e for e in events if "RRULE" in e)
    assert [d.dt for d in master["EXDATE"].dts] == [datetime(2026, 11, 29, 20, 0, tzinfo=UTC)]
    assert_whole_minutes(after_move["content"])

    call(commands, "cancel 1 series")
    calendar, events = parsed(files(container, slack)[-1])
    assert str(calendar["METHOD"]) == "CANCEL"
    assert expanded(files(container, slack)[-1], date(2026, 11, 1), date(2027, 1, 1)) == []


def test_a_weekday_series_keeps_its_wall_time_across_a_dst_change(commands, container, slack):
    call(commands, "schedule 2027-03-12 09:00 America/New_York every weekday until 2027-03-19")
    [series] = files(container, slack)
    scheduled = [at for _, at, _ in starts(container)]
    assert len(scheduled) == 6  # Fri 12, Mon 15 – Fri 19 (clocks moved on Sun 14 March)
    assert expanded(series, date(2027, 3, 1), date(2027, 3, 31)) == scheduled
    assert {at.hour for at in scheduled} == {14, 13}


def test_the_rule_kept_is_the_recurrence_parsed():
    start = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)  # a Monday
    now = datetime(2026, 11, 20, tzinfo=UTC)
    assert parse_recurrence("every weekday until 2026-12-15", start=start, zone=NY,
                            now=now).rrule() == (
        "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20261216T045900Z")
    assert parse_recurrence("every week until dec 19", start=start, zone=NY,
                            now=now).rrule() == "FREQ=WEEKLY;UNTIL=20261220T045900Z"


# ----- over HTTP -------------------------------------------------------------------------------

@pytest.fixture
def live(settings):
    with live_app(settings, coordinators=[COORDINATOR]) as running:
        yield running


def test_the_calendar_route_serves_the_series_file(live):
    now = live.container.clock.now()
    start = (now + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    recurrence = parse_recurrence("every day until " + (start + timedelta(days=3)).strftime(
        "%Y-%m-%d"), start=start, zone=NY, now=now)
    with live.container.db.unit_of_work() as uow:
        incident = incidents.declare(uow, actor=COORDINATOR, now=now,
                                     draft=parse_declare('flood "River" FL'))
        scheduled = call_service.schedule(
            uow, incident=incident, actor=COORDINATOR, now=now, settings=live.container.settings,
            request=ScheduleRequest(starts_at=start, duration=timedelta(minutes=30), agenda="",
                                    bridge="twilio", recurrence=recurrence, zone=NY))
        ids = [c.id for c in scheduled]
        wanted = [c.starts_at for c in scheduled]
        uow.commit()
    settings = live.container.settings
    uids = set()
    for call_id in (ids[0], ids[-1]):  # any occurrence's link gives the series' file
        url = calendar_url(settings, call_id).replace(settings.server.public_base_url,
                                                      live.server.url)
        response = live.http.get(url)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/calendar")
        calendar = Calendar.from_ical(response.text)
        [event] = calendar.walk("VEVENT")
        uids.add(str(event["UID"]))
        assert "RRULE" in event and "ORGANIZER" in event and event.walk("VALARM")
        found = sorted(e["DTSTART"].dt.astimezone(UTC) for e in recurring_ical_events.of(
            calendar).between(start - timedelta(days=1), start + timedelta(days=10)))
        assert found == wanted
    assert len(uids) == 1
    wrong = calendar_url(settings, ids[0]).replace(settings.server.public_base_url,
                                                   live.server.url) + "x"
    assert live.http.get(wrong).status_code == 404


def test_the_scheduled_series_is_posted_as_one_file_with_a_line_saying_what_it_is(live):
    _, url = live.command('declare flood "River Flood" FL', user=COORDINATOR)
    live.wait_response(url)
    with live.container.db.unit_of_work(read_only=True) as uow:
        key = uow.incidents.list(status=None)[0].key
    _, url = live.command(f"call {key} schedule tomorrow 3pm America/New_York every day until "
                          f"{(live.container.clock.now() + timedelta(days=4)):%Y-%m-%d}",
                          user=COORDINATOR)
    live.wait_response(url)

    def posted():
        for channel in live.emulator.channels.values():
            for message in channel.messages:
                if any(f["name"].endswith(".ics") for f in message.files or []):
                    return message
        return None

    message = wait_until(posted, what="the calendar file's post")
    assert message.text.startswith(":calendar: Calendar file for INC-")
    assert "add the calls in your calendar" in message.text
    [shared] = message.files
    stored = live.emulator.files[shared["id"]]
    calendar = Calendar.from_ical(stored["content"])
    [event] = calendar.walk("VEVENT")
    assert "RRULE" in event and str(event["SUMMARY"]).endswith("coordination calls: River Flood")
    assert len(list(recurring_ical_events.of(calendar).between(
        date.today() - timedelta(days=1), date.today() + timedelta(days=10)))) >= 4


def test_a_series_scheduled_before_its_rule_was_kept_lists_its_calls():
    """Series made before the rule was stored have no ``series_rule``: the file lists them."""
    from bot.calls import calendar
    from bot.config import Settings
    from bot.db.models import Call, Incident

    settings = Settings(database={"url": "sqlite://"})
    first = datetime(2026, 11, 28, 20, 0, tzinfo=UTC)
    made = datetime(2026, 11, 20, 14, 3, 27, tzinfo=UTC)
    calls = [Call(id=10 + n, incident_id=1, number=n + 1, series_id=10, starts_at=first +
                  timedelta(days=n), duration_min=60, agenda="", bridge="twilio", pin="123456",
                  conference_name="coordbot-abc", zone=NY, version=1,
                  status="cancelled" if n == 1 else "scheduled", created_by=COORDINATOR,
                  created_at=made) for n in range(3)]
    incident = Incident(key="INC-2026-0001", title="Hurricane Xavier")
    text = calendar.calendar_file(calls, incident, settings).decode()
    assert_whole_minutes(text)  # created at 14:03:27: written 14:03:00
    found = expanded({"content": text}, date(2026, 11, 1), date(2026, 12, 31))
    assert found == [first, first + timedelta(days=2)]
