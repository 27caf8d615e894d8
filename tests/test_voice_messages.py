"""Message calls at the service layer, with the recording fakes: who is called instead of texted,
what the call reads, its keys, its outcomes and retries, the landline fallback, and a crash
while a call is being placed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.calls.rules.when import ScheduleRequest
from bot.calls.service import calls
from bot.directory.rules.contacts import ContactRecord
from bot.dispatch.grammar import Invocation
from bot.i18n.catalog import render
from bot.outbox.kinds import Kind
from bot.ports import DeliveryError
from bot.sms.delivery import record_status
from bot.voice import service as message_calls
from bot.voice.rules import Outcome, spoken
from tests.conftest import COORDINATOR
from tests.support.scenario import declared_with_contacts

OFFICE = "Civil Rights Coordination Office"
ANA, ROSA, LUIS = "+12025550101", "+12025550104", "+12025550105"
PEOPLE = [
    ContactRecord(name="Ana Ruiz", phone=ANA, language="es", regions=("FL",)),
    ContactRecord(name="Rosa Diaz", phone=ROSA, language="es", regions=("FL",), channel="voice"),
    ContactRecord(name="Luis Gomez", phone=LUIS, language="es", regions=("FL",)),
]
KEY = "INC-2026-0001"


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"voice": settings.voice.model_copy(
        update={"rate_per_s": 0, "max_tries": 3, "retry_after_min": 15})})


@pytest.fixture
def commands(container):
    return declared_with_contacts(container, PEOPLE)


def rows(container, kind=Kind.VOICE_MESSAGE):
    with container.db.unit_of_work() as uow:
        return [(m.idempotency_key, m.recipient, m.status, m.id)
                for m in uow.outbox.list() if m.kind == kind]


def notify(commands, text="Shelters open.\nes: Refugios abiertos."):
    reply = commands.run(f"notify {KEY} {text}", user=COORDINATOR)
    commands.wait_out_undo_window()
    return reply


def ended(container, sid, status, answered_by=None):
    with container.db.unit_of_work() as uow:
        row = message_calls.record_outcome(uow, sid=sid, call_status=status,
                                           answered_by=answered_by, now=container.clock.now(),
                                           settings=container.settings.voice)
        uow.commit()
        return row.status if row else None


def test_a_contact_who_asked_for_calls_gets_the_notice_as_one_call_and_others_a_text(
        commands, container, sms, voice):
    notify(commands)
    container.worker.drain()
    assert [c["to"] for c in voice.placed] == [ROSA]
    assert sorted(s["to"] for s in sms.sent) == [ANA, LUIS]
    call = voice.placed[0]
    assert call["machine_detection"] == "DetectMessageEnd"
    assert call["url"].startswith("https://coordbot.example.org/twilio/voice/message?m=")
    assert call["status_callback"] == "https://coordbot.example.org/twilio/voice/message/status"
    [(_, _, status, message_id)] = rows(container)
    assert status == "sent"
    with container.db.unit_of_work() as uow:
        script = message_calls.script(uow, message_id)
    assert script.language == "es" and not script.rsvp
    assert script.text == f"Aviso de {OFFICE}: Hurricane Xavier Refugios abiertos."
    assert "STOP" not in script.text


def test_a_landline_refusal_queues_one_call_instead_of_the_text(commands, container, sms, voice):
    sms.fail(DeliveryError("21614", "not a mobile number", permanent=True))  # the first: Ana's
    notify(commands)
    container.worker.drain()
    assert [c["to"] for c in voice.placed].count(ANA) == 1
    keys = [key for key, to, *_ in rows(container) if to == ANA]
    assert keys == ["notice:1:1:voice"]
    with container.db.unit_of_work() as uow:  # the next notice calls the landline directly
        assert uow.contacts.by_phone(ANA).phone_status == "landline"
    notify(commands, "Water at the school.")
    container.worker.drain()
    assert [c["to"] for c in voice.placed].count(ANA) == 2
    assert [m["to"] for m in sms.sent].count(ANA) == 0


def test_a_landline_status_callback_queues_the_call_once(commands, container, sms, voice, clock):
    notify(commands)
    container.worker.drain()
    [sent] = [m for m in sms.sent if m["to"] == LUIS]
    for _ in range(2):  # a repeated callback queues nothing more
        with container.db.unit_of_work() as uow:
            record_status(uow, sid=sent["sid"], status="undelivered", error_code="30006",
                          now=clock.now())
            uow.commit()
    container.worker.drain()
    assert [c["to"] for c in voice.calls_to(LUIS)] == [LUIS]


def test_keys_record_the_rsvp_repeat_and_stop_calls(commands, container, voice, clock):
    now = clock.now()
    with container.db.unit_of_work() as uow:
        incident = uow.incidents.list()[0]
        calls.schedule(uow, incident=incident, actor=COORDINATOR, now=now,
                       settings=container.settings,
                       request=ScheduleRequest(starts_at=now + timedelta(days=1),
                                               duration=timedelta(minutes=30), agenda="",
                                               bridge="twilio", recurrence=None,
                                               zone="America/New_York"))
        uow.commit()
    container.worker.drain()
    [(key, _, _, message_id)] = [r for r in rows(container) if r[1] == ROSA]
    assert key.startswith("invite:")
    with container.db.unit_of_work() as uow:
        script = message_calls.script(uow, message_id)
        assert script.rsvp and "Responda" not in script.text and "PIN" in script.text
        assert message_calls.pressed(uow, message_id=message_id, digits="9", now=now) == "repeat"
        assert message_calls.pressed(uow, message_id=message_id, digits="7", now=now) == "other"
        assert message_calls.pressed(uow, message_id=message_id, digits="1", now=now) == "yes"
        uow.commit()
    with container.db.unit_of_work() as uow:
        rosa = uow.contacts.by_phone(ROSA)
        [invitation] = [i for i in uow.calls.invitations(1) if i.contact_id == rosa.id]
        assert (invitation.rsvp, invitation.channel) == ("yes", "voice")
        assert message_calls.pressed(uow, message_id=message_id, digits="0", now=now) == "stopped"
        uow.commit()
    notify(commands, "Second notice.")
    container.worker.drain()
    assert len(voice.calls_to(ROSA)) == 1  # the invitation's call only
    assert [status for key, to, status, _ in rows(container) if key.startswith("notice:")] == \
        ["suppressed"]


def test_no_answer_is_called_again_within_the_limit_then_reported(
        commands, container, voice, clock, slack):
    notify(commands)
    container.worker.drain()
    for attempt, status in enumerate(["no-answer", "busy", "no-answer"], 1):
        assert len(voice.calls_to(ROSA)) == attempt
        sid = voice.calls_to(ROSA)[-1]["sid"]
        ended(container, sid, status)
        assert ended(container, sid, status) is None  # a repeated callback changes nothing
        clock.advance(minutes=14)
        container.worker.drain()
        assert len(voice.calls_to(ROSA)) == attempt  # not before retry_after_min
        clock.advance(minutes=2)
        container.worker.drain()
    assert len(voice.calls_to(ROSA)) == 3  # max_tries
    [(_, _, status, _)] = rows(container)
    assert status == Outcome.NO_ANSWER
    clock.advance(seconds=11)
    container.worker.drain()
    with container.db.unit_of_work() as uow:
        channel = uow.incidents.list()[0].channel_id
    summary = [t for t in slack.posts_to(channel) if t.startswith("SMS notice 1")]
    assert summary and summary[-1].endswith("; by phone call: 1 no answer")


def test_an_action_item_owner_reached_by_voice_is_called_with_it(commands, container, voice, sms):
    commands.run(Invocation("action", key=KEY,
                            text='add "Rosa Diaz" "Send the shelter list" due 2026-11-30 12:00'),
                 user=COORDINATOR, channel=None)
    container.worker.drain()
    [(key, to, status, message_id)] = rows(container)
    assert key.startswith("action-assigned:") and to == ROSA and status == "sent"
    assert [c["to"] for c in voice.placed] == [ROSA] and not sms.sent
    with container.db.unit_of_work() as uow:
        script = message_calls.script(uow, message_id)
    assert "Send the shelter list" in script.text and not script.rsvp


@pytest.mark.parametrize(("status", "answered_by", "outcome"), [
    ("completed", "human", Outcome.ANSWERED), ("completed", "machine_end_beep", Outcome.VOICEMAIL),
    ("completed", "fax", Outcome.FAILED), ("failed", None, Outcome.FAILED),
    ("busy", None, "pending")])
def test_each_outcome_is_recorded(commands, container, voice, status, answered_by, outcome):
    notify(commands)
    container.worker.drain()
    assert ended(container, voice.placed[0]["sid"], status, answered_by) == outcome


def test_an_outcome_that_arrives_before_the_call_is_recorded_is_applied_then(
        commands, container, voice):
    early = []
    voice.on_placed = lambda sid: early.append(ended(container, sid, "completed", "human"))
    notify(commands)
    container.worker.drain()
    assert early == [None]  # kept: the worker had not recorded the call yet
    [(_, _, status, _)] = rows(container)
    assert status == Outcome.ANSWERED


def test_a_crash_while_placing_the_call_places_no_second_call(commands, container, voice, clock):
    voice.die_after_placing = True
    notify(commands)
    with pytest.raises(SystemExit):
        container.worker.drain()
    assert len(voice.placed) == 1
    clock.advance(seconds=container.settings.outbox.lease_s + 1)
    container.worker.drain()
    assert len(voice.placed) == 1
    [(_, _, status, _)] = rows(container)
    assert status == "sent"


def test_a_lost_answer_is_looked_up_and_an_earlier_try_is_not_taken_for_it(
        commands, container, voice, clock):
    notify(commands)
    container.worker.drain()
    ended(container, voice.placed[0]["sid"], "no-answer")
    voice.lose_next_answer = True
    clock.advance(minutes=16)
    container.worker.drain()  # the second call is placed, its answer lost
    assert len(voice.placed) == 2
    clock.advance(minutes=10)
    container.worker.drain()  # looked up: found, not placed again
    assert len(voice.placed) == 2
    with container.db.unit_of_work() as uow:
        row = uow.outbox.by_key("notice:1:2")
        assert (row.status, row.provider_id) == ("sent", voice.placed[1]["sid"])


def test_the_spoken_text_drops_what_only_a_text_can_do():
    invite = render("call_invite", "es", office="O", title="T", when="W",
                    join="Marque +12025550100, PIN 123456.")
    assert spoken(invite) == "O: llamada de coordinación sobre T el W. Marque +12025550100, " \
                             "PIN 123456."
