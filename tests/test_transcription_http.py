"""Live transcription of the bridge over real HTTP: three callers dial the Twilio emulator into a
transcribed call (English, Spanish, and one who presses 9 to decline), the emulator's callers
speak, and its transcription events reach the app shuffled and twice; each final line is stored
once, under its speaker, in its language, in the order spoken, and nothing of the caller who
declined; the drafted notes show each final line once, in order, under its speaker's turn.
Forged, replayed and malformed callbacks are refused or change nothing."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from bot.db.models import TranscriptionChoice, TranscriptSegment
from bot.directory.rules.contacts import ContactRecord
from bot.i18n.voice import prompt
from bot.notes.service.draft import draft
from tests.support.hostile import post_twilio
from tests.support.scenario import hosted_call, import_people
from tests.support.voice import BOT_NUMBER

ANA, JOHN, DECLINER = "+13055550101", "+13055550102", "+13055550103"
PEOPLE = [
    ContactRecord(name="Ana Ruiz", organisation="Casa Esperanza", phone=ANA, language="es",
                  regions=("FL",)),
    ContactRecord(name="John Park", organisation="Red Cross", phone=JOHN, language="en",
                  regions=("FL",)),
    ContactRecord(name="Lee Quiet", organisation="Tenants Union", phone=DECLINER, language="en",
                  regions=("FL",)),
]


@pytest.fixture
def live(live_coordinated):
    return live_coordinated


def transcribed_call(live):
    """A hosted call scheduled with ``transcribe``, started a minute ago: (call id, PIN, start)."""
    import_people(live.container, PEOPLE)
    call = hosted_call(live.container, transcribe=True,
                       starts_at=live.container.clock.now() - timedelta(minutes=1))
    return call.id, call.pin, call.starts_at


def dial_in(live, phone, pin):
    caller = live.twilio.place_call(voice_url=f"{live.server.url}/twilio/voice", from_=phone,
                                    to=BOT_NUMBER)
    caller.press(pin)
    return caller


def lines(live, call_id):
    with live.container.db.unit_of_work(read_only=True) as uow:
        return [(s.speaker, s.language, s.text, s.offset_s)
                for s in uow.transcripts.finals_for_call(call_id)]


def stored(live, model=TranscriptSegment):
    with live.container.db.unit_of_work(read_only=True) as uow:
        return uow.session.query(model).count()


def assert_drafted(live, call_id, finals, *, declined):
    """The notes' "What was said": each final line once, in the order spoken, under its
    speaker's turn and marked with its language; nothing of the caller who declined."""
    with live.container.db.unit_of_work(read_only=True) as uow:
        text = draft(uow, uow.calls.get(call_id), settings=live.container.settings)
    section = text[text.index("What was said"):]
    assert all(section.count(line) == 1 for line in finals)
    assert [section.index(line) for line in finals] == sorted(section.index(line)
                                                               for line in finals)
    assert declined not in text and "Lee Quiet" not in section
    assert section.index("John Park (Red Cross)") < section.index(f"[en] {finals[0]}") \
        < section.index("Ana Ruiz (Casa Esperanza)") < section.index(f"[es] {finals[1]}") \
        < section.rindex("John Park (Red Cross)") < section.index(f"[en] {finals[2]}")


def start_of(twiml: str) -> dict | None:
    found = ET.fromstring(twiml).find("Start/Transcription")
    return None if found is None else dict(found.attrib)


def test_two_callers_transcribed_one_declined_shuffled_and_redelivered_events(live):
    call_id, pin, starts_at = transcribed_call(live)
    ana, john, quiet = (dial_in(live, phone, pin) for phone in (ANA, JOHN, DECLINER))
    for caller, language in ((ana, "es"), (john, "en"), (quiet, "en")):
        assert caller.said()[-1] == prompt("transcribed", language)  # inside the 1-key Gather
        assert caller.gathering["num_digits"] == 1 and caller.conference is None
    ana.no_input()  # the default: transcribed
    john.press("1")  # any key but 9: transcribed
    quiet.press("9")
    assert all(c.in_conference for c in (ana, john, quiet))
    assert quiet.said()[-1] == prompt("not_transcribed", "en")
    assert start_of(quiet.twiml[-1]) is None and len(live.twilio.transcriptions) == 2
    start = start_of(ana.twiml[-1])
    assert start == {"name": f"coordbot-{ana.call_sid}", "track": "inbound_track",
                     "statusCallbackUrl": f"{live.server.url}/twilio/voice/transcription"
                                          f"?c={call_id}",
                     "statusCallbackMethod": "POST", "languageCode": "es-US",
                     "partialResults": "true"}
    assert start_of(john.twiml[-1])["languageCode"] == "en-US"
    with live.container.db.unit_of_work(read_only=True) as uow:
        assert {sid: uow.transcripts.choice(sid).declined for sid in
                (ana.call_sid, john.call_sid, quiet.call_sid)} == {
            ana.call_sid: False, john.call_sid: False, quiet.call_sid: True}

    at = starts_at + timedelta(minutes=2)
    said = [(john, "We opened the shelter on Main Street last night.", 0),
            (ana, "Necesitamos agua potable en el refugio de Hialeah.", 20),
            (quiet, "Please do not write this down.", 30),
            (john, "Action item for the county: send two water trucks.", 45)]
    for caller, text, seconds in said:
        live.twilio.say(caller.call_sid, text, at=at + timedelta(seconds=seconds),
                        deliver_now=False)
    live.twilio.deliver_transcription(order="shuffled", duplicate=True, seed=7)

    sent = [e for e in live.twilio.transcription_callbacks()
            if e["params"]["TranscriptionEvent"] == "transcription-content"]
    assert all(e["status"] == 204 for e in live.twilio.transcription_callbacks())
    assert {e["params"]["CallSid"] for e in sent} == {ana.call_sid, john.call_sid}
    assert len(sent) == 2 * len({(e["params"]["TranscriptionSid"], e["params"]["SequenceId"])
                                 for e in sent})  # every event delivered twice
    assert stored(live) == len(sent) // 2  # partials and finals, each once
    assert lines(live, call_id) == [
        ("John Park (Red Cross)", "en-US", said[0][1], 120),
        ("Ana Ruiz (Casa Esperanza)", "es-US", said[1][1], 140),
        ("John Park (Red Cross)", "en-US", said[3][1], 165)]

    # A replay (the same signed request, the same idempotency token) changes nothing.
    first = sent[0]
    assert post_twilio(live, f"/twilio/voice/transcription?c={call_id}",
                       first["params"]).status_code == 204
    # A forged callback is refused before anything is read.
    forged = {**first["params"], "SequenceId": "99",
              "TranscriptionData": json.dumps({"transcript": "forged", "confidence": 1})}
    assert post_twilio(live, f"/twilio/voice/transcription?c={call_id}", forged,
                       signed=False).status_code == 401
    # The caller who declined: a (signed) event for their leg is dropped.
    theirs = {**forged, "CallSid": quiet.call_sid, "TranscriptionSid": "GT" + "1" * 32}
    assert post_twilio(live, f"/twilio/voice/transcription?c={call_id}",
                       theirs).status_code == 204
    # Malformed: a 400 saying what is wrong, never a 500.
    for broken in ({**forged, "TranscriptionData": "{not json"}, {**forged, "SequenceId": "x"},
                   {**forged, "Final": "maybe"}, {"TranscriptionEvent": "transcription-content"},
                   {**forged, "Timestamp": "yesterday"}):
        response = post_twilio(live, f"/twilio/voice/transcription?c={call_id}", broken)
        assert response.status_code == 400 and "bad transcription event" in response.text
    assert stored(live) == len(sent) // 2 and len(lines(live, call_id)) == 3
    assert_drafted(live, call_id, [said[0][1], said[1][1], said[3][1]], declined=said[2][1])

    for caller in (ana, john, quiet):
        caller.hang_up()
    live.twilio.wait_for_voice_callbacks(10)
    stopped = [e for e in live.twilio.transcription_callbacks()
               if e["params"]["TranscriptionEvent"] == "transcription-stopped"]
    assert len(stopped) == 2 and all(e["status"] == 204 for e in stopped)
    assert stored(live, TranscriptionChoice) == 3


def test_a_call_without_transcription_asks_nothing_and_starts_nothing(live):
    import_people(live.container, PEOPLE[:1])
    call = hosted_call(live.container, starts_at=live.container.clock.now())
    pin = call.pin
    ana = dial_in(live, ANA, pin)
    assert ana.in_conference and start_of(ana.twiml[-1]) is None
    assert prompt("transcribed", "es") not in ana.said()
    assert live.twilio.transcriptions == {}
    # The announcement's answer URL of a call not transcribed puts nobody through.
    answer = {"CallSid": ana.call_sid, "From": ANA, "Digits": "1"}
    response = post_twilio(live, f"/twilio/voice/transcription-choice?c={call.id}", answer)
    assert response.status_code == 200 and "<Hangup" in response.text
    assert post_twilio(live, f"/twilio/voice/transcription-choice?c={call.id}", answer,
                       signed=False).status_code == 401
    ana.hang_up()
