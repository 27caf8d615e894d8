"""Fuzzing every door of the live app, the contacts importer and inbound SMS (issue "exactly
once and nothing lost"): random bytes, NULs, broken forms and JSON, odd query parameters,
unsigned and validly signed. Zero 5xx, zero tracebacks in the logs, every signed inbound SMS
stored. Bounded so that the module runs in well under a minute on each backend.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
from collections.abc import Iterator
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bot.sandbox.harness import Live, live_app
from bot.storable import storable
from tests.conftest import COORDINATOR
from tests.support.contacts import run_import
from tests.support.hostile import captured_logs, inbound_bodies, post_slack, post_twilio
from tests.support.sms import sms_in

# COORDBOT_FUZZ_EXAMPLES=2000 for a long hunt; the default keeps `make test` quick.
EXAMPLES = int(os.environ.get("COORDBOT_FUZZ_EXAMPLES", "60"))
FUZZ = hypothesis_settings(max_examples=EXAMPLES, deadline=None, database=None,
                           suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                  HealthCheck.too_slow])
FORM = "application/x-www-form-urlencoded"
TWILIO_PATHS = ["/twilio/sms", "/twilio/sms/status", "/twilio/voice", "/twilio/voice/pin",
                "/twilio/voice/conference-events"]
TWILIO_FIELDS = ["MessageSid", "SmsSid", "From", "To", "Body", "MessageStatus", "SmsStatus",
                 "ErrorCode", "CallSid", "Digits", "StatusCallbackEvent", "FriendlyName",
                 "ConferenceSid", "AccountSid"]
SLACK_TYPES = ["block_actions", "view_submission", "view_closed", "shortcut", "message_action",
               "event_callback", "url_verification", "", "dialog_submission"]
ACTIONS = ["incident_close_confirm", "incident_close_cancel", "notice_confirm", "notice_cancel",
           "action_item_done", "action_item_reassign", "notes_approve", "notes_edit",
           "notes_request_changes"]
CALLBACKS = ["incident_declare", "call_schedule", "action_item_create", "action_item_reassign",
             "notes_edit", "notes_changes", "make_action_item"]
_sids = itertools.count(1)

nasty_text = st.text(st.characters(codec="utf-8"), max_size=80) | st.sampled_from(
    ["\x00", "<!channel>", "a" * 3000, "%", "%00", "1e999", "-1", "abc", "", " "])
# JSON can carry a lone surrogate ("\ud800"), which no UTF-8 encoder takes: a form cannot.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | nasty_text
    | st.just("\ud800"),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(nasty_text, inner, max_size=4),
    max_leaves=12)


@st.composite
def slack_payloads(draw) -> dict:
    """An interaction or event payload near what Slack sends, with parts broken or random."""
    payload = {"type": draw(st.sampled_from(SLACK_TYPES)),
               "user": draw(st.sampled_from([{"id": COORDINATOR}, {"id": "U0RANDOM"}, "U1", {}])),
               "trigger_id": draw(st.sampled_from(["t", ""])),
               "response_url": draw(st.sampled_from(["http://127.0.0.1:9/response", ""])),
               "actions": [{"action_id": draw(st.sampled_from(ACTIONS)),
                            "value": draw(nasty_text)}],
               "view": {"type": "modal", "callback_id": draw(st.sampled_from(CALLBACKS)),
                        "private_metadata": draw(nasty_text),
                        "blocks": [{"type": "input", "block_id": "title"}],
                        "state": {"values": draw(st.dictionaries(
                            st.sampled_from(["title", "when", "owner", "text", "part_1",
                                             "comment", "type", "regions"]),
                            st.fixed_dictionaries({"value": st.fixed_dictionaries(
                                {"value": nasty_text | st.none()})}), max_size=4))}},
               "callback_id": draw(st.sampled_from(CALLBACKS)),
               "channel": {"id": draw(st.sampled_from(["C1", "CGENERAL1", ""]))},
               "event": {"type": draw(st.sampled_from(["message", "app_mention",
                                                       "reaction_added", "x"])),
                         "text": draw(nasty_text), "user": "U1", "ts": draw(nasty_text),
                         "channel": "C1", "item": {"type": "message", "channel": "C1", "ts": "1"}},
               "message": {"text": draw(nasty_text), "ts": "1.2"}, "message_ts": "1.2"}
    for key in draw(st.lists(st.sampled_from(sorted(payload)), max_size=4)):
        payload[key] = draw(json_values)
    return payload


slack_bodies = st.one_of(
    st.binary(max_size=300).map(lambda b: (b, FORM)),
    st.binary(max_size=300).map(lambda b: (b, "application/json")),
    json_values.map(lambda v: (json.dumps(v).encode(), "application/json")),
    slack_payloads().map(lambda p: (json.dumps(p).encode(), "application/json")),
    slack_payloads().map(lambda p: (urlencode({"payload": json.dumps(p)}).encode(), FORM)),
    st.text(max_size=80).map(lambda t: (f"payload={quote(t)}".encode(), FORM)),
    st.builds(lambda text, user, extra: (urlencode({
        "command": "/incident", "text": text, "user_id": user, "channel_id": "CGENERAL1",
        "response_url": "http://127.0.0.1:9/r", "trigger_id": "t", **extra}).encode(), FORM),
        nasty_text, st.sampled_from([COORDINATOR, "U0RANDOM", ""]),
        st.dictionaries(nasty_text, nasty_text, max_size=3)),
)


@pytest.fixture
def logged() -> Iterator[io.StringIO]:
    with captured_logs("WARNING") as buffer:
        yield buffer


@pytest.fixture
def live(settings, logged, capfd) -> Iterator[Live]:
    """The live app with uvicorn's lines in ``logged``; no traceback anywhere at the end (the
    worker process's lines are read from the captured standard error)."""
    with live_app(settings, coordinators=[COORDINATOR], access_log=True) as running:
        yield running
    captured = capfd.readouterr()
    text = logged.getvalue() + captured.err
    assert "Traceback" not in text and "Exception in ASGI" not in text, text[-4000:]


header_bytes = st.lists(st.integers(0x21, 0xFF).filter(lambda b: b != 0x7F), max_size=80).map(bytes)


@FUZZ
@given(body=st.binary(max_size=200), signature=header_bytes,
       timestamp=header_bytes | st.sampled_from([b"abc", b"", b"1" * 30, b"\xff", b"-1", b"1e9"]))
def test_unsigned_slack_requests_are_401(live, body, timestamp, signature):
    response = post_slack(live, body, signed=False, headers={
        "X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature})
    assert response.status_code == 401, response.text


@FUZZ
@given(request=slack_bodies)
def test_signed_slack_requests_never_5xx(live, request):
    body, content_type = request
    response = post_slack(live, body, content_type=content_type)
    assert response.status_code < 500, (body[:300], response.text)


@FUZZ
@given(path=st.sampled_from(TWILIO_PATHS),
       query=st.sampled_from(["", "?attempt=abc", "?attempt=2", "?attempt=%00", "?x=%ff&&"]),
       params=st.dictionaries(st.sampled_from(TWILIO_FIELDS) | nasty_text, nasty_text,
                              max_size=6),
       signed=st.booleans())
def test_twilio_webhooks_never_5xx(live, path, query, params, signed):
    response = post_twilio(live, path + query, params, signed=signed)
    assert response.status_code < 500, (path, params, response.text)
    assert response.status_code == 401 or signed


@FUZZ
@given(body=nasty_text, sender=st.sampled_from(["+12025550101", "", "x" * 40, "+1202\x00"])
       | nasty_text, to=nasty_text)
def test_every_signed_inbound_sms_is_stored(live, body, sender, to):
    sid = f"SM{next(_sids):032x}"
    response = post_twilio(live, "/twilio/sms", {"MessageSid": sid, "From": sender, "To": to,
                                                  "Body": body})
    assert response.status_code == 200, response.text
    assert inbound_bodies(live).get(sid) == storable(body)[:2000]


@FUZZ
@given(path=st.sampled_from(["/calls/1.ics", "/calls/99999999999999999999.ics", "/notes/1",
                             "/notes/0", "/healthz", "/calls/x.ics", "/nope"]),
       query=st.dictionaries(st.sampled_from(["t", "e", "x"]) | nasty_text, nasty_text,
                             max_size=3))
def test_get_endpoints_never_5xx(live, path, query):
    response = live.http.get(f"{live.server.url}{path}", params=query)
    assert response.status_code < 500, (path, query, response.text)


@hypothesis_settings(max_examples=max(EXAMPLES * 2 // 3, 1), deadline=None, database=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(nasty_text, min_size=3, max_size=3), min_size=1, max_size=4))
def test_the_importer_reports_rather_than_raises(db, settings, clock, tmp_path, rows):
    """Whatever the cells, the file is read, good rows imported, bad ones reported: the
    database (PostgreSQL refuses NULs) never sees what it cannot store."""
    out = io.StringIO()
    csv.writer(out).writerows([["name", "phone", "timezone"], *rows])
    path = tmp_path / "fuzz.csv"
    path.write_bytes(out.getvalue().encode("utf-8", "replace"))
    result = run_import(db, settings, clock, path, skip_invalid=True,
                        rejects_path=tmp_path / "fuzz.rejects.csv")
    assert result.report.file_error or result.written


@hypothesis_settings(max_examples=EXAMPLES, deadline=None, database=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=nasty_text | st.just("\ud800 lone"))
def test_inbound_bodies_are_always_stored(container, body):
    sid = f"SM{next(_sids):032x}"
    sms_in(container, body, "+12025550199", sid=sid)
    with container.db.unit_of_work(read_only=True) as uow:
        assert uow.sms.inbound_by_sid(sid).body == storable(body)[:2000]
