"""Message calls over real HTTP: the real app and outbox worker, the Twilio emulator placing the
calls (TwiML fetched from our signed webhooks, keys pressed, machine detection, status
callbacks) and the Slack emulator showing the delivery summary."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from datetime import timedelta

import httpx
import pytest

from bot.calls.rules.when import ScheduleRequest
from bot.calls.service import calls
from bot.config import OutboxSettings
from bot.directory.rules.contacts import ContactRecord
from bot.gateways.twilio_voice import TwilioVoice
from bot.i18n.voice import prompt
from bot.outbox.kinds import Kind
from bot.outbox.queue import enqueue
from bot.outbox.rate_limit import RateLimiter
from bot.outbox.worker import OutboxWorker
from bot.sandbox.harness import live_app
from bot.sandbox.twilio import TwilioEmulator
from bot.voice.delivery import MessageCalls
from tests.conftest import COORDINATOR
from tests.support.outbox import summary_refreshes_due
from tests.support.scenario import import_people
from tests.support.waiting import wait_until
from tests.support.webhooks import WebhookReceiver

ANA, ROSA = "+12025550101", "+12025550104"  # Ana's number is a landline; Rosa asked for calls
PEOPLE = [ContactRecord(name="Ana Ruiz", phone=ANA, language="es", regions=("FL",)),
          ContactRecord(name="Rosa Diaz", phone=ROSA, language="es", regions=("FL",),
                        channel="voice")]
NOTICE = "Shelters open.\nes: Refugios abiertos."
SPOKEN = "Aviso de Civil Rights Coordination Office: Hurricane Xavier Refugios abiertos."


@pytest.fixture
def live(settings):
    settings = settings.model_copy(update={"voice": settings.voice.model_copy(
        update={"rate_per_s": 0, "max_tries": 2})})
    settings.sms.small_send_hold_s = 0  # a small notice goes at once: no undo window to wait out
    with live_app(settings, coordinators=[COORDINATOR]) as running:
        import_people(running.container, PEOPLE)
        running.twilio.mark_invalid(ANA, 21614)  # texts to it are refused: not a mobile number
        yield running


def declare(live) -> str:
    _, url = live.command('declare hurricane "Hurricane Xavier" FL', user=COORDINATOR)
    live.wait_response(url)
    return wait_until(lambda: _channel(live), what="the incident channel")


def notify(live, channel: str, text: str = NOTICE) -> None:
    _, url = live.command(f"notify {text}", user=COORDINATOR, channel=channel)
    live.wait_response(url)


def _channel(live):
    with live.container.db.unit_of_work() as uow:
        found = uow.incidents.list(status=None)
        return found[0].channel_id if found and found[0].channel_id else None


def one_call_to(live, number: str, count: int = 1):
    calls_placed = wait_until(lambda: len(live.twilio.calls_to(number)) >= count and
                              live.twilio.calls_to(number), what=f"{count} call(s) to {number}",
                              timeout_s=20)
    assert len(calls_placed) == count
    return calls_placed[-1]


def row_status(live, key: str) -> str | None:
    with live.container.db.unit_of_work() as uow:
        row = uow.outbox.by_key(key)
        return row.status if row else None


def wait_status(live, key: str, status: str) -> None:
    wait_until(lambda: row_status(live, key) == status, what=f"{key} {status}", timeout_s=20)


def summary(live, channel: str) -> str:
    """The channel's delivery summary, once any refresh waiting out its throttle has run."""
    summary_refreshes_due(live.container.db, live.container.clock.now())
    messages = live.emulator.channels[channel].messages
    return next((m.text for m in reversed(messages) if m.text.startswith("SMS notice")), "")


def test_a_notice_to_a_landline_becomes_one_call_read_in_spanish(live):
    channel = declare(live)
    notify(live, channel)
    call = one_call_to(live, ANA)
    assert live.twilio.messages_to(ANA) == []  # refused: 21614
    assert call.machine_detection == "DetectMessageEnd" and call.from_ == "+12025550100"
    session = live.twilio.answer_call(call.sid)
    heard = [s for s in session.spoken if s.verb == "Say"]
    assert [s.text for s in heard] == [SPOKEN, SPOKEN, prompt("message_menu", "es")]
    assert {(s.language, s.voice) for s in heard} == {("es-US", "Polly.Lupe")}
    session.press("9")  # again
    assert session.said()[-3:] == [SPOKEN, SPOKEN, prompt("message_menu", "es")]
    session.press("5")  # a key that does nothing: said so, and the message again
    assert session.said()[-4] == prompt("other_key", "es")
    session.hang_up()
    wait_status(live, "notice:1:1:voice", "answered")
    assert len(live.twilio.calls_to(ANA)) == 1
    wait_until(lambda: "by phone call: 1 answered" in summary(live, channel),
               what="the summary counting the call", timeout_s=30, poll_s=0.1)
    assert " to 2 recipients (Spanish 2)" in summary(live, channel)  # Ana once, text or call
    assert "1 failed: 1 not a mobile number" in summary(live, channel)


def test_pressing_1_on_an_invitation_call_records_the_rsvp(live):
    now = live.container.clock.now()
    with live.container.db.unit_of_work() as uow:
        from bot.dispatch.grammar import parse_declare
        from bot.incidents import service as incidents
        incident = incidents.declare(uow, actor=COORDINATOR, now=now,
                                     draft=parse_declare('flood "River" FL'))
        calls.schedule(uow, incident=incident, actor=COORDINATOR, now=now,
                       settings=live.container.settings,
                       request=ScheduleRequest(starts_at=now + timedelta(days=1),
                                               duration=timedelta(minutes=30), agenda="",
                                               bridge="twilio", recurrence=None,
                                               zone="America/New_York"))
        uow.commit()
    call = one_call_to(live, ROSA)
    session = live.twilio.answer_call(call.sid)
    assert session.said()[-1] == prompt("rsvp_menu", "es")
    assert "Responda" not in session.said()[0]
    session.press("1")
    assert session.said()[-1] == prompt("rsvp_yes", "es") and session.ended
    with live.container.db.unit_of_work() as uow:
        rosa = uow.contacts.by_phone(ROSA)
        [invitation] = [i for i in uow.calls.invitations(1) if i.contact_id == rosa.id]
        assert (invitation.channel, invitation.rsvp) == ("voice", "yes")


def test_0_stops_these_calls_and_no_later_call_goes(live):
    channel = declare(live)
    notify(live, channel)
    session = live.twilio.answer_call(one_call_to(live, ROSA).sid)
    session.press("0")
    assert session.said()[-1] == prompt("calls_stopped", "es") and session.ended
    wait_status(live, "notice:1:2", "answered")
    notify(live, channel, "Water at the school.")
    wait_status(live, "notice:2:2", "suppressed")
    assert len(live.twilio.calls_to(ROSA)) == 1
    with live.container.db.unit_of_work() as uow:
        assert uow.voice.is_opted_out(ROSA) and not uow.sms.is_opted_out(ROSA)


def test_no_answer_is_called_again_within_the_limit_and_reported(live):
    channel = declare(live)
    notify(live, channel)
    live.twilio.fail_call(one_call_to(live, ROSA).sid, status="no-answer")
    wait_status(live, "notice:1:2", "pending")
    with live.container.db.unit_of_work() as uow:
        row = uow.outbox.by_key("notice:1:2")
        due_in = row.next_attempt_at - live.container.clock.now()
        assert timedelta(minutes=14) < due_in <= timedelta(minutes=15)
        row.next_attempt_at = live.container.clock.now()  # stands in for the 15 minutes passing
        uow.commit()
    live.twilio.fail_call(one_call_to(live, ROSA, count=2).sid, status="busy")
    wait_status(live, "notice:1:2", "busy")  # voice.max_tries = 2: no third call
    wait_until(lambda: "by phone call: 1 busy" in summary(live, channel),
               what="the summary reporting the busy line", timeout_s=30, poll_s=0.1)
    assert len(live.twilio.calls_to(ROSA)) == 2


def test_an_answering_machine_gets_the_message_after_the_beep(live):
    channel = declare(live)
    notify(live, channel)
    session = live.twilio.answer_call(one_call_to(live, ROSA).sid, answered_by="machine_end_beep")
    assert session.said() == [SPOKEN, SPOKEN] and session.ended
    assert session.requests[0]["params"]["AnsweredBy"] == "machine_end_beep"
    wait_status(live, "notice:1:2", "voicemail")


def test_a_lost_answer_while_placing_the_call_places_no_second_call(live):
    live.twilio.drop_next(kind="reset_after", to=ROSA)
    channel = declare(live)
    notify(live, channel)
    call = one_call_to(live, ROSA)
    wait_until(lambda: row_status(live, "notice:1:2") == "sent", what="the call looked up",
               timeout_s=30)
    with live.container.db.unit_of_work() as uow:
        assert uow.outbox.by_key("notice:1:2").provider_id == call.sid
    assert live.twilio.dropped == [("reset_after", ROSA)]
    assert len(live.twilio.calls_to(ROSA)) == 1


@pytest.mark.parametrize("path", ["/twilio/voice/message?m=1", "/twilio/voice/message/key?m=1",
                                  "/twilio/voice/message/status"])
def test_unsigned_message_call_webhooks_get_401(live, path):
    response = live.http.post(f"{live.server.url}{path}", data={"CallSid": "CA" + "1" * 32,
                                                                 "Digits": "0",
                                                                 "CallStatus": "completed"})
    assert response.status_code == 401


def test_a_signed_request_for_a_message_that_is_not_there_hangs_up(live):
    for query in ("m=999", "m=abc", ""):
        url = f"{live.server.url}/twilio/voice/message?{query}".rstrip("?")
        params = {"CallSid": "CA" + "2" * 32, "From": "+12025550100", "To": ROSA}
        signer = live.twilio._signer  # the emulator's own signer, as Twilio signs
        public = url.replace(live.server.url, live.container.settings.server.public_base_url)
        response = live.http.post(url, data=params, headers=signer.headers(public, params))
        assert response.status_code == 200
        assert [e.tag for e in ElementTree.fromstring(response.text)] == ["Hangup"]


# ----- a worker that dies while the call is being placed, against the emulator -----------------
class DiesAfterPlacing:
    """The real gateway, and then the worker process dies: Twilio has placed the call, the outbox
    row is left ``sending`` under a lease nobody renews."""

    def __init__(self, gateway: TwilioVoice):
        self.gateway, self.died = gateway, False

    def place_call(self, **options) -> str:
        sid = self.gateway.place_call(**options)
        if not self.died:
            self.died = True
            raise SystemExit("killed mid-placement")
        return sid

    def find_call(self, **options):
        return self.gateway.find_call(**options)


def test_a_crash_mid_call_placement_places_no_second_call(container, db, clock):
    with TwilioEmulator() as emu:
        gateway = TwilioVoice(emu.account_sid, emu.auth_token, emu.base_url, "+12025550100")
        sender = MessageCalls(voice=DiesAfterPlacing(gateway), clock=clock, db=db,
                              limiter=RateLimiter(0), base_url="https://coordbot.example.org",
                              settings=container.settings.voice)
        worker = OutboxWorker(db=db, clock=clock, senders={Kind.VOICE_MESSAGE: sender},
                              settings=OutboxSettings(lease_s=30, concurrency=1))
        with db.unit_of_work() as uow:
            enqueue(uow, key="notice:9:1", kind=Kind.VOICE_MESSAGE, purpose="test", now=clock.now(),
                    recipient=ROSA, language="es", payload={"body": "Refugios abiertos."})
            uow.commit()
        with pytest.raises(SystemExit):
            worker.drain_once()
        assert len(emu.calls_to(ROSA)) == 1
        clock.advance(seconds=31)  # the lease runs out: another worker takes the row
        worker.drain()
        with db.unit_of_work() as uow:
            row = uow.outbox.by_key("notice:9:1")
            assert (row.status, row.provider_id) == ("sent", emu.calls_to(ROSA)[0].sid)
        assert len(emu.calls_to(ROSA)) == 1
        lookups = [r for r in emu.requests if r["method"] == "GET" and r["path"].endswith("/Calls.json")]
        assert lookups and lookups[0]["query"]["To"] == ROSA


def test_the_emulator_reports_async_machine_detection_in_its_own_callback(emu: TwilioEmulator):
    app = WebhookReceiver()  # answers <Message>ok</Message>: nothing a call does, so it ends
    try:
        client = httpx.Client(base_url=emu.base_url, auth=(emu.account_sid, emu.auth_token))
        created = client.post(f"/2010-04-01/Accounts/{emu.account_sid}/Calls.json", data={
            "To": ROSA, "From": "+12025550100", "Url": f"{app.url}/nothing",
            "MachineDetection": "Enable", "AsyncAmd": "true",
            "AsyncAmdStatusCallback": f"{app.url}/amd", "StatusCallback": f"{app.url}/status",
            "StatusCallbackEvent": ["ringing", "completed"]})
        assert created.status_code == 201 and created.json()["status"] == "queued"
        sid = created.json()["sid"]
        emu.answer_call(sid, answered_by="machine_end_beep")
        assert emu.wait_for_voice_callbacks(10)
        [amd] = app.requests("/amd")
        assert amd["params"]["AnsweredBy"] == "machine_end_beep"
        assert "AnsweredBy" not in app.requests("/nothing")[0]["params"]  # async: not on the fetch
        assert [r["params"]["CallStatus"] for r in app.requests("/status")] == ["ringing", "completed"]
        listed = client.get(f"/2010-04-01/Accounts/{emu.account_sid}/Calls.json",
                            params={"To": ROSA}).json()["calls"]
        assert [c["sid"] for c in listed] == [sid] and listed[0]["status"] == "completed"
        assert client.get(f"/2010-04-01/Accounts/{emu.account_sid}/Calls.json",
                          params={"To": ANA}).json()["calls"] == []
        assert client.post(f"/2010-04-01/Accounts/{emu.account_sid}/Calls.json",
                           data={"To": ROSA, "From": "+12025550100"}).json()["code"] == 21205
    finally:
        app.close()


def test_the_emulated_call_resource_has_the_specs_fields(emu: TwilioEmulator, spec: dict):
    wanted = set(spec["components"]["schemas"]["api.v2010.account.call"]["properties"])
    client = httpx.Client(base_url=emu.base_url, auth=(emu.account_sid, emu.auth_token))
    created = client.post(f"/2010-04-01/Accounts/{emu.account_sid}/Calls.json", data={
        "To": ROSA, "From": "+12025550100", "Url": "http://127.0.0.1:9/twiml"}).json()
    assert wanted <= set(created)
    fetched = client.get(f"/2010-04-01/Accounts/{emu.account_sid}/Calls/{created['sid']}.json")
    assert fetched.status_code == 200 and fetched.json()["to"] == ROSA
    statuses = set(spec["components"]["schemas"]["call_enum_status"]["enum"])
    assert created["status"] in statuses
