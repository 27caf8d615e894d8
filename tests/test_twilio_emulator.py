"""The Twilio emulator, driven through the real ``twilio`` SDK and checked against the OpenAPI spec."""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import httpx
import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from bot.gateways.twilio_http import BaseUrlHttpClient
from bot.sandbox.twilio import TwilioEmulator
from tests.support.hostile import half_request
from tests.support.twilio import raw_client
from tests.support.webhooks import WebhookReceiver

SENDER = "+15557650000"
SERVICE = "MG" + "a" * 32
SID = re.compile(r"^SM[0-9a-f]{32}$")


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    endpoint = WebhookReceiver()
    yield endpoint
    endpoint.close()


def _messages_uri(emu: TwilioEmulator, account_sid: str | None = None) -> str:
    return f"/2010-04-01/Accounts/{account_sid or emu.account_sid}/Messages.json"


def test_create_answers_201_with_twilio_fields(emu: TwilioEmulator, client: Client) -> None:
    message = client.messages.create(to="+15551230001", from_=SENDER, body="a" * 100)
    assert SID.match(message.sid)
    assert message.status == "queued"
    assert message.direction == "outbound-api"
    assert message.num_segments == "1"
    assert message.account_sid == emu.account_sid and message.api_version == "2010-04-01"
    assert message.to == "+15551230001" and message.from_ == SENDER
    assert isinstance(message.date_created, datetime)
    assert message.uri == f"/2010-04-01/Accounts/{emu.account_sid}/Messages/{message.sid}.json"
    assert emu.requests[-1]["status"] == 201

    unicode = client.messages.create(to="+15551230001", from_=SENDER, body="á" + "a" * 99)
    assert unicode.num_segments == "2"
    long_gsm = client.messages.create(to="+15551230001", from_=SENDER, body="a" * 161)
    assert long_gsm.num_segments == "2"
    escaped = client.messages.create(to="+15551230001", from_=SENDER, body="{" * 80)  # 160 septets
    assert escaped.num_segments == "1"

    assert [m.sid for m in emu.messages_to("+15551230001")] == [
        message.sid, unicode.sid, long_gsm.sid, escaped.sid]
    stored = emu.messages[0]
    assert (stored.from_, stored.body, stored.status, stored.num_segments) == (SENDER, "a" * 100, "queued", 1)


def test_messaging_service_without_from_is_accepted(emu: TwilioEmulator, client: Client) -> None:
    message = client.messages.create(to="+15551230001", messaging_service_sid=SERVICE, body="hi")
    assert message.status == "accepted"
    assert message.messaging_service_sid == SERVICE and message.from_ is None


def test_response_fields_are_the_specs(emu: TwilioEmulator, client: Client, spec: dict) -> None:
    sent = client.messages.create(to="+15551230001", from_=SENDER, body="hello")
    schemas = spec["components"]["schemas"]
    message_fields = set(schemas["api.v2010.account.message"]["properties"])
    list_path = spec["paths"]["/2010-04-01/Accounts/{AccountSid}/Messages.json"]
    list_schema = list_path["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    with raw_client(emu) as raw:
        fetched = raw.get(f"/2010-04-01/Accounts/{emu.account_sid}/Messages/{sent.sid}.json")
        listed = raw.get(_messages_uri(emu))
    assert fetched.status_code == 200
    assert set(fetched.json()) == message_fields
    assert fetched.json()["date_created"] == sent.date_created.strftime("%a, %d %b %Y %H:%M:%S +0000")
    assert set(listed.json()) == set(list_schema["properties"])
    assert set(listed.json()["messages"][0]) == message_fields


def test_sdk_create_parameters_are_in_the_spec(emu: TwilioEmulator, client: Client, spec: dict,
                                              receiver: WebhookReceiver) -> None:
    client.messages.create(to="+15551230001", from_=SENDER, body="hi", messaging_service_sid=SERVICE,
                           status_callback=f"{receiver.url}/status")
    request_body = spec["paths"]["/2010-04-01/Accounts/{AccountSid}/Messages.json"]["post"]["requestBody"]
    schema = request_body["content"]["application/x-www-form-urlencoded"]["schema"]
    assert schema["title"] == "CreateMessageRequest"
    sent = emu.requests[-1]["params"]
    assert set(sent) == {"To", "From", "Body", "MessagingServiceSid", "StatusCallback"}
    assert set(sent) <= set(schema["properties"])
    assert "ignored_params" not in emu.requests[-1]
    assert emu.wait_for_callbacks(10)


def test_fetch_and_unknown_sid(emu: TwilioEmulator, client: Client) -> None:
    sent = client.messages.create(to="+15551230001", from_=SENDER, body="hello")
    fetched = client.messages(sent.sid).fetch()
    assert (fetched.sid, fetched.body, fetched.status) == (sent.sid, "hello", "queued")
    with pytest.raises(TwilioRestException) as caught:
        client.messages("SM" + "f" * 32).fetch()
    assert (caught.value.status, caught.value.code) == (404, 20404)


def test_list_filters_by_to_and_date_sent(emu: TwilioEmulator, client: Client) -> None:
    for n in range(3):
        client.messages.create(to="+15551230001", from_=SENDER, body=f"one {n}")
    other = client.messages.create(to="+15551230002", from_=SENDER, body="two")

    listed = client.messages.list(to="+15551230001")
    assert [m.body for m in listed] == ["one 2", "one 1", "one 0"]  # newest first, as Twilio lists
    assert [m.sid for m in client.messages.list(to="+15551230002")] == [other.sid]
    assert len(client.messages.list(from_=SENDER)) == 4

    now = datetime.now(UTC)
    assert len(client.messages.list(to="+15551230001", date_sent_after=now - timedelta(minutes=5))) == 3
    assert client.messages.list(to="+15551230001", date_sent_after=now + timedelta(minutes=5)) == []
    assert client.messages.list(date_sent_before=now - timedelta(minutes=5)) == []
    assert len(client.messages.list(date_sent=now.date())) == 4
    with raw_client(emu) as raw:  # the day-only forms from the API reference
        today = now.strftime("%Y-%m-%d")
        assert len(raw.get(_messages_uri(emu), params={"DateSent>": today}).json()["messages"]) == 4
        assert len(raw.get(_messages_uri(emu), params={"DateSent<": today}).json()["messages"]) == 4
        bad = raw.get(_messages_uri(emu), params={"DateSent>": "yesterday"})
        assert bad.status_code == 400


def test_list_pages_with_next_page_uri(emu: TwilioEmulator, client: Client) -> None:
    sids = [client.messages.create(to="+15551230001", from_=SENDER, body=str(n)).sid for n in range(5)]
    assert [m.sid for m in client.messages.list(page_size=2)] == sids[::-1]
    assert [m.sid for m in client.messages.list(limit=3, page_size=2)] == sids[::-1][:3]
    page = client.messages.page(page_size=2)
    assert page.next_page_url is not None and page.previous_page_url is None
    with raw_client(emu) as raw:
        body = raw.get(_messages_uri(emu), params={"PageSize": 2}).json()
    assert (body["page"], body["page_size"], body["start"], body["end"]) == (0, 2, 0, 1)


def test_wrong_auth_is_401_20003(emu: TwilioEmulator) -> None:
    wrong = Client(emu.account_sid, "not-the-token", http_client=BaseUrlHttpClient(emu.base_url))
    with pytest.raises(TwilioRestException) as caught:
        wrong.messages.create(to="+15551230001", from_=SENDER, body="hi")
    assert (caught.value.status, caught.value.code) == (401, 20003)
    with httpx.Client(base_url=emu.base_url) as raw:
        answer = raw.post(_messages_uri(emu), data={"To": "+15551230001", "From": SENDER, "Body": "x"})
    assert answer.status_code == 401
    assert answer.json() == {"code": 20003, "message": "Authenticate",
                             "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}
    assert emu.messages == []


def test_other_account_in_path_is_404(emu: TwilioEmulator) -> None:
    other = Client(emu.account_sid, emu.auth_token, account_sid="AC" + "1" * 32,
                   http_client=BaseUrlHttpClient(emu.base_url))
    with pytest.raises(TwilioRestException) as caught:
        other.messages.create(to="+15551230001", from_=SENDER, body="hi")
    assert (caught.value.status, caught.value.code) == (404, 20404)


def test_opted_out_number_is_refused_21610(emu: TwilioEmulator, client: Client) -> None:
    emu.mark_opted_out("+15551230009")
    with pytest.raises(TwilioRestException) as caught:
        client.messages.create(to="+15551230009", from_=SENDER, body="hi")
    assert (caught.value.status, caught.value.code) == (400, 21610)
    assert caught.value.msg.endswith("Attempt to send to unsubscribed recipient")
    assert emu.messages_to("+15551230009") == []
    assert emu.requests[-1]["status"] == 400 and emu.requests[-1]["code"] == 21610


def test_a_request_cut_off_mid_body_creates_nothing(emu: TwilioEmulator) -> None:
    auth = base64.b64encode(f"{emu.account_sid}:{emu.auth_token}".encode()).decode()
    body = urlencode({"Body": "Evacuate now", "From": SENDER, "To": "+15551230001"}).encode()
    answer = half_request(emu.base_url + _messages_uri(emu), {
        "Authorization": f"Basic {auth}",
        "Content-Type": "application/x-www-form-urlencoded"}, body)
    assert answer == b"" and emu.messages == [] and emu.requests == []


def test_fail_next_then_success(emu: TwilioEmulator, client: Client) -> None:
    emu.fail_next(1)
    with pytest.raises(TwilioRestException) as caught:
        client.messages.create(to="+15551230001", from_=SENDER, body="hi")
    assert (caught.value.status, caught.value.code) == (429, 20429)
    assert client.messages.create(to="+15551230001", from_=SENDER, body="hi").status == "queued"
    assert len(emu.messages) == 1

    emu.fail_next(2, status=503, code=20503, message="Service Unavailable", to="+15551230002")
    assert client.messages.create(to="+15551230001", from_=SENDER, body="other number").sid
    for _ in range(2):
        with pytest.raises(TwilioRestException) as caught:
            client.messages.create(to="+15551230002", from_=SENDER, body="hi")
        assert (caught.value.status, caught.value.code) == (503, 20503)
    assert client.messages.create(to="+15551230002", from_=SENDER, body="hi").sid


def test_fault_rate(emu: TwilioEmulator, client: Client) -> None:
    emu.set_fault_rate(1.0)
    with pytest.raises(TwilioRestException) as caught:
        client.messages.create(to="+15551230001", from_=SENDER, body="hi")
    assert (caught.value.status, caught.value.code) == (500, 20500)
    emu.set_fault_rate(0.5, seed=7)
    outcomes = []
    for _ in range(40):
        try:
            client.messages.create(to="+15551230001", from_=SENDER, body="hi")
            outcomes.append(True)
        except TwilioRestException:
            outcomes.append(False)
    assert 5 < outcomes.count(False) < 35
    emu.set_fault_rate(0)
    assert client.messages.create(to="+15551230001", from_=SENDER, body="hi").sid


def test_validation_errors(emu: TwilioEmulator, client: Client) -> None:
    def refusal(**kwargs) -> tuple[int, int]:
        with pytest.raises(TwilioRestException) as caught:
            client.messages.create(**kwargs)
        return caught.value.status, caught.value.code

    assert refusal(to="5551230001", from_=SENDER, body="hi") == (400, 21211)
    assert refusal(to="+15551230001", from_=SENDER) == (400, 21602)
    assert refusal(to="+15551230001", from_=SENDER, body="") == (400, 21602)
    assert refusal(to="+15551230001", body="hi") == (400, 21603)
    assert refusal(to="+15551230001", from_=SENDER, body="x" * 1601) == (400, 21617)
    emu.mark_invalid("+15551230003", code=21614)
    assert refusal(to="+15551230003", from_=SENDER, body="hi") == (400, 21614)
    emu.mark_invalid("+15551230004")
    assert refusal(to="+15551230004", from_=SENDER, body="hi") == (400, 21211)
    assert client.messages.create(to="+15551230001", from_=SENDER, body="x" * 1600).num_segments == "11"
    with raw_client(emu) as raw:
        missing_to = raw.post(_messages_uri(emu), data={"From": SENDER, "Body": "hi", "Colour": "red"})
    assert missing_to.status_code == 400
    assert missing_to.json() == {"code": 21604, "message": "A 'To' phone number is required.",
                                 "more_info": "https://www.twilio.com/docs/errors/21604", "status": 400}
    assert emu.requests[-1]["ignored_params"] == ["Colour"]
    assert len(emu.messages) == 1


def test_status_callbacks_are_signed_and_update_status(emu: TwilioEmulator, client: Client,
                                                      receiver: WebhookReceiver) -> None:
    url = f"{receiver.url}/twilio/status?attempt=1"
    sent = client.messages.create(to="+15551230001", from_=SENDER, body="hi", status_callback=url)
    assert emu.wait_for_callbacks(10)
    assert [hit["params"]["MessageStatus"] for hit in receiver.hits] == ["sent", "delivered"]
    validator = RequestValidator(emu.auth_token)
    for hit in receiver.hits:
        assert hit["url"] == url
        assert validator.validate(hit["url"], hit["params"], hit["headers"]["X-Twilio-Signature"])
        assert not validator.validate(hit["url"], {**hit["params"], "To": "+19999999999"},
                                      hit["headers"]["X-Twilio-Signature"])
        params = hit["params"]
        assert params["MessageSid"] == params["SmsSid"] == sent.sid
        assert params["SmsStatus"] == params["MessageStatus"]
        assert (params["AccountSid"], params["From"], params["To"], params["ApiVersion"]) == (
            emu.account_sid, SENDER, "+15551230001", "2010-04-01")
        assert "ErrorCode" not in params
    assert [c["status"] for c in emu.callbacks] == [200, 200]
    assert client.messages(sent.sid).fetch().status == "delivered"
    assert emu.messages[0].status == "delivered"


def test_undeliverable_number_gets_undelivered_callback(emu: TwilioEmulator, client: Client,
                                                       receiver: WebhookReceiver) -> None:
    emu.mark_undeliverable("+15551230005")
    sent = client.messages.create(to="+15551230005", from_=SENDER, body="hi",
                                  status_callback=f"{receiver.url}/status")
    assert sent.status == "queued"
    assert emu.wait_for_callbacks(10)
    statuses = [(hit["params"]["MessageStatus"], hit["params"].get("ErrorCode")) for hit in receiver.hits]
    assert statuses == [("sent", None), ("undelivered", "30003")]
    fetched = client.messages(sent.sid).fetch()
    assert (fetched.status, fetched.error_code) == ("undelivered", 30003)


def test_no_callbacks_when_disabled(receiver: WebhookReceiver) -> None:
    with TwilioEmulator(deliver_callbacks=False) as emu:
        client = Client(emu.account_sid, emu.auth_token, http_client=BaseUrlHttpClient(emu.base_url))
        client.messages.create(to="+15551230001", from_=SENDER, body="hi",
                               status_callback=f"{receiver.url}/status")
        assert emu.wait_for_callbacks(1)
        assert emu.callbacks == [] and receiver.hits == []
        assert emu.messages[0].status == "queued"


def test_send_inbound_posts_a_signed_webhook(emu: TwilioEmulator, client: Client,
                                             receiver: WebhookReceiver) -> None:
    url = f"{receiver.url}/twilio/sms"
    response = emu.send_inbound(webhook_url=url, from_="+15551230001", to=SENDER, body="STOP á",
                                extra={"MessagingServiceSid": SERVICE})
    assert response.status_code == 200 and "<Response>" in response.text
    (hit,) = receiver.hits
    params = hit["params"]
    assert RequestValidator(emu.auth_token).validate(url, params, hit["headers"]["X-Twilio-Signature"])
    assert SID.match(params["MessageSid"])
    assert params["MessageSid"] == params["SmsSid"] == params["SmsMessageSid"]
    assert (params["From"], params["To"], params["Body"]) == ("+15551230001", SENDER, "STOP á")
    assert (params["AccountSid"], params["MessagingServiceSid"]) == (emu.account_sid, SERVICE)
    assert (params["NumMedia"], params["NumSegments"], params["SmsStatus"], params["ApiVersion"]) == (
        "0", "1", "received", "2010-04-01")
    for name in ("FromCountry", "FromState", "FromCity", "FromZip", "ToCountry", "ToState", "ToCity",
                 "ToZip"):
        assert name in params
    (inbound,) = emu.inbound
    assert (inbound.direction, inbound.sid, inbound.body) == ("inbound", params["MessageSid"], "STOP á")
    assert emu.messages == []  # outbound only
    fetched = client.messages(inbound.sid).fetch()
    assert (fetched.direction, fetched.status) == ("inbound", "received")


def test_concurrent_senders(emu: TwilioEmulator, client: Client) -> None:
    def send(n: int) -> str:
        return client.messages.create(to=f"+1555123{n:04d}", from_=SENDER, body=f"n{n}").sid

    with ThreadPoolExecutor(max_workers=8) as pool:
        sids = list(pool.map(send, range(200)))
    assert len(set(sids)) == 200
    assert {m.sid for m in emu.messages} == set(sids)
    assert len(emu.requests) == 200


def test_latency_injection(emu: TwilioEmulator, client: Client) -> None:
    emu.set_latency(0.2)
    started = time.monotonic()
    client.messages.create(to="+15551230001", from_=SENDER, body="hi")
    assert time.monotonic() - started >= 0.2
    emu.set_latency(0)


def test_nothing_answers_after_stop() -> None:
    emu = TwilioEmulator().start()
    client = Client(emu.account_sid, emu.auth_token, http_client=BaseUrlHttpClient(emu.base_url, timeout=5))
    client.messages.create(to="+15551230001", from_=SENDER, body="hi")  # leaves a kept-alive connection
    emu.stop()
    with pytest.raises(OSError):
        client.messages.create(to="+15551230001", from_=SENDER, body="again")
    assert len(emu.messages) == 1


def test_base_url_client_rewrites_only_the_twilio_prefix() -> None:
    local = BaseUrlHttpClient("http://127.0.0.1:9999/")
    assert local.rewrite("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json") == (
        "http://127.0.0.1:9999/2010-04-01/Accounts/AC1/Messages.json")
    assert local.rewrite("https://api.twilio.com.example.org/x") == "https://api.twilio.com.example.org/x"
    assert local.rewrite("https://messaging.twilio.com/v1/Services") == "https://messaging.twilio.com/v1/Services"
    real = BaseUrlHttpClient("https://api.twilio.com")
    assert real.rewrite("https://api.twilio.com/2010-04-01/x.json") == "https://api.twilio.com/2010-04-01/x.json"
    assert real.timeout == 10
