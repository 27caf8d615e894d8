"""A coordinator ends a call under way (``/incident call end N``), at the service layer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from bot.calls.service import attendance, bridge, conference
from bot.calls.service.conference import ConferenceEvent
from bot.directory.rules.contacts import ContactRecord
from bot.dispatch.grammar import parse_invocation
from bot.errors import InvalidInput, InvalidTransition, PermissionDenied
from bot.outbox.kinds import Kind
from bot.ports import DeliveryError, OutcomeUnknown
from schedules.jobs import fire_due_work
from tests.conftest import BYSTANDER
from tests.support.scenario import call, declared_with_contacts

ANA, LEE = "+12025550101", "+12025550105"
PEOPLE = [
    ContactRecord(name="Ana Ruiz", phone=ANA, language="es", regions=("FL",)),
    ContactRecord(name="Lee Dial", phone=LEE, regions=("FL",), tags=("dial-out",)),
]
START = datetime(2026, 11, 28, 20, 0, tzinfo=UTC)  # 15:00 in New York
SCHEDULE = "schedule 2026-11-28 15:00 America/New_York for 1h bridge twilio"


@pytest.fixture
def commands(container):
    return declared_with_contacts(container, PEOPLE)


def the_call(container) -> SimpleNamespace:
    """Call 1 as stored now (its fields, read inside the transaction)."""
    with container.db.unit_of_work(read_only=True) as uow:
        found = uow.calls.by_number(uow.incidents.by_key("INC-2026-0001").id, 1)
        return SimpleNamespace(id=found.id, status=found.status, pin=found.pin,
                               ended_at=found.ended_at, conference_name=found.conference_name)


def under_way(commands, container, clock, *, drain=True):
    """Call 1 scheduled, 10 minutes in, Ana on the line; the start's dial-outs queued."""
    call(commands, SCHEDULE)
    container.worker.drain()
    clock.current = START + timedelta(minutes=10)
    fire_due_work(container)
    name = the_call(container).conference_name
    with container.db.unit_of_work() as uow:
        attendance.joined(uow, conference=name, call_sid="CA1", phone=ANA, at=START)
        uow.commit()
    if drain:
        container.worker.drain()
    return name


def rows(container, prefix):
    with container.db.unit_of_work(read_only=True) as uow:
        return [(r.kind, r.status) for r in uow.outbox.with_key_prefix(prefix)]


def posts(slack, start):
    return [p["text"] for p in slack.posts if p["text"].startswith(start)]


def test_ending_a_call_closes_its_bridge_and_everything_it_had_planned(commands, container,
                                                                       clock, voice, slack):
    name = under_way(commands, container, clock)
    reply = call(commands, "end 1")
    assert reply.startswith("Call 1 ended at ") and "closing for the 1 still on the line" in reply
    container.worker.drain()
    assert voice.ended == [name]
    assert rows(container, "conference-end:") == [(Kind.END_CONFERENCE, "sent")]
    ended = the_call(container)
    assert ended.status == "completed" and ended.ended_at == clock.now()
    with container.db.unit_of_work(read_only=True) as uow:
        assert [j.status for j in uow.calls.jobs(ended.id) if j.status == "pending"] == []
        incident = uow.incidents.by_key("INC-2026-0001")
        assert any(e.text.startswith("Call 1 was ended by ") for e in incident.timeline)
        assert bridge.admit(uow, pin=ended.pin, call_sid="CA9", phone=ANA, now=clock.now(),
                            settings=container.settings) is None  # the PIN no longer opens it
        assert uow.notes.for_call(ended.id) is not None
    assert len(posts(slack, "Call 1 was ended by ")) == 1
    assert len(posts(slack, "*Attendance")) == 1
    # Twilio's conference-end (ended via the API) and the scheduled end add nothing.
    conference.record_event(container.db, ConferenceEvent("conference-end", name, "",
                                                          "conference-ended-via-api"),
                            now=clock.now(), settings=container.settings)
    clock.current = START + timedelta(hours=2)
    fire_due_work(container)
    container.worker.drain()
    assert len(posts(slack, "*Attendance")) == 1 and voice.ended == [name]
    assert the_call(container).ended_at == START + timedelta(minutes=10)


def test_dial_outs_not_yet_placed_are_not_placed_after_the_end(commands, container, clock, voice):
    under_way(commands, container, clock, drain=False)
    assert rows(container, "dialout:") == [(Kind.DIAL_OUT, "pending")]
    call(commands, "end 1")
    container.worker.drain()
    assert voice.dialled == [] and rows(container, "dialout:") == [(Kind.DIAL_OUT, "cancelled")]


def test_a_second_end_is_refused_and_sends_nothing_again(commands, container, clock, voice):
    under_way(commands, container, clock)
    call(commands, "end 1")
    with pytest.raises(InvalidTransition, match=r"Call 1 is already over \(it ended .*\)"):
        call(commands, "end 1")
    container.worker.drain()
    assert len(voice.ended) == 1


def test_only_a_call_under_way_can_be_ended(commands, container, clock, voice):
    call(commands, SCHEDULE)
    with pytest.raises(InvalidTransition, match="Call 1 has not started: it is scheduled for .*"
                                                "`/incident call cancel 1` cancels it"):
        call(commands, "end 1")
    call(commands, "cancel 1")
    with pytest.raises(InvalidTransition, match="Call 1 was cancelled: nothing to end"):
        call(commands, "end 1")
    with pytest.raises(Exception, match="has no call 7"):
        call(commands, "end 7")
    container.worker.drain()
    assert voice.ended == [] and rows(container, "conference-end:") == []


def test_a_bystander_cannot_end_a_call(commands, container, clock, voice):
    under_way(commands, container, clock)
    with pytest.raises(PermissionDenied):
        call(commands, "end 1", user=BYSTANDER)
    container.worker.drain()
    assert voice.ended == [] and the_call(container).status == "in_progress"


@pytest.mark.parametrize("text", ["call end", "call end next", "call end 1 now"])
def test_end_needs_a_call_number(text):
    with pytest.raises(InvalidInput, match="Name the call to end by its number"):
        parse_invocation(text)


def test_an_end_whose_answer_was_lost_is_asked_for_again(commands, container, clock, voice):
    name = under_way(commands, container, clock)
    voice.end_failures.append(OutcomeUnknown("connection_lost", "the answer was lost"))
    call(commands, "end 1")
    container.worker.drain()
    assert rows(container, "conference-end:") == [(Kind.END_CONFERENCE, "unknown")]
    clock.advance(minutes=5)
    container.worker.drain()
    assert voice.ended == [name, name]  # ending twice is harmless: Twilio ends it once
    assert rows(container, "conference-end:") == [(Kind.END_CONFERENCE, "sent")]


def test_a_refused_end_is_recorded_as_failed(commands, container, clock, voice):
    under_way(commands, container, clock)
    voice.end_failures.append(DeliveryError("20404", "not found", permanent=True))
    call(commands, "end 1")
    container.worker.drain()
    assert rows(container, "conference-end:") == [(Kind.END_CONFERENCE, "failed")]
    assert the_call(container).status == "completed"  # the call is over all the same


def test_a_call_on_another_bridge_ends_without_a_conference(commands, container, clock, voice):
    call(commands, "schedule 2026-11-28 15:00 America/New_York for 1h "
                   "bridge https://meet.example.org/xyz")
    clock.current = START + timedelta(minutes=5)
    reply = call(commands, "end 1")
    assert reply.startswith("Call 1 ended at ") and "bridge" not in reply
    container.worker.drain()
    assert voice.ended == [] and rows(container, "conference-end:") == []
    assert the_call(container).status == "completed"
