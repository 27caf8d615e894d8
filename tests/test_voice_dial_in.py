"""A caller dials in through the Twilio emulator: PIN prompt, retries, joining the conference,
the moderator leaving, an application error. ``VoiceApp`` (tests/support/voice.py) answers
the emulator's webhooks with TwiML built by ``bot.gateways.twilio_voice``."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from twilio.rest import Client

from bot.calls.rules.when import ScheduleRequest
from bot.calls.service import calls
from bot.dispatch.grammar import parse_declare
from bot.incidents import service as incidents
from bot.sandbox.harness import live_app
from bot.sandbox.twilio import Spoken, TwilioEmulator
from tests.conftest import COORDINATOR
from tests.support.voice import (
    BOT_NUMBER,
    CALL_SID,
    CALLER,
    CONFERENCE,
    CONFERENCE_SID,
    MODERATOR_PIN,
    PIN,
    PROMPT,
    SECOND_CALLER,
    VoiceApp,
    assert_signed,
    join,
    kinds,
)


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
    assert session.spoken == [Spoken("Say", PROMPT, "es-US", "Polly.Lupe")]
    assert session.gathering["num_digits"] == 6 and session.conference is None

    session.press(PIN)
    (pin,) = app.requests("/voice/pin")
    assert pin["params"]["Digits"] == PIN and pin["params"]["CallStatus"] == "in-progress"
    assert session.said()[-1] == "Bienvenido a la llamada de coordinación."
    assert session.conference == CONFERENCE and session.gathering is None
    conference = emu.conferences[CONFERENCE]
    assert CONFERENCE_SID.match(conference.sid) and conference.status == "in-progress"

    events = app.events()
    assert kinds(events) == ["participant-join", "conference-start"]
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
    assert kinds(events) == ["participant-join", "conference-start", "participant-leave", "conference-end"]
    assert [int(event["SequenceNumber"]) for event in events] == [1, 2, 3, 4]
    leave, end = events[2], events[3]
    assert (leave["CallSid"], leave["ReasonParticipantLeft"], leave["ParticipantCallStatus"]) == (
        session.call_sid, "participant_hung_up", "completed")
    assert (end["ReasonConferenceEnded"], end["CallSidEndingConference"]) == (
        "last-participant-left", session.call_sid)
    assert_signed(emu, app.hits)

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
    assert_signed(emu, app.hits)


def test_moderator_leaving_ends_the_call_for_everyone(emu: TwilioEmulator, app: VoiceApp) -> None:
    caller = join(emu, app, CALLER, PIN)
    assert emu.conferences[CONFERENCE].status == "init"  # waiting for a moderator
    assert kinds(app.events()) == ["participant-join"]

    moderator = join(emu, app, SECOND_CALLER, MODERATOR_PIN)
    assert emu.conferences[CONFERENCE].status == "in-progress"
    moderator.hang_up()

    events = app.events()
    assert kinds(events) == ["participant-join", "participant-join", "conference-start",
                              "participant-leave", "participant-leave", "conference-end"]
    assert [(e["CallSid"], e["ReasonParticipantLeft"]) for e in events[3:5]] == [
        (moderator.call_sid, "participant_hung_up"), (caller.call_sid, "moderator_ended_conference")]
    assert events[5]["ReasonConferenceEnded"] == "participant-with-end-conference-on-exit-left"
    assert events[5]["CallSidEndingConference"] == moderator.call_sid
    assert events[5]["ParticipantLabelEndingConference"] == "caller-0002"
    assert caller.ended and moderator.ended  # no TwiML after <Dial>: the caller's call ends too
    assert_signed(emu, app.hits)


def test_application_error_ends_the_call(emu: TwilioEmulator, app: VoiceApp) -> None:
    session = emu.place_call(voice_url=f"{app.url}/broken", from_=CALLER, to=BOT_NUMBER)
    assert session.ended and session.errors and session.twiml == []
    assert "application error" in session.said()[-1]


# ----- the bot's own bridge: the PIN works for the call's whole slot ------------------------------
def test_the_pin_is_accepted_again_after_the_last_caller_hung_up_within_the_slot(settings) -> None:
    with live_app(settings, coordinators=[COORDINATOR]) as live:
        now = live.container.clock.now()
        with live.container.db.unit_of_work() as uow:
            incident = incidents.declare(uow, actor=COORDINATOR, now=now,
                                         draft=parse_declare('flood "River" FL'))
            soon, later = (calls.schedule(
                uow, incident=incident, actor=COORDINATOR, now=now,
                settings=live.container.settings,
                request=ScheduleRequest(starts_at=now + ahead, duration=timedelta(minutes=30),
                                        agenda="", bridge="twilio", recurrence=None,
                                        zone="America/New_York"))[0]
                for ahead in (timedelta(minutes=5), timedelta(hours=2)))
            uow.commit()
            pin, conference, later_pin = soon.pin, soon.conference_name, later.pin
        url, twilio = f"{live.server.url}/twilio/voice", live.twilio

        first = twilio.place_call(voice_url=url, from_=CALLER, to=BOT_NUMBER)
        first.press(pin)
        assert first.conference == conference
        first.hang_up()  # the last (only) caller leaves: Twilio ends the conference
        twilio.wait_for_voice_callbacks(10)
        ended = [e["params"] for e in twilio.conference_callbacks(conference)
                 if e["params"]["StatusCallbackEvent"] == "conference-end"]
        assert [e["ReasonConferenceEnded"] for e in ended] == ["last-participant-left"]

        again = twilio.place_call(voice_url=url, from_=CALLER, to=BOT_NUMBER)
        again.press(pin)
        assert again.conference == conference and again.in_conference
        too_early = twilio.place_call(voice_url=url, from_=SECOND_CALLER, to=BOT_NUMBER)
        too_early.press(later_pin)  # that call's bridge opens 10 minutes before it
        assert too_early.conference is None
        again.hang_up()
        twilio.wait_for_voice_callbacks(10)
        with live.container.db.unit_of_work(read_only=True) as uow:
            assert uow.calls.get(soon.id).status == "scheduled"
            assert len(uow.calls.attendance(soon.id)) == 2
