"""Coordination calls: the voice gateway and its TwiML against the Twilio emulator, over real HTTP.

A small local voice application (``VoiceApp``) answers the emulator's webhooks with TwiML built by
``bot.gateways.twilio_voice``; the emulator plays the caller (``place_call``/``press``/``hang_up``) and
the called parties of dial-outs (``answer``), and posts signed conference and call-progress callbacks.
"""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import httpx
import pytest
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from bot.gateways.twilio_voice import (
    DIAL_OUT_EVENTS,
    SAY_LANGUAGES,
    TwilioVoice,
    ask_for_pin,
    join_conference,
    say_and_hang_up,
    say_language,
)
from bot.i18n.languages import LANGUAGES
from bot.ports import DeliveryError
from bot.sandbox.twilio import Spoken, TwilioEmulator

BOT_NUMBER = "+15557650000"
CALLER = "+15551230001"
SECOND_CALLER = "+15551230002"
LIAISON = "+15551239999"
CONFERENCE = "incident-42"
PIN = "246810"
MODERATOR_PIN = "135790"
PROMPT = "Marque su PIN de seis dígitos."
CALL_SID = re.compile(r"^CA[0-9a-f]{32}$")
CONFERENCE_SID = re.compile(r"^CF[0-9a-f]{32}$")
PARTICIPANTS_PATH = "/2010-04-01/Accounts/{AccountSid}/Conferences/{ConferenceSid}/Participants.json"


@pytest.fixture
def voice(emu: TwilioEmulator) -> TwilioVoice:
    return TwilioVoice(emu.account_sid, emu.auth_token, emu.base_url, BOT_NUMBER)


class VoiceApp:
    """The bot's voice webhooks in miniature: PIN prompt, PIN check, conference join; records every
    request it gets (TwiML fetches, conference events, call-progress callbacks)."""

    def __init__(self, *, language: str = "es", attempts: int = 1, wait_for_moderator: bool = True):
        self.language, self.attempts, self.wait_for_moderator = language, attempts, wait_for_moderator
        self.hits: list[dict] = []
        self.attempts_left: dict[str, int] = {}
        self.lock = threading.Lock()
        app = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                params = dict(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
                with app.lock:
                    app.hits.append({"url": f"{app.url}{self.path}", "path": self.path, "params": params,
                                     "signature": self.headers.get("X-Twilio-Signature")})
                status, body = app.answer(self.path, params)
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def answer(self, path: str, params: dict) -> tuple[int, bytes]:
        call = params.get("CallSid", "")
        if path == "/voice":
            with self.lock:
                self.attempts_left[call] = self.attempts
            return 200, self._pin_prompt(self.attempts).encode()
        if path == "/voice/pin":
            digits = params.get("Digits")
            if digits is None:  # the <Redirect> after a timeout: ask again, one attempt fewer
                with self.lock:
                    self.attempts_left[call] -= 1
                    left = self.attempts_left[call]
                return 200, self._pin_prompt(left).encode()
            if digits in (PIN, MODERATOR_PIN):
                return 200, join_conference(
                    name=CONFERENCE, status_callback=f"{self.url}/conference-events",
                    announce="Bienvenido a la llamada de coordinación.", language=self.language,
                    label=f"caller-{params['From'][-4:]}", moderator=digits == MODERATOR_PIN,
                    wait_for_moderator=self.wait_for_moderator).encode()
            return 200, say_and_hang_up("PIN incorrecto. Adiós.", self.language).encode()
        if path == "/broken":
            return 500, b"oops"
        return 204, b""  # conference events, call progress

    def _pin_prompt(self, attempts_left: int) -> str:
        return ask_for_pin(action_url=f"{self.url}/voice/pin", prompt=PROMPT, language=self.language,
                           attempts_left=attempts_left, no_input="No recibimos su PIN.", goodbye="Adiós.")

    def requests(self, path: str) -> list[dict]:
        with self.lock:
            return [hit for hit in self.hits if hit["path"] == path]

    def events(self) -> list[dict]:
        return [hit["params"] for hit in self.requests("/conference-events")]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def app() -> Iterator[VoiceApp]:
    application = VoiceApp()
    yield application
    application.close()


@pytest.fixture
def open_app() -> Iterator[VoiceApp]:
    """Callers start the conference themselves (no moderator needed)."""
    application = VoiceApp(wait_for_moderator=False)
    yield application
    application.close()


def _assert_signed(emu: TwilioEmulator, hits: list[dict]) -> None:
    validator = RequestValidator(emu.auth_token)
    assert hits
    for hit in hits:
        assert hit["signature"], hit
        assert validator.validate(hit["url"], hit["params"], hit["signature"]), hit


def _kinds(events: list[dict]) -> list[str]:
    return [event["StatusCallbackEvent"] for event in events]


def _raw(emu: TwilioEmulator) -> httpx.Client:
    return httpx.Client(base_url=emu.base_url, auth=(emu.account_sid, emu.auth_token), timeout=10)


def _participants_uri(emu: TwilioEmulator, conference: str) -> str:
    return f"/2010-04-01/Accounts/{emu.account_sid}/Conferences/{conference}/Participants.json"


def _join(emu: TwilioEmulator, app: VoiceApp, caller: str, pin: str):
    session = emu.place_call(voice_url=f"{app.url}/voice", from_=caller, to=BOT_NUMBER)
    session.press(pin)
    assert session.conference == CONFERENCE and session.in_conference
    return session


# ----- a caller dials in -------------------------------------------------------------------------
def test_caller_enters_pin_joins_and_hangs_up(emu: TwilioEmulator, open_app: VoiceApp,
                                              client: Client) -> None:
    app = open_app
    session = emu.place_call(voice_url=f"{app.url}/voice", from_=CALLER, to=BOT_NUMBER)

    (webhook,) = app.requests("/voice")
    assert CALL_SID.match(session.call_sid) and webhook["params"]["CallSid"] == session.call_sid
    assert {name: webhook["params"][name] for name in
            ("From", "To", "Caller", "Called", "CallStatus", "Direction", "AccountSid", "ApiVersion")} == {
        "From": CALLER, "To": BOT_NUMBER, "Caller": CALLER, "Called": BOT_NUMBER, "CallStatus": "ringing",
        "Direction": "inbound", "AccountSid": emu.account_sid, "ApiVersion": "2010-04-01"}
    gather = ET.fromstring(session.twiml[0]).find("Gather")
    assert gather is not None
    assert gather.attrib == {"input": "dtmf", "numDigits": "6", "action": f"{app.url}/voice/pin",
                             "method": "POST", "timeout": "8"}
    assert gather.find("Say").get("language") == "es-US"
    assert session.spoken == [Spoken("Say", PROMPT, "es-US")]
    assert session.gathering["num_digits"] == 6 and session.conference is None

    session.press(PIN)
    (pin,) = app.requests("/voice/pin")
    assert pin["params"]["Digits"] == PIN and pin["params"]["CallStatus"] == "in-progress"
    assert session.said()[-1] == "Bienvenido a la llamada de coordinación."
    assert session.conference == CONFERENCE and session.gathering is None
    conference = emu.conferences[CONFERENCE]
    assert CONFERENCE_SID.match(conference.sid) and conference.status == "in-progress"

    events = app.events()
    assert _kinds(events) == ["participant-join", "conference-start"]
    join = events[0]
    assert {name: join[name] for name in ("ConferenceSid", "FriendlyName", "AccountSid", "CallSid", "Muted",
                                          "Hold", "Coaching", "StartConferenceOnEnter",
                                          "EndConferenceOnExit", "ParticipantLabel")} == {
        "ConferenceSid": conference.sid, "FriendlyName": CONFERENCE, "AccountSid": emu.account_sid,
        "CallSid": session.call_sid, "Muted": "false", "Hold": "false", "Coaching": "false",
        "StartConferenceOnEnter": "true", "EndConferenceOnExit": "false", "ParticipantLabel": "caller-0001"}
    assert join["Timestamp"].endswith("+0000")
    assert "CallSid" not in events[1]

    (listed,) = client.conferences.list(friendly_name=CONFERENCE, status="in-progress")
    assert listed.sid == conference.sid
    assert [p.call_sid for p in client.conferences(conference.sid).participants.list()] == [session.call_sid]

    session.hang_up()
    events = app.events()
    assert _kinds(events) == ["participant-join", "conference-start", "participant-leave", "conference-end"]
    assert [int(event["SequenceNumber"]) for event in events] == [1, 2, 3, 4]
    leave, end = events[2], events[3]
    assert (leave["CallSid"], leave["ReasonParticipantLeft"], leave["ParticipantCallStatus"]) == (
        session.call_sid, "participant_hung_up", "completed")
    assert (end["ReasonConferenceEnded"], end["CallSidEndingConference"]) == (
        "last-participant-left", session.call_sid)
    _assert_signed(emu, app.hits)

    fetched = client.conferences(conference.sid).fetch()
    assert (fetched.status, fetched.reason_conference_ended, fetched.call_sid_ending_conference) == (
        "completed", "last-participant-left", session.call_sid)
    assert client.conferences(conference.sid).participants.list() == []  # live participants only
    assert session.ended and session.status == "completed" and not session.in_conference
    (participant,) = conference.participants
    assert (participant.call_sid, participant.from_, participant.label) == (session.call_sid, CALLER,
                                                                            "caller-0001")
    assert participant.joined_at is not None and participant.left_at >= participant.joined_at
    assert [entry["kind"] for entry in emu.voice_callbacks].count("conference") == 4
    assert all(entry["status"] == 204 for entry in emu.conference_callbacks(CONFERENCE))


def test_no_input_asks_again_then_hangs_up(emu: TwilioEmulator, app: VoiceApp) -> None:
    session = emu.place_call(voice_url=f"{app.url}/voice", from_=CALLER, to=BOT_NUMBER)
    first = ET.fromstring(session.twiml[0])
    assert first.find("Redirect").text == f"{app.url}/voice/pin" and first.find("Hangup") is None

    session.no_input()  # "No recibimos su PIN.", then <Redirect> -> asked again, last attempt
    retry = app.requests("/voice/pin")[-1]
    assert "Digits" not in retry["params"]
    second = ET.fromstring(session.twiml[1])
    assert second.find("Redirect") is None and second.find("Hangup") is not None
    assert session.gathering is not None and not session.ended

    session.no_input()
    assert session.ended and session.conference is None
    assert session.said() == [PROMPT, "No recibimos su PIN.", PROMPT, "No recibimos su PIN.", "Adiós."]
    with pytest.raises(RuntimeError):
        session.press(PIN)

    wrong = emu.place_call(voice_url=f"{app.url}/voice", from_=SECOND_CALLER, to=BOT_NUMBER)
    wrong.press("000000#")
    assert app.requests("/voice/pin")[-1]["params"]["Digits"] == "000000"
    assert wrong.ended and wrong.said()[-1] == "PIN incorrecto. Adiós."
    assert app.events() == []
    _assert_signed(emu, app.hits)


def test_moderator_leaving_ends_the_call_for_everyone(emu: TwilioEmulator, app: VoiceApp) -> None:
    caller = _join(emu, app, CALLER, PIN)
    assert emu.conferences[CONFERENCE].status == "init"  # waiting for a moderator
    assert _kinds(app.events()) == ["participant-join"]

    moderator = _join(emu, app, SECOND_CALLER, MODERATOR_PIN)
    assert emu.conferences[CONFERENCE].status == "in-progress"
    moderator.hang_up()

    events = app.events()
    assert _kinds(events) == ["participant-join", "participant-join", "conference-start",
                              "participant-leave", "participant-leave", "conference-end"]
    assert [(e["CallSid"], e["ReasonParticipantLeft"]) for e in events[3:5]] == [
        (moderator.call_sid, "participant_hung_up"), (caller.call_sid, "moderator_ended_conference")]
    assert events[5]["ReasonConferenceEnded"] == "participant-with-end-conference-on-exit-left"
    assert events[5]["CallSidEndingConference"] == moderator.call_sid
    assert events[5]["ParticipantLabelEndingConference"] == "caller-0002"
    assert caller.ended and moderator.ended  # no TwiML after <Dial>: the caller's call ends too
    _assert_signed(emu, app.hits)


def test_application_error_ends_the_call(emu: TwilioEmulator, app: VoiceApp) -> None:
    session = emu.place_call(voice_url=f"{app.url}/broken", from_=CALLER, to=BOT_NUMBER)
    assert session.ended and session.errors and session.twiml == []
    assert "application error" in session.said()[-1]


# ----- dial-outs ---------------------------------------------------------------------------------
def test_dial_out_joins_and_leaves_when_the_conference_ends(emu: TwilioEmulator, app: VoiceApp,
                                                             voice: TwilioVoice, spec: dict) -> None:
    caller = _join(emu, app, CALLER, PIN)
    conference = emu.conferences[CONFERENCE]

    call_sid = voice.dial_out(conference=CONFERENCE, to=LIAISON, label="fema-liaison",
                              status_callback=f"{app.url}/call-status")
    assert CALL_SID.match(call_sid)
    create = emu.requests[-1]
    assert (create["method"], create["path"], create["status"]) == (
        "POST", _participants_uri(emu, CONFERENCE), 201)
    sent = create["params"]
    assert set(sent) == {"From", "To", "Label", "StatusCallback", "StatusCallbackEvent", "Timeout", "Beep"}
    request_schema = spec["paths"][PARTICIPANTS_PATH]["post"]["requestBody"]["content"][
        "application/x-www-form-urlencoded"]["schema"]
    assert set(sent) <= set(request_schema["properties"]) and "ignored_params" not in create
    assert {"From", "To"} <= set(sent) and set(request_schema["required"]) == {"From", "To"}
    assert (sent["From"], sent["To"], sent["Label"], sent["Timeout"], sent["Beep"]) == (
        BOT_NUMBER, LIAISON, "fema-liaison", "60", "onEnter")
    assert sent["StatusCallbackEvent"] == DIAL_OUT_EVENTS  # a repeated form field

    with _raw(emu) as raw:
        fetched = raw.get(_participants_uri(emu, conference.sid).replace(".json", f"/{call_sid}.json"))
    participant = fetched.json()
    schema = spec["components"]["schemas"]["api.v2010.account.conference.participant"]
    assert set(participant) == set(schema["properties"])
    assert (participant["call_sid"], participant["conference_sid"], participant["label"],
            participant["status"], participant["muted"], participant["start_conference_on_enter"]) == (
        call_sid, conference.sid, "fema-liaison", "queued", False, True)

    assert emu.wait_for_voice_callbacks(10)
    assert [hit["params"]["CallStatus"] for hit in app.requests("/call-status")] == ["initiated"]

    emu.answer(call_sid)
    assert [hit["params"]["CallStatus"] for hit in app.requests("/call-status")] == [
        "initiated", "ringing", "in-progress"]
    events = app.events()
    assert _kinds(events) == ["participant-join", "participant-join", "conference-start"]
    assert (events[1]["CallSid"], events[1]["ParticipantLabel"]) == (call_sid, "fema-liaison")
    assert conference.status == "in-progress"

    emu.end_conference(CONFERENCE)
    assert emu.wait_for_voice_callbacks(10)
    events = app.events()
    assert _kinds(events)[3:] == ["participant-leave", "participant-leave", "conference-end"]
    assert {e["CallSid"] for e in events[3:5]} == {caller.call_sid, call_sid}
    assert {e["ReasonParticipantLeft"] for e in events[3:5]} == {"conference_ended_via_api"}
    assert events[5]["ReasonConferenceEnded"] == "conference-ended-via-api"
    assert [int(e["SequenceNumber"]) for e in events] == list(range(1, 7))
    final = app.requests("/call-status")[-1]["params"]
    assert (final["CallStatus"], final["CallSid"]) == ("completed", call_sid) and "CallDuration" in final
    assert conference.status == "completed" and caller.ended
    _assert_signed(emu, app.hits)


def test_dial_out_creates_the_conference_by_name(emu: TwilioEmulator, app: VoiceApp, voice: TwilioVoice,
                                                 client: Client, spec: dict) -> None:
    name = "ICCT standby/7"  # a friendly name needing URL escaping
    call_sid = voice.dial_out(conference=name, to=LIAISON, label=None,
                              status_callback=f"{app.url}/call-status",
                              conference_status_callback=f"{app.url}/conference-events")
    sent = emu.requests[-1]["params"]
    request_schema = spec["paths"][PARTICIPANTS_PATH]["post"]["requestBody"]["content"][
        "application/x-www-form-urlencoded"]["schema"]
    assert {"ConferenceStatusCallback", "ConferenceStatusCallbackEvent"} <= set(sent)
    assert set(sent) <= set(request_schema["properties"]) and "Label" not in sent

    (created,) = client.conferences.list(friendly_name=name)
    assert created.status == "init" and created.sid == emu.conferences[name].sid
    assert client.conferences.list(friendly_name=name, status="in-progress") == []
    assert [p.status for p in client.conferences(created.sid).participants.list()] == ["queued"]

    emu.fail_participant(call_sid, status="no-answer")
    final = app.requests("/call-status")[-1]["params"]
    assert (final["CallSid"], final["CallStatus"]) == (call_sid, "no-answer")
    assert client.conferences(created.sid).fetch().status == "completed"
    assert app.events() == []  # nobody joined: no conference events

    second = voice.dial_out(conference=name, to=LIAISON, label="liaison", status_callback=None,
                            conference_status_callback=f"{app.url}/conference-events")
    assert emu.conferences[name].sid != created.sid  # a new conference with the same name
    emu.answer(second)
    emu.hang_up_participant(second)
    assert _kinds(app.events()) == ["participant-join", "conference-start", "participant-leave",
                                    "conference-end"]
    _assert_signed(emu, app.hits)


def test_rest_responses_have_the_specs_fields(emu: TwilioEmulator, spec: dict) -> None:
    schemas = spec["components"]["schemas"]
    paths = spec["paths"]

    def list_fields(path: str) -> set[str]:
        content = paths[path]["get"]["responses"]["200"]["content"]
        return set(content["application/json"]["schema"]["properties"])

    with _raw(emu) as raw:
        created = raw.post(_participants_uri(emu, CONFERENCE),
                           data={"From": BOT_NUMBER, "To": LIAISON, "Label": "liaison", "Muted": "true"})
        assert created.status_code == 201
        participant = created.json()
        assert set(participant) == set(schemas["api.v2010.account.conference.participant"]["properties"])
        assert (participant["status"], participant["muted"], participant["hold"], participant["coaching"],
                participant["end_conference_on_exit"], participant["queue_time"]) == (
            "queued", True, False, False, False, "0")
        assert participant["uri"] == (f"/2010-04-01/Accounts/{emu.account_sid}/Conferences/"
                                      f"{participant['conference_sid']}/Participants/{participant['call_sid']}.json")
        conferences = raw.get(f"/2010-04-01/Accounts/{emu.account_sid}/Conferences.json",
                              params={"FriendlyName": CONFERENCE}).json()
        assert set(conferences) == list_fields("/2010-04-01/Accounts/{AccountSid}/Conferences.json")
        (conference,) = conferences["conferences"]
        assert set(conference) == set(schemas["api.v2010.account.conference"]["properties"])
        assert (conference["sid"], conference["status"], conference["friendly_name"]) == (
            participant["conference_sid"], "init", CONFERENCE)
        listed = raw.get(_participants_uri(emu, conference["sid"]), params={"Muted": "true"}).json()
        assert set(listed) == list_fields(PARTICIPANTS_PATH)
        assert [p["call_sid"] for p in listed["participants"]] == [participant["call_sid"]]
        assert raw.get(_participants_uri(emu, conference["sid"]), params={"Muted": "false"}).json()[
            "participants"] == []
        by_label = raw.get(_participants_uri(emu, conference["sid"]).replace(".json", "/liaison.json"))
        assert by_label.json()["call_sid"] == participant["call_sid"]
        ended = raw.post(conference["uri"], data={"Status": "completed"}).json()
        assert (ended["status"], ended["reason_conference_ended"]) == (
            "completed", "conference-ended-via-api")
        assert raw.post(conference["uri"], data={"Status": "in-progress"}).status_code == 400
        assert raw.get(conference["uri"].replace(conference["sid"], "CF" + "0" * 32)).status_code == 404
    assert emu.wait_for_voice_callbacks(10)


# ----- errors ------------------------------------------------------------------------------------
def test_refusals_become_delivery_errors(emu: TwilioEmulator, voice: TwilioVoice) -> None:
    with pytest.raises(DeliveryError) as invalid:
        voice.dial_out(conference=CONFERENCE, to="555-1234", label="x", status_callback=None)
    assert (invalid.value.code, invalid.value.permanent) == ("21211", True)

    emu.fail_next(1, status=429, code=20429)
    with pytest.raises(DeliveryError) as limited:
        voice.dial_out(conference=CONFERENCE, to=LIAISON, label="x", status_callback=None)
    assert (limited.value.code, limited.value.permanent, limited.value.retry_after) == ("20429", False, 1.0)

    emu.fail_next(1, status=500, code=20500)
    with pytest.raises(DeliveryError) as server:
        voice.dial_out(conference=CONFERENCE, to=LIAISON, label="x", status_callback=None)
    assert server.value.permanent is False

    with pytest.raises(DeliveryError) as unknown:
        voice.dial_out(conference="CF" + "0" * 32, to=LIAISON, label="x", status_callback=None)
    assert (unknown.value.code, unknown.value.permanent) == ("20404", True)

    with _raw(emu) as raw:
        no_to = raw.post(_participants_uri(emu, CONFERENCE), data={"From": BOT_NUMBER})
        no_from = raw.post(_participants_uri(emu, CONFERENCE), data={"To": LIAISON})
        bad_timeout = raw.post(_participants_uri(emu, CONFERENCE),
                               data={"From": BOT_NUMBER, "To": LIAISON, "Timeout": "1000"})
    assert (no_to.status_code, no_to.json()["code"]) == (400, 21604)
    assert (no_from.status_code, no_from.json()["code"]) == (400, 21603)
    assert no_to.json()["more_info"] == "https://www.twilio.com/docs/errors/21604"
    assert bad_timeout.status_code == 400
    assert CONFERENCE not in emu.conferences  # nothing was created by refused requests

    with pytest.raises(KeyError):
        emu.answer("CA" + "0" * 32)


# ----- TwiML builders ----------------------------------------------------------------------------
def test_pin_prompt_twiml() -> None:
    last = ET.fromstring(ask_for_pin(action_url="https://bot.example/voice/pin", prompt="Enter your PIN",
                                     language="en", attempts_left=0))
    assert [child.tag for child in last] == ["Gather", "Say", "Say", "Hangup"]
    gather = last.find("Gather")
    assert (gather.get("numDigits"), gather.get("input"), gather.get("method"), gather.get("timeout")) == (
        "6", "dtmf", "POST", "8")
    assert gather.find("Say").attrib == {"language": "en-US"} and gather.find("Say").text == "Enter your PIN"

    again = ET.fromstring(ask_for_pin(action_url="https://bot.example/voice/pin", prompt="Nhập mã PIN",
                                      language="vi", attempts_left=2, retry_url="https://bot.example/voice"))
    assert [child.tag for child in again] == ["Gather", "Say", "Redirect"]
    assert again.find("Redirect").attrib == {"method": "POST"}
    assert again.find("Redirect").text == "https://bot.example/voice"
    assert {say.get("language") for say in again.iter("Say")} == {"vi-VN"}


def test_join_conference_twiml() -> None:
    root = ET.fromstring(join_conference(name="incident-42", status_callback="https://bot.example/events",
                                         announce="Bienvenue", language="ht", label="kreyol-1",
                                         moderator=True))
    assert [child.tag for child in root] == ["Say", "Dial"]
    assert root.find("Say").get("language") == "fr-FR"  # no Haitian Creole voice: French fallback
    conference = root.find("Dial/Conference")
    assert conference.text == "incident-42"
    assert conference.attrib == {
        "statusCallback": "https://bot.example/events", "statusCallbackEvent": "start end join leave",
        "statusCallbackMethod": "POST", "startConferenceOnEnter": "true", "endConferenceOnExit": "true",
        "beep": "onEnter", "participantLabel": "kreyol-1", "muted": "false"}

    listener = ET.fromstring(join_conference(name="incident-42", status_callback="https://bot.example/events",
                                             announce="", language="en", label=None, muted=True))
    assert [child.tag for child in listener] == ["Dial"]
    attrs = listener.find("Dial/Conference").attrib
    assert (attrs["muted"], attrs["startConferenceOnEnter"], attrs["endConferenceOnExit"]) == (
        "true", "false", "false")
    assert "participantLabel" not in attrs

    bye = ET.fromstring(say_and_hang_up("再见", "zh"))
    assert [child.tag for child in bye] == ["Say", "Hangup"] and bye.find("Say").get("language") == "cmn-CN"


def test_every_language_has_a_say_language() -> None:
    assert set(SAY_LANGUAGES) == set(LANGUAGES)
    assert (say_language("es-US"), say_language("AR"), say_language("tl"), say_language("ht")) == (
        "es-US", "arb", "fil-PH", "fr-FR")
    with pytest.raises(ValueError):
        say_language("xx")
