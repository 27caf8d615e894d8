"""Calls that follow the clock: a series invites each person once with one PIN and announces each
call before it; calls are numbered by start and "since the previous call" means the one before
in time; the bridge is open for the whole slot; no reminder once the call has started."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from bot.calls.service import bridge
from bot.calls.service.conference import ENDED, LEFT, ConferenceEvent, record_event
from bot.errors import InvalidTransition
from bot.incidents import service as incidents
from bot.notes.service import draft
from bot.sms.rules.segments import segments
from schedules.jobs import fire_due_work
from tests.conftest import COORDINATOR
from tests.test_calls import ANA, JEAN, MINH, PEOPLE, call, texts

LEE = "+12025550105"
SERIES = "schedule 2026-11-28 15:00 America/New_York for 1h every day until 2026-12-01"


@pytest.fixture
def commands(container):
    from tests.support.scenario import declared_with_contacts
    return declared_with_contacts(container, PEOPLE)


def _calls(container) -> list[SimpleNamespace]:
    """The incident's calls by start, as they are now (read outside the transaction)."""
    fields = ("id", "number", "pin", "starts_at", "status", "conference_name")
    with container.db.unit_of_work(read_only=True) as uow:
        return [SimpleNamespace(**{f: getattr(c, f) for f in fields})
                for c in uow.calls.for_incident(1)]


def _channel_posts(slack, start: str) -> list[str]:
    return [p["text"] for p in slack.posts if p["text"].startswith(start)]


# ----- a series ---------------------------------------------------------------------------------
def test_a_daily_series_sends_one_invitation_per_contact_with_one_pin(commands, container, sms,
                                                                      slack):
    reply = call(commands, SERIES)
    container.worker.drain()
    series = _calls(container)
    assert len(series) == 4 and len({c.pin for c in series}) == 1
    pin = series[0].pin
    assert f"PIN {pin}" in reply and "3 more in the series" in reply
    for phone in (ANA, MINH, JEAN, LEE):
        assert len(texts(sms, phone)) == 1, phone
    [ana] = texts(sms, ANA)  # in Ana's zone (Chicago): the calls that fit in sms.max_segments
    assert pin in ana and "sáb, 28 nov y dom, 29 nov, 14:00 CST, y 2 más." in ana
    assert segments(ana).segments <= container.settings.sms.max_segments
    [minh] = texts(sms, MINH)  # the office's zone for Minh, in Vietnamese (the time first)
    assert "15:00 EST Thứ 7, 28 thg 11, và 3 buổi nữa." in minh
    assert segments(minh).segments <= container.settings.sms.max_segments
    assert len([p for p in slack.posts if p["channel"] == "USTAFF001"]) == 1
    [post] = _channel_posts(slack, ":telephone_receiver:")
    assert f"PIN {pin}" in post and "Call 4: Tue 1 Dec 2026" in post
    assert "same PIN works for every call" in post


def test_each_call_of_a_series_is_announced_the_day_before_and_cancelled_once(
        commands, container, sms, clock):
    call(commands, SERIES)
    container.worker.drain()
    second = _calls(container)[1]
    with container.db.unit_of_work(read_only=True) as uow:
        planned = sorted((j.kind, j.due_at) for j in uow.calls.jobs(second.id))
    day_before = second.starts_at - timedelta(days=1)
    # The announcement stands in for the 24 h reminder; the 1 h reminder stays.
    assert ("call.announce", day_before) in planned and ("call.reminder", day_before) not in planned
    assert ("call.reminder", second.starts_at - timedelta(hours=1)) in planned

    clock.current = day_before - timedelta(minutes=1)
    fire_due_work(container)
    container.worker.drain()
    before = len(texts(sms, ANA))
    clock.current = day_before + timedelta(seconds=30)
    fire_due_work(container)
    container.worker.drain()
    [announced] = texts(sms, ANA)[before:]
    assert "domingo, 29 de noviembre, 14:00 CST" in announced and second.pin in announced
    assert "Responda 1" in announced  # it asks for an answer to this call

    told = len(texts(sms, ANA))
    call(commands, "cancel 3")
    call(commands, "cancel 2 series")  # 2 and 4; 3 is already cancelled
    container.worker.drain()
    cancelled = texts(sms, ANA)[told:]
    assert len(cancelled) == 2 and "lunes, 30 de noviembre, 14:00 CST" in cancelled[0]
    assert "dom, 29 nov y mar, 1 dic, 14:00 CST" in cancelled[1]
    with pytest.raises(InvalidTransition):
        call(commands, "cancel 4 series")
    assert [c.status for c in _calls(container)][1:] == ["cancelled"] * 3


# ----- numbers and the previous call --------------------------------------------------------------
def test_calls_are_numbered_by_their_start(commands, container):
    call(commands, "schedule 2026-12-05 10:00 America/New_York")
    reply = call(commands, "schedule 2026-11-28 15:00 America/New_York")
    assert "Scheduled call 1" in reply and "call 1 is now call 2" in reply
    listing = call(commands, "list")
    assert listing.index("Call 1: Sat 28 Nov") < listing.index("Call 2: Sat 5 Dec")
    reply = call(commands, "reschedule 1 2026-12-06 10:00 America/New_York")
    assert "Call 1 moved" in reply and "call 1 is now call 2, call 2 is now call 1" in reply
    assert [(c.number, c.starts_at.day) for c in _calls(container)] == [(1, 5), (2, 6)]


def test_updates_since_the_previous_call_means_the_previous_call_in_time(commands, container,
                                                                          clock, settings):
    call(commands, "schedule 2026-11-28 15:00 America/New_York for 1h")  # held first
    call(commands, "schedule 2026-12-05 15:00 America/New_York")  # next Saturday
    call(commands, "schedule 2026-11-30 15:00 America/New_York")  # an extra call, added last
    with container.db.unit_of_work() as uow:
        incident = uow.incidents.by_key("INC-2026-0001")
        first, extra, saturday = uow.calls.for_incident(incident.id)
        assert (first.number, extra.number, saturday.number) == (1, 2, 3)
        incidents.add_update(uow, actor=COORDINATOR, incident=incident, text="Before call 1",
                             zone="America/New_York", now=datetime(2026, 11, 28, 19, 0, tzinfo=UTC))
        incidents.add_update(uow, actor=COORDINATOR, incident=incident, text="After call 1",
                             zone="America/New_York", now=datetime(2026, 11, 29, 12, 0, tzinfo=UTC))
        text = draft.draft(uow, extra, settings=settings)
        assert "**Updates since call 1**" in text
        assert "After call 1" in text and "Before call 1" not in text
        # Calls numbered in the order they were made (before calls followed the clock).
        saturday.number, extra.number = 4, 6
        assert draft.gather(uow, extra, settings=settings).previous_call == 1


# ----- the bridge and reminders ------------------------------------------------------------------
def test_the_bridge_is_open_for_the_whole_slot(commands, container, clock, slack, settings):
    call(commands, "schedule 2026-11-27 11:00 America/New_York for 30m")  # 16:00-16:30 UTC
    [scheduled] = _calls(container)
    start = scheduled.starts_at

    def admit(sid: str, at: datetime):
        clock.current = at
        return bridge.answer_pin(container.db, digits=scheduled.pin, call_sid=sid, phone=ANA,
                                 now=at, settings=settings)[1]

    def event(kind: str, sid: str, reason: str | None = None) -> None:
        record_event(container.db, ConferenceEvent(kind, scheduled.conference_name, sid, reason),
                     now=clock.now(), settings=settings)

    assert admit("CA0", start - timedelta(minutes=11)) is None  # the bridge is not open yet
    assert admit("CA1", start - timedelta(minutes=9)) is not None
    clock.current = start - timedelta(minutes=5)
    event(LEFT, "CA1")
    event(ENDED, "CA1", "last-participant-left")  # the last caller hung up early
    assert _calls(container)[0].status == "scheduled"
    assert admit("CA2", start + timedelta(minutes=29)) is not None  # the PIN still works
    clock.current = start + timedelta(minutes=31)
    event(LEFT, "CA2")
    event(ENDED, "CA2", "last-participant-left")  # everyone left after the scheduled end
    assert _calls(container)[0].status == "completed"
    assert admit("CA3", start + timedelta(minutes=32)) is None
    clock.current = start + timedelta(hours=1)
    fire_due_work(container)
    container.worker.drain()
    [summary] = _channel_posts(slack, "*Attendance")
    assert "Ana Ruiz (" in summary


def test_a_coordinator_ending_the_conference_ends_the_call_early(commands, container, clock,
                                                                  settings):
    call(commands, "schedule 2026-11-27 11:00 America/New_York for 30m")
    [scheduled] = _calls(container)
    clock.current = scheduled.starts_at + timedelta(minutes=5)
    bridge.answer_pin(container.db, digits=scheduled.pin, call_sid="CA1", phone=ANA,
                      now=clock.now(), settings=settings)
    record_event(container.db, ConferenceEvent(ENDED, scheduled.conference_name, "",
                                               "conference-ended-via-api"),
                 now=clock.now(), settings=settings)
    assert _calls(container)[0].status == "completed"


def test_no_reminder_once_someone_joined_or_the_call_started(commands, container, sms, clock,
                                                             settings):
    settings.calls.reminder_offsets_min = [5]
    call(commands, "schedule 2026-11-27 11:00 America/New_York for 30m")  # 16:00 UTC
    call(commands, "schedule 2026-11-27 13:00 America/New_York for 30m")  # 18:00 UTC
    container.worker.drain()
    early, late = _calls(container)
    before = len(sms.sent)
    clock.current = early.starts_at - timedelta(minutes=8)  # someone dials in early
    bridge.answer_pin(container.db, digits=early.pin, call_sid="CA1", phone=MINH,
                      now=clock.now(), settings=settings)
    clock.current = early.starts_at - timedelta(minutes=4)
    fire_due_work(container)
    container.worker.drain()
    assert len(sms.sent) == before
    clock.current = late.starts_at + timedelta(minutes=2)  # the scheduler was down 7 minutes
    fire_due_work(container)
    container.worker.drain()
    assert len(sms.sent) == before
    with container.db.unit_of_work(read_only=True) as uow:
        reminders = [j for c in (early, late) for j in uow.calls.jobs(c.id)
                     if j.kind == "call.reminder"]
        assert [j.status for j in reminders] == ["skipped", "skipped"]

