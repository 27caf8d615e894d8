"""The Slack adapter over real HTTP: signed requests in, the Slack emulator's record out."""

from __future__ import annotations

import json
import time

import pytest

from bot.incidents.blocks import CLOSE_CONFIRM_ACTION
from bot.sandbox.harness import live_app
from tests.conftest import BYSTANDER, COORDINATOR
from tests.support.waiting import wait_until

DECLARE = 'declare hurricane "Hurricane Xavier" FL,GA severity=high'


@pytest.fixture
def live(settings):
    with live_app(settings, coordinators=[COORDINATOR]) as running:
        yield running


def incident_count(live) -> int:
    with live.container.db.unit_of_work() as uow:
        return len(uow.incidents.list(status=None))


def test_health_check_answers_json(live):
    response = live.http.get(f"{live.server.url}/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "command_worker": "ok"}


def test_forged_and_stale_requests_are_rejected_and_change_nothing(live):
    forged = live.requests.command(DECLARE, user_id=COORDINATOR, channel_id="C1",
                                   response_url=live.emulator.new_response_url())
    forged.headers["X-Slack-Signature"] = "v0=" + "0" * 64
    assert live.post(forged).status_code == 401

    stale = live.requests.command(DECLARE, user_id=COORDINATOR, channel_id="C1",
                                  response_url=live.emulator.new_response_url(),
                                  timestamp=int(time.time()) - 301)
    assert live.post(stale).status_code == 401
    assert incident_count(live) == 0
    assert live.emulator.calls_to("conversations.create") == []


def test_declare_by_text_creates_pinned_channel_and_announces(live):
    response, url = live.command(DECLARE, user=COORDINATOR)
    assert response.status_code == 200
    reply = live.wait_response(url)["text"]
    assert "Declared" in reply and "Hurricane Xavier" in reply

    channel = wait_until(lambda: live.emulator.channel_by_name(
        f"inc-{time.gmtime().tm_year}-0001-hurricane-xavier"), what="the incident channel")
    wait_until(lambda: channel.pins, what="the pinned summary")
    assert COORDINATOR in channel.members
    assert "Hurricane Xavier" in channel.messages[0].text
    announcements = live.emulator.channel_by_name("incident-announcements")
    wait_until(lambda: announcements.messages, what="the announcement")
    assert f"<#{channel.id}>" in announcements.messages[0].text


def test_reads_answer_through_the_response_url_and_help_in_the_ack(live):
    live.command(DECLARE, user=COORDINATOR)
    wait_until(lambda: incident_count(live) == 1, what="the incident")
    response, url = live.command("list", user=BYSTANDER)
    assert response.status_code == 200 and not response.content
    assert "Hurricane Xavier" in live.wait_response(url)["text"]
    response, _ = live.command("frobnicate", user=BYSTANDER)
    assert "I don't know `frobnicate`" in response.json()["text"]
    assert "/incident declare" in response.json()["text"]


def test_malformed_declare_says_what_is_wrong_with_an_example(live):
    response, _ = live.command('declare hurricane "Xavier" ZZ', user=COORDINATOR)
    text = response.json()["text"]
    assert "Unknown region code(s): ZZ" in text and "Example:" in text
    assert incident_count(live) == 0


def test_bystander_is_refused_with_the_reason(live):
    _, url = live.command(DECLARE, user=BYSTANDER)
    assert "Only coordinators can declare incidents" in live.wait_response(url)["text"]
    assert incident_count(live) == 0


def test_update_status_close_and_reopen_in_the_channel(live):
    _, url = live.command(DECLARE, user=COORDINATOR)
    live.wait_response(url)
    channel = wait_until(lambda: live.container.db and _incident_channel(live), what="channel")

    _, url = live.command("update Shelters open in Valdosta", user=COORDINATOR, channel=channel)
    assert "Update added" in live.wait_response(url)["text"]
    messages = live.emulator.channels[channel].messages
    wait_until(lambda: any("Shelters open" in m.text for m in messages), what="the update post")

    _, url = live.command("status", user=BYSTANDER, channel=channel)
    assert "Shelters open in Valdosta" in live.wait_response(url)["text"]

    _, url = live.command("close", user=COORDINATOR, channel=channel)
    confirmation = live.wait_response(url)
    button = confirmation["blocks"][1]["elements"][0]
    assert button["action_id"] == CLOSE_CONFIRM_ACTION
    click_url = live.emulator.new_response_url()
    assert live.post(live.requests.block_action(
        CLOSE_CONFIRM_ACTION, button["value"], user_id=COORDINATOR, channel_id=channel,
        response_url=click_url)).status_code == 200
    assert "is closed" in live.wait_response(click_url)["text"]
    wait_until(lambda: any("was closed by" in m.text for m in messages), what="close post")

    _, url = live.command("reopen", user=COORDINATOR, channel=channel)
    assert "active again" in live.wait_response(url)["text"]
    with live.container.db.unit_of_work() as uow:
        actions = [e.action for e in uow.audit.list()]
    assert actions[-3:] == ["incident.updated", "incident.closed", "incident.reopened"]


def test_declare_modal_validates_then_declares(live):
    response, _ = live.command("declare", user=COORDINATOR, channel="CGENERAL1")
    assert response.status_code == 200
    opened = wait_until(lambda: live.emulator.views, what="views.open")[0]
    assert opened["callback_id"] == "incident_declare"

    bad = live.requests.view_submission(opened, {
        "type": "flood", "title": "River flooding", "regions": "ND, XX", "severity": "high",
        "summary": ""}, user_id=COORDINATOR)
    answer = live.post(bad)
    assert answer.json()["response_action"] == "errors"
    assert "XX" in answer.json()["errors"]["regions"]

    good = live.requests.view_submission(opened, {
        "type": "flood", "title": "River flooding", "regions": "ND, MN", "severity": "high",
        "summary": "Red River cresting"}, user_id=COORDINATOR)
    assert live.post(good).status_code == 200
    wait_until(lambda: incident_count(live) == 1, what="the incident from the modal")
    wait_until(lambda: live.emulator.calls_to("chat.postEphemeral"), what="confirmation")


def _incident_channel(live):
    with live.container.db.unit_of_work() as uow:
        found = uow.incidents.list(status=None)
        return found[0].channel_id if found and found[0].channel_id else None


def test_a_mention_is_answered_with_help_in_a_thread(live):
    general = live.emulator.add_channel("general")
    payload = {
        "token": "x", "team_id": "T0TEST", "api_app_id": "A0COORDBOT", "type": "event_callback",
        "event_id": "Ev0001", "event_time": int(time.time()),
        "event": {"type": "app_mention", "user": BYSTANDER, "text": "<@UBOT0001> help?",
                  "ts": "1700000000.000100", "channel": general.id, "event_ts": "1700000000.000100"},
    }
    request = live.requests.signed(json.dumps(payload))
    request.headers["Content-Type"] = "application/json"
    assert live.post(request).status_code == 200
    reply = wait_until(lambda: general.messages, what="the help reply")[0]
    assert reply.thread_ts == "1700000000.000100" and "/incident declare" in reply.text


def test_the_call_form_checks_the_time_then_schedules(live):
    _, url = live.command(DECLARE, user=COORDINATOR)
    live.wait_response(url)
    channel = wait_until(lambda: _incident_channel(live), what="channel")
    live.command("call schedule", user=COORDINATOR, channel=channel)
    opened = wait_until(lambda: [v for v in live.emulator.views
                                 if v["callback_id"] == "call_schedule"], what="the form")[0]
    bad = live.requests.view_submission(opened, {"when": "yesterday 3pm", "duration": "1h",
                                                 "repeat": "once"}, user_id=COORDINATOR)
    answer = live.post(bad).json()
    assert answer["response_action"] == "errors" and "when" in answer["errors"]
    good = live.requests.view_submission(opened, {"when": "tomorrow 3pm ET", "duration": "45m",
                                                  "agenda": "Shelters", "repeat": "once"},
                                         user_id=COORDINATOR)
    assert live.post(good).status_code == 200

    def scheduled():
        with live.container.db.unit_of_work() as uow:
            return [(c.duration_min, c.agenda)
                    for c in uow.calls.for_incident(uow.incidents.list()[0].id)]
    assert wait_until(scheduled, what="the scheduled call") == [(45, "Shelters")]
