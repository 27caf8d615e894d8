"""Transcribed calls at the service layer: ``transcribe`` when scheduling (command, form, the
office's default), each caller's answer to the announcement, Twilio's events stored once per line
under the right speaker and language and in the order spoken, whatever order and however often
they arrive; nothing stored for a caller who declined or a leg never transcribed; the rules that
read the events and name the speakers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from bot.calls.forms import schedule_text
from bot.calls.rules import transcription as rules
from bot.calls.rules.when import parse_schedule
from bot.calls.service import bridge, transcription
from bot.db.models import TranscriptSegment
from bot.directory.rules.contacts import ContactRecord
from bot.errors import InvalidInput
from tests.support.scenario import call as call_command
from tests.support.scenario import declared_with_contacts

ANA, JOHN, QUIET, STRANGER = "+13055550101", "+13055550102", "+13055550103", "+13055550104"
PEOPLE = [
    ContactRecord(name="Ana Ruiz", organisation="Casa Esperanza", phone=ANA, language="es",
                  regions=("FL",)),
    ContactRecord(name="John Park", organisation="Red Cross", phone=JOHN, language="en",
                  regions=("FL",)),
    ContactRecord(name="Lee Quiet", phone=QUIET, language="ht", regions=("FL",)),
]
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


def sid(prefix: str, number: int) -> str:
    return f"{prefix}{number:032x}"


@pytest.fixture
def call(container):
    commands = declared_with_contacts(container, PEOPLE)
    reply = call_command(commands, "schedule 2026-11-28 15:00 America/New_York transcribe")
    assert "It is transcribed for the notes" in reply and "press 9" in reply
    with container.db.unit_of_work(read_only=True) as uow:
        [scheduled] = uow.calls.for_incident(uow.incidents.by_key("INC-2026-0001").id)
        assert scheduled.transcribe
        return SimpleNamespace(id=scheduled.id, pin=scheduled.pin, starts_at=scheduled.starts_at)


def admit(container, call, phone, number, digits):
    """The caller on line ``number`` keys the PIN, then ``digits`` after the announcement."""
    call_sid = sid("CA", number)
    _, admitted = bridge.answer_pin(container.db, digits=call.pin, call_sid=call_sid, phone=phone,
                                    now=call.starts_at, settings=container.settings)
    assert admitted is not None and admitted.transcribe
    leg = transcription.choose(container.db, call_id=call.id, call_sid=call_sid, phone=phone,
                               digits=digits, now=call.starts_at, settings=container.settings)
    return call_sid, leg


def event(call_sid, number, sequence, text, *, final=True, at=None, kind="transcription-content",
          language="en-US"):
    form = {"AccountSid": sid("AC", 0), "CallSid": call_sid, "TranscriptionSid": sid("GT", number),
            "SequenceId": str(sequence), "TranscriptionEvent": kind,
            "Timestamp": (at or NOW).strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
    if kind == "transcription-content":
        form.update(TranscriptionData=json.dumps({"transcript": text, "confidence": 0.9}),
                    Final=str(final).lower(), LanguageCode=language, Track="inbound_track")
    return rules.read_event(form)


def record(container, call, parsed, call_id=None):
    return transcription.record(container.db, parsed, call_id=call_id or call.id,
                                now=call.starts_at, settings=container.settings)


def test_callers_choose_and_their_lines_are_stored_once_in_the_order_spoken(container, call):
    ana, leg = admit(container, call, ANA, 1, None)
    assert (leg.declined, leg.language, leg.language_code) == (False, "es", "es-US")
    john, leg = admit(container, call, JOHN, 2, "1")
    assert (leg.declined, leg.language_code) == (False, "en-US")
    quiet, leg = admit(container, call, QUIET, 3, "9")
    assert leg.declined and leg.language == "ht"
    stranger, leg = admit(container, call, STRANGER, 4, "")
    assert (leg.declined, leg.language, leg.language_code) == (False, "en", "en-US")

    at = call.starts_at + timedelta(minutes=3)
    events = [
        event(john, 2, 1, "", kind="transcription-started"),
        event(john, 2, 2, "We opened", final=False, at=at),
        event(john, 2, 3, "We opened the shelter.", at=at),
        event(ana, 1, 2, "Necesitamos agua.", at=at + timedelta(seconds=9), language="es-US"),
        event(stranger, 4, 2, "The bridge on Fifth is closed.", at=at + timedelta(seconds=20)),
        event(john, 2, 4, "Trucks go out at noon.", at=at + timedelta(seconds=31)),
        event(quiet, 3, 2, "Do not write this down.", at=at + timedelta(seconds=40)),
        event(john, 2, 5, "   ", at=at + timedelta(seconds=50)),
        event(john, 2, 6, "", kind="transcription-stopped"),
    ]
    outcomes = [record(container, call, e) for e in reversed(events)]  # out of order
    outcomes += [record(container, call, e) for e in events]  # and all of them again
    assert outcomes[:len(events)] == ["noted", "empty", "dropped", "stored", "stored", "stored",
                                      "stored", "stored", "noted"]
    assert outcomes[len(events):] == ["noted", *["duplicate"] * 5, "dropped", "empty", "noted"]

    with container.db.unit_of_work(read_only=True) as uow:
        finals = [(s.speaker, s.language, s.text, s.offset_s, s.contact_id is not None)
                  for s in uow.transcripts.finals_for_call(call.id)]
        assert uow.session.query(TranscriptSegment).count() == 5  # one partial, four finals
        assert uow.session.query(TranscriptSegment).filter_by(call_sid=quiet).count() == 0
    assert finals == [("John Park (Red Cross)", "en-US", "We opened the shelter.", 180, True),
                      ("Ana Ruiz (Casa Esperanza)", "es-US", "Necesitamos agua.", 189, True),
                      ("caller ending 0104", "en-US", "The bridge on Fifth is closed.", 200, False),
                      ("John Park (Red Cross)", "en-US", "Trucks go out at noon.", 211, True)]


def test_events_of_another_call_or_an_unknown_leg_are_dropped(container, call):
    ana, _ = admit(container, call, ANA, 1, None)
    assert record(container, call, event(ana, 1, 1, "Hola."), call_id=call.id + 1) == "dropped"
    assert record(container, call, event(sid("CA", 9), 9, 1, "Hello.")) == "dropped"
    with container.db.unit_of_work(read_only=True) as uow:
        assert uow.session.query(TranscriptSegment).count() == 0


def test_a_caller_may_change_their_answer_on_a_repeated_request(container, call):
    ana, _ = admit(container, call, ANA, 1, None)
    again = transcription.choose(container.db, call_id=call.id, call_sid=ana, phone=ANA,
                                 digits="9", now=call.starts_at, settings=container.settings)
    assert again.declined
    assert record(container, call, event(ana, 1, 1, "Hola.")) == "dropped"


def test_a_caller_who_hangs_up_during_the_announcement_never_joined(container, call):
    _, admitted = bridge.answer_pin(container.db, digits=call.pin, call_sid=sid("CA", 5),
                                    phone=ANA, now=call.starts_at, settings=container.settings)
    assert admitted is not None  # the PIN is right; the announcement plays; they hang up
    with container.db.unit_of_work(read_only=True) as uow:
        assert uow.calls.attendance(call.id) == [] and uow.transcripts.choice(sid("CA", 5)) is None
    admit(container, call, JOHN, 6, None)
    with container.db.unit_of_work(read_only=True) as uow:
        assert [row.call_sid for row in uow.calls.attendance(call.id)] == [sid("CA", 6)]


def test_an_answer_for_no_open_transcribed_call_puts_nobody_through(container, call):
    line = sid("CA", 7)

    def answer(call_id, call_sid=line):
        return transcription.choose(container.db, call_id=call_id, call_sid=call_sid,
                                    phone=ANA, digits="", now=call.starts_at,
                                    settings=container.settings)

    assert answer(None) is None and answer(call.id + 1) is None and answer(call.id, "") is None
    with container.db.unit_of_work() as uow:
        uow.calls.get(call.id).status = "cancelled"
        uow.commit()
    assert answer(call.id) is None
    with container.db.unit_of_work(read_only=True) as uow:
        assert uow.calls.attendance(call.id) == []


# ----- scheduling ------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("tomorrow 3pm ET", None), ("tomorrow 3pm ET transcribe", True),
    ("tomorrow 3pm ET transcribe on", True), ("tomorrow 3pm ET transcribe off", False),
    ('tomorrow 3pm ET transcribe agenda "Water"', True),
    ("tomorrow 3pm ET every day until dec 4 transcribe no", False)])
def test_transcribe_in_the_schedule_text(text, expected):
    assert parse_schedule(text, now=NOW, default_zone="America/New_York").transcribe is expected


def test_transcribe_takes_only_on_or_off_and_needs_the_phone_bridge():
    with pytest.raises(InvalidInput, match="`transcribe` takes `on` or `off`"):
        parse_schedule("tomorrow 3pm ET transcribe maybe", now=NOW, default_zone="UTC")
    with pytest.raises(InvalidInput, match="Only calls on the bot's phone bridge"):
        rules.transcribed(True, bridge="https://meet.example.org/x", default=False)
    assert rules.transcribed(None, bridge="https://meet.example.org/x", default=True) is False
    assert rules.transcribed(None, bridge="twilio", default=True) is True
    assert rules.transcribed(False, bridge="twilio", default=True) is False


def test_the_office_default_applies_when_the_schedule_says_nothing(container, settings):
    container.settings = settings.model_copy(update={"calls": settings.calls.model_copy(
        update={"transcribe_default": True})})
    commands = declared_with_contacts(container, PEOPLE)
    call_command(commands, "schedule 2026-11-28 15:00 America/New_York")
    call_command(commands, "schedule 2026-11-29 15:00 America/New_York transcribe off")
    with container.db.unit_of_work(read_only=True) as uow:
        found = uow.calls.for_incident(uow.incidents.by_key("INC-2026-0001").id)
        assert [c.transcribe for c in found] == [True, False]


@pytest.mark.parametrize(("choice", "suffix"), [("default", ""), ("on", " transcribe on"),
                                                ("off", " transcribe off")])
def test_the_form_says_transcribe(choice, suffix):
    values = {"when": "fri 10:30", "repeat": "once", "transcribe": choice}
    def element(block: str, value: str) -> dict:
        selected = block in ("repeat", "transcribe")
        return {"selected_option": {"value": value}} if selected else {"value": value}

    state = {"values": {block: {"value": element(block, value)}
                        for block, value in values.items()}}
    assert schedule_text(state) == "fri 10:30" + suffix


# ----- rules -----------------------------------------------------------------------------------
def test_languages_and_speakers():
    assert [rules.language_code(tag, "en-US") for tag in ("es", "vi", "zh", "tl", "ht", "", None,
                                                          "de", "es-MX")] == [
        "es-US", "vi-VN", "zh-CN", "fil-PH", "en-US", "en-US", "en-US", "en-US", "es-US"]
    assert rules.language_code("ht", "fr-FR") == "fr-FR"
    assert rules.speaker_label(name="Ana Ruiz", organisation="", phone=ANA) == "Ana Ruiz"
    assert rules.speaker_label(name=None, organisation=None, phone="+13055550102") == \
        "caller ending 0102"
    assert rules.speaker_label(name=None, organisation=None, phone=None) == "unknown caller"
    assert [rules.declined(d) for d in (None, "", "1", "9", " 9 ", "99")] == [
        False, False, False, True, True, False]


@pytest.mark.parametrize(("change", "problem"), [
    ({"TranscriptionEvent": "transcription-nonsense"}, "unknown TranscriptionEvent"),
    ({"CallSid": "CA1"}, "CallSid and TranscriptionSid"),
    ({"TranscriptionSid": ""}, "CallSid and TranscriptionSid"),
    ({"SequenceId": "-1"}, "SequenceId"), ({"SequenceId": "1" * 12}, "SequenceId"),
    ({"TranscriptionData": "[1, 2]"}, "no transcript"),
    ({"TranscriptionData": '{"transcript": 5}'}, "no transcript"),
    ({"TranscriptionData": "{"}, "not JSON"), ({"Final": ""}, "Final"),
    ({"Timestamp": "2026-13-01T00:00:00Z"}, "Timestamp")])
def test_malformed_events_say_what_is_wrong(change, problem):
    form = {"CallSid": sid("CA", 1), "TranscriptionSid": sid("GT", 1), "SequenceId": "3",
            "TranscriptionEvent": "transcription-content", "Final": "true",
            "TranscriptionData": '{"transcript": "Hi", "confidence": 0.9}',
            "Timestamp": "2026-11-28T20:01:02.5Z"}
    parsed = rules.read_event(form)
    assert (parsed.text, parsed.final, parsed.at) == (
        "Hi", True, datetime(2026, 11, 28, 20, 1, 2, 500000, tzinfo=UTC))
    with pytest.raises(InvalidInput, match=problem):
        rules.read_event({**form, **change})
