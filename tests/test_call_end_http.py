"""Ending a call from Slack over real HTTP: a signed ``/incident call end`` in, the Twilio
emulator's conference ended through its Conferences API (``Status=completed``), the caller hung
up, the PIN refused afterwards."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.calls.rules.when import ScheduleRequest
from bot.calls.service import calls
from bot.dispatch.grammar import parse_declare
from bot.incidents import service as incidents
from tests.conftest import BYSTANDER, COORDINATOR
from tests.support.voice import BOT_NUMBER, CALLER, SECOND_CALLER
from tests.support.waiting import wait_until


@pytest.fixture
def live(live_coordinated):
    return live_coordinated


def started_call(live):
    """A hosted call that started a minute ago, and its incident's key, PIN and conference."""
    now = live.container.clock.now()
    with live.container.db.unit_of_work() as uow:
        incident = incidents.declare(uow, actor=COORDINATOR, now=now,
                                     draft=parse_declare('flood "River" FL'))
        [call] = calls.schedule(
            uow, incident=incident, actor=COORDINATOR, now=now, settings=live.container.settings,
            request=ScheduleRequest(starts_at=now - timedelta(minutes=1),
                                    duration=timedelta(minutes=30), agenda="", bridge="twilio",
                                    recurrence=None, zone="America/New_York"))
        uow.commit()
        return incident.key, call.pin, call.conference_name


def conference_updates(live):
    return [r for r in live.twilio.requests
            if r["method"] == "POST" and r["path"].count("/Conferences/") == 1
            and "/Participants" not in r["path"]]


def test_a_coordinator_ends_the_call_and_everyone_is_hung_up(live):
    key, pin, name = started_call(live)
    url = f"{live.server.url}/twilio/voice"
    caller = live.twilio.place_call(voice_url=url, from_=CALLER, to=BOT_NUMBER)
    caller.press(pin)
    assert caller.conference == name and caller.in_conference

    response, reply_url = live.command(f"call {key} end 1", user=COORDINATOR)
    assert response.status_code == 200
    answer = live.wait_response(reply_url)["text"]
    assert answer.startswith("Call 1 ended at ") and "the 1 still on the line" in answer
    wait_until(lambda: caller.ended, what="the caller hung up by the conference's end")
    [update] = wait_until(lambda: conference_updates(live), what="the conference update")
    assert update["params"]["Status"] == "completed"
    live.twilio.wait_for_voice_callbacks(10)
    [end] = [e["params"] for e in live.twilio.conference_callbacks(name)
             if e["params"]["StatusCallbackEvent"] == "conference-end"]
    assert end["ReasonConferenceEnded"] == "conference-ended-via-api"

    again = live.twilio.place_call(voice_url=url, from_=SECOND_CALLER, to=BOT_NUMBER)
    again.press(pin)
    assert again.conference is None  # the bridge is closed for the rest of the slot
    with live.container.db.unit_of_work(read_only=True) as uow:
        incident = uow.incidents.by_key(key)
        call = uow.calls.by_number(incident.id, 1)
        assert call.status == "completed"
        assert any(e.text.startswith("Call 1 was ended by Maria Alvarez") for e in incident.timeline)

    _, second_url = live.command(f"call {key} end 1", user=COORDINATOR)
    assert "Call 1 is already over" in live.wait_response(second_url)["text"]
    assert len(conference_updates(live)) == 1


def test_a_bystander_is_refused_and_the_call_goes_on(live):
    key, pin, name = started_call(live)
    caller = live.twilio.place_call(voice_url=f"{live.server.url}/twilio/voice", from_=CALLER,
                                    to=BOT_NUMBER)
    caller.press(pin)
    _, reply_url = live.command(f"call {key} end 1", user=BYSTANDER)
    assert "coordinator" in live.wait_response(reply_url)["text"]
    assert caller.in_conference and conference_updates(live) == []


def test_end_without_a_number_is_answered_in_the_ack(live):
    key, _, _ = started_call(live)
    response, reply_url = live.command(f"call {key} end", user=COORDINATOR)
    assert "Name the call to end by its number" in response.json()["text"]
    assert live.responses_to(reply_url) == []
