"""Hostile and damaged input at every door: nothing is a 500, nothing is lost, every refusal
says why (issue "exactly once and nothing lost")."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from bot.config import Settings
from bot.directory.rules.contact_file import MAX_CELL
from bot.notes.blocks import DAMAGED_FORM
from bot.sandbox.harness import live_app
from bot.slack_ui.errors import message_for
from bot.storable import REPLACEMENT
from handlers.slack.errors import answer
from tests.conftest import COORDINATOR
from tests.support.contacts import read, run_import
from tests.support.hostile import inbound_bodies, post_slack, post_twilio, slack_headers, stored_body

ANA = "+12025550101"


@pytest.fixture
def live(settings):
    with live_app(settings, coordinators=[COORDINATOR]) as running:
        yield running


@pytest.fixture
def on_postgresql(postgresql_url):
    """The live app on PostgreSQL, which refuses a NUL in text and a value longer than its column
    (SQLite keeps both): where a message used to be lost."""
    with live_app(Settings(database={"url": postgresql_url}), coordinators=[COORDINATOR]) as running:
        yield running


@pytest.fixture(scope="module")
def door(tmp_path_factory):
    """One live app (on SQLite) for the checks that refuse a request before any database work."""
    url = f"sqlite:///{tmp_path_factory.mktemp('door') / 'coordbot.db'}"
    with live_app(Settings(database={"url": url}), coordinators=[COORDINATOR]) as running:
        yield running


# ---------------------------------------------------------------- Slack: signature first

@pytest.mark.parametrize("headers", [
    {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=00"},
    {"X-Slack-Request-Timestamp": "1.5", "X-Slack-Signature": "v0=00"},
    {"X-Slack-Request-Timestamp": "１２３".encode(), "X-Slack-Signature": "v0=00"},
    {"X-Slack-Signature": "v0=" + "0" * 64},
])
@pytest.mark.parametrize("body", [b"\xff\xfe{", b"payload=%7B", b"{", b""])
def test_unsigned_requests_are_401_whatever_the_body(door, headers, body):
    response = post_slack(door, body, signed=False, headers=headers)
    assert response.status_code == 401, response.text


def test_a_signature_in_non_ascii_is_401(door):
    body = b"command=%2Fincident"
    headers = {**slack_headers(body), "X-Slack-Signature": "v0=é".encode()}
    assert post_slack(door, body, signed=False, headers=headers).status_code == 401


@pytest.mark.parametrize(("body", "content_type", "reason"), [
    (b"{", "application/json", "not valid JSON"),
    (b"[1, 2]", "application/json", "not a JSON object"),
    (b"payload=%7B", "application/x-www-form-urlencoded", "payload is not valid JSON"),
    (b"payload=%5B%5D", "application/x-www-form-urlencoded", "payload is not a JSON object"),
    (b"a=b&&c", "application/x-www-form-urlencoded", "not a readable form"),
    (json.dumps({"type": "event_callback", "event": "x"}).encode(), "application/json",
     "$.event must be an object"),
    (json.dumps({"type": "event_callback", "authorizations": [1]}).encode(), "application/json",
     "$.authorizations must be a list of objects"),
    (urlencode({"payload": json.dumps({"type": "block_actions", "user": "U1"})}).encode(),
     "application/x-www-form-urlencoded", "without user.id"),
    (urlencode({"payload": json.dumps({
        "type": "view_submission", "user": {"id": "U1"}, "trigger_id": "t",
        "view": {"type": "modal", "callback_id": "incident_declare",
                 "state": {"values": {"title": 1}}}})}).encode(),
     "application/x-www-form-urlencoded", "view.state.values"),
    (urlencode({"command": "/incident", "text": "list"}).encode(),
     "application/x-www-form-urlencoded", "without user_id"),
])
def test_signed_but_malformed_bodies_are_400_with_the_reason(door, body, content_type, reason):
    response = post_slack(door, body, content_type=content_type)
    assert response.status_code == 400 and reason in response.text, response.text


def test_a_signed_command_with_a_nul_is_answered(live):
    """The NUL reaches no database: the command runs with U+FFFD in its place."""
    url = live.emulator.new_response_url()
    request = live.requests.command('declare hurricane "Ida\x00" FL', user_id=COORDINATOR,
                                    channel_id="CGENERAL1", response_url=url)
    assert live.post(request).status_code == 200
    assert f"Ida{REPLACEMENT}" in live.wait_response(url)["text"]


@pytest.mark.parametrize("metadata", ["{", "[]", '{"n": "x", "v": 1}', '{"n": 1}', "null"])
def test_a_damaged_form_is_answered_in_the_form(door, metadata):
    """The notes editor's metadata is read before the ack: a damaged one raised there, Slack got
    a 500 and the person a generic "trouble connecting"; now the form says what is wrong."""
    payload = {"type": "view_submission", "user": {"id": COORDINATOR}, "trigger_id": "t",
               "view": {"type": "modal", "callback_id": "notes_edit", "private_metadata": metadata,
                        "blocks": [{"type": "input", "block_id": "part_1"}],
                        "state": {"values": {"part_1": {"value": {"type": "plain_text_input",
                                                                  "value": "Notes"}}}}}}
    response = post_slack(door, urlencode({"payload": json.dumps(payload)}).encode())
    assert response.status_code == 200, response.text
    assert response.json() == {"response_action": "errors",
                               "errors": {"part_1": f":warning: {DAMAGED_FORM}"}}


def test_an_unexpected_error_before_the_ack_is_shown_with_its_id():
    """What the person sees for an error that is not theirs: the message with the error id, in
    the form (on its first input) or as the command's reply."""
    form = {"type": "view_submission", "view": {"blocks": [
        {"type": "context"}, {"type": "input", "block_id": "when"}]}}
    shown = json.loads(answer(message_for(KeyError("x")), form).body)
    assert "error id" in shown["errors"]["when"]
    reply = json.loads(answer(message_for(KeyError("x")), {"command": "/incident"}).body)
    assert reply["response_type"] == "ephemeral" and "error id" in reply["text"]


# ---------------------------------------------------------------- Twilio

@pytest.mark.parametrize("query", ["?attempt=abc", "?attempt=", "?attempt=1e9",
                                   "?attempt=" + "9" * 5000, "?attempt=%00"])
def test_a_damaged_pin_attempt_gets_twiml(door, query):
    response = post_twilio(door, f"/twilio/voice/pin{query}", {"Digits": "12", "CallSid": "CA1"})
    assert response.status_code == 200 and response.text.startswith("<?xml"), response.text


@pytest.mark.parametrize("path", ["/twilio/sms", "/twilio/sms/status", "/twilio/voice",
                                  "/twilio/voice/pin", "/twilio/voice/conference-events"])
def test_signed_webhooks_with_missing_or_odd_fields_never_500(on_postgresql, path):
    for params in ({}, {"From": "x" * 500, "MessageSid": "SM" + "1" * 200, "MessageStatus": "y" * 99},
                   {"CallSid": "\x00", "StatusCallbackEvent": "participant-join", "From": "\x00",
                    "FriendlyName": "\x00" * 80, "Digits": "\x00", "ErrorCode": "9" * 40}):
        response = post_twilio(on_postgresql, path, params)
        assert response.status_code < 500, (params, response.text)


def test_an_sms_with_a_nul_is_stored_and_the_next_one_too(live):
    """On PostgreSQL a NUL made the insert fail: a 500, and the message lost for good."""
    first = post_twilio(live, "/twilio/sms", {"MessageSid": "SM" + "a" * 32, "From": ANA,
                                              "To": "+12025550100", "Body": "agua\x00 por favor"})
    assert first.status_code == 200
    assert stored_body(live, "SM" + "a" * 32) == f"agua{REPLACEMENT} por favor"
    second = post_twilio(live, "/twilio/sms", {"MessageSid": "SM" + "b" * 32, "From": ANA,
                                               "To": "+12025550100", "Body": "gracias"})
    assert second.status_code == 200 and stored_body(live, "SM" + "b" * 32) == "gracias"


def test_an_sms_without_a_usable_sid_is_stored_once(on_postgresql):
    params = {"From": ANA, "To": "+12025550100", "Body": "hola", "MessageSid": "SM" + "x" * 99}
    assert post_twilio(on_postgresql, "/twilio/sms", params).status_code == 200
    assert post_twilio(on_postgresql, "/twilio/sms", params).status_code == 200  # a retry
    assert list(inbound_bodies(on_postgresql).values()) == ["hola"]


# ---------------------------------------------------------------- the contacts importer

def test_a_nul_in_a_cell_is_a_bad_row_with_its_line():
    report = read(b"name,phone\nAna,+12025550101\nBo\x00b,+12025550102\n")
    assert [(e.line, e.column) for e in report.errors] == [(3, "name")]
    assert "NUL" in report.errors[0].why and [r.name for _, r in report.rows] == ["Ana"]


@pytest.mark.parametrize("zone", ["A" * 300, "America/" + "x" * 300, "Europe/" + "Paris" * 60])
def test_an_unknown_or_overlong_time_zone_is_a_bad_row(zone):
    report = read(f"name,phone,timezone\nAna,+12025550101,{zone}\n".encode())
    assert [(e.line, e.column) for e in report.errors] == [(2, "timezone")]


@pytest.mark.parametrize(("column", "value"), [
    ("regions", ";".join(["FL"] * 400)), ("tags", ";".join(["a"] * 600)),
    ("incident_types", ";".join(["flood"] * 200))])
def test_any_cell_over_a_sane_length_is_a_bad_row(column, value):
    """Valid but absurdly long: refused before it is parsed (a long cell is a damaged file)."""
    assert len(value) > MAX_CELL
    report = read(f"name,phone,{column}\nAna,+12025550101,{value}\n".encode())
    assert [(e.line, e.column) for e in report.errors] == [(2, column)]
    assert not report.rows


def test_a_file_with_nuls_imports_its_good_rows_on_every_backend(db, settings, clock, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_bytes(b"name,phone,timezone\nAna,+12025550101,America/Chicago\n"
                     b"Bo\x00b,+12025550102,\nCy,+12025550103," + b"Z" * 300 + b"\n")
    result = run_import(db, settings, clock, path, skip_invalid=True)
    assert result.written and result.summary.created == 1
    assert sorted(e.line for e in result.report.errors) == [3, 4]
    assert (tmp_path / "contacts.rejects.csv").exists()
