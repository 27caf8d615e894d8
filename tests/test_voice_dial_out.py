"""The voice gateway dialling out (``TwilioVoice.dial_out``) against the Twilio emulator: joining
and ending conferences, the REST responses' fields against the official spec, refusals as
``DeliveryError``."""

from __future__ import annotations

import pytest
from twilio.rest import Client

from bot.gateways.twilio_voice import (
    DIAL_OUT_EVENTS,
    TwilioVoice,
)
from bot.ports import DeliveryError, OutcomeUnknown
from bot.sandbox.twilio import TwilioEmulator
from tests.support.twilio import raw_client
from tests.support.voice import (
    BOT_NUMBER,
    CALL_SID,
    CALLER,
    CONFERENCE,
    LIAISON,
    PARTICIPANTS_PATH,
    PIN,
    VoiceApp,
    assert_signed,
    join,
    kinds,
    participants_uri,
)


@pytest.fixture
def voice(emu: TwilioEmulator) -> TwilioVoice:
    return TwilioVoice(emu.account_sid, emu.auth_token, emu.base_url, BOT_NUMBER)


# ----- dial-outs ---------------------------------------------------------------------------------
def test_dial_out_joins_and_leaves_when_the_conference_ends(emu: TwilioEmulator, app: VoiceApp,
                                                             voice: TwilioVoice, spec: dict) -> None:
    caller = join(emu, app, CALLER, PIN)
    conference = emu.conferences[CONFERENCE]

    call_sid = voice.dial_out(conference=CONFERENCE, to=LIAISON, label="fema-liaison",
                              status_callback=f"{app.url}/call-status")
    assert CALL_SID.match(call_sid)
    create = emu.requests[-1]
    assert (create["method"], create["path"], create["status"]) == (
        "POST", participants_uri(emu, CONFERENCE), 201)
    sent = create["params"]
    assert set(sent) == {"From", "To", "Label", "StatusCallback", "StatusCallbackEvent", "Timeout", "Beep"}
    request_schema = spec["paths"][PARTICIPANTS_PATH]["post"]["requestBody"]["content"][
        "application/x-www-form-urlencoded"]["schema"]
    assert set(sent) <= set(request_schema["properties"]) and "ignored_params" not in create
    assert {"From", "To"} <= set(sent) and set(request_schema["required"]) == {"From", "To"}
    assert (sent["From"], sent["To"], sent["Label"], sent["Timeout"], sent["Beep"]) == (
        BOT_NUMBER, LIAISON, "fema-liaison", "60", "onEnter")
    assert sent["StatusCallbackEvent"] == DIAL_OUT_EVENTS  # a repeated form field

    with raw_client(emu) as raw:
        fetched = raw.get(participants_uri(emu, conference.sid).replace(".json", f"/{call_sid}.json"))
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
    assert kinds(events) == ["participant-join", "participant-join", "conference-start"]
    assert (events[1]["CallSid"], events[1]["ParticipantLabel"]) == (call_sid, "fema-liaison")
    assert conference.status == "in-progress"

    emu.end_conference(CONFERENCE)
    assert emu.wait_for_voice_callbacks(10)
    events = app.events()
    assert kinds(events)[3:] == ["participant-leave", "participant-leave", "conference-end"]
    assert {e["CallSid"] for e in events[3:5]} == {caller.call_sid, call_sid}
    assert {e["ReasonParticipantLeft"] for e in events[3:5]} == {"conference_ended_via_api"}
    assert events[5]["ReasonConferenceEnded"] == "conference-ended-via-api"
    assert [int(e["SequenceNumber"]) for e in events] == list(range(1, 7))
    final = app.requests("/call-status")[-1]["params"]
    assert (final["CallStatus"], final["CallSid"]) == ("completed", call_sid) and "CallDuration" in final
    assert conference.status == "completed" and caller.ended
    assert_signed(emu, app.hits)


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
    assert kinds(app.events()) == ["participant-join", "conference-start", "participant-leave",
                                    "conference-end"]
    assert_signed(emu, app.hits)


def test_rest_responses_have_the_specs_fields(emu: TwilioEmulator, spec: dict) -> None:
    schemas = spec["components"]["schemas"]
    paths = spec["paths"]

    def list_fields(path: str) -> set[str]:
        content = paths[path]["get"]["responses"]["200"]["content"]
        return set(content["application/json"]["schema"]["properties"])

    with raw_client(emu) as raw:
        created = raw.post(participants_uri(emu, CONFERENCE),
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
        listed = raw.get(participants_uri(emu, conference["sid"]), params={"Muted": "true"}).json()
        assert set(listed) == list_fields(PARTICIPANTS_PATH)
        assert [p["call_sid"] for p in listed["participants"]] == [participant["call_sid"]]
        assert raw.get(participants_uri(emu, conference["sid"]), params={"Muted": "false"}).json()[
            "participants"] == []
        by_label = raw.get(participants_uri(emu, conference["sid"]).replace(".json", "/liaison.json"))
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

    with raw_client(emu) as raw:
        no_to = raw.post(participants_uri(emu, CONFERENCE), data={"From": BOT_NUMBER})
        no_from = raw.post(participants_uri(emu, CONFERENCE), data={"To": LIAISON})
        bad_timeout = raw.post(participants_uri(emu, CONFERENCE),
                               data={"From": BOT_NUMBER, "To": LIAISON, "Timeout": "1000"})
    assert (no_to.status_code, no_to.json()["code"]) == (400, 21604)
    assert (no_from.status_code, no_from.json()["code"]) == (400, 21603)
    assert no_to.json()["more_info"] == "https://www.twilio.com/docs/errors/21604"
    assert bad_timeout.status_code == 400
    assert CONFERENCE not in emu.conferences  # nothing was created by refused requests

    with pytest.raises(KeyError):
        emu.answer("CA" + "0" * 32)


def test_a_dialled_participant_is_found_by_its_label(emu: TwilioEmulator, app: VoiceApp,
                                                      voice: TwilioVoice) -> None:
    join(emu, app, CALLER, PIN)
    call_sid = voice.dial_out(conference=CONFERENCE, to=LIAISON, label="contact-7",
                              status_callback=None)
    assert voice.find_participant(conference=CONFERENCE, label="contact-7") == call_sid
    assert voice.find_participant(conference=CONFERENCE, label="contact-8") is None
    assert voice.find_participant(conference="no-such-call", label="contact-7") is None


def test_a_server_error_on_dial_out_is_an_unknown_outcome_to_look_up(
        emu: TwilioEmulator, app: VoiceApp, voice: TwilioVoice) -> None:
    join(emu, app, CALLER, PIN)
    emu.fail_next(1, status=500, code=20500)
    with pytest.raises(OutcomeUnknown):
        voice.dial_out(conference=CONFERENCE, to=LIAISON, label="contact-7", status_callback=None)
    emu.fail_next(1, status=503, code=20503)
    with pytest.raises(DeliveryError) as refused:
        voice.dial_out(conference=CONFERENCE, to=LIAISON, label="contact-7", status_callback=None)
    assert not isinstance(refused.value, OutcomeUnknown) and not refused.value.permanent
