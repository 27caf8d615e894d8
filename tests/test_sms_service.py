"""SMS notices, consent and inbound replies at the service layer, with recording fakes."""

from __future__ import annotations

import pytest

from bot.directory.rules.contacts import ContactRecord
from bot.dispatch.grammar import Invocation
from bot.errors import InvalidInput, InvalidTransition
from bot.i18n.catalog import render
from bot.ports import DeliveryError
from bot.sms.delivery import record_status
from tests.conftest import COORDINATOR
from tests.support.scenario import declared_with_contacts
from tests.support.sms import sms_in

OFFICE = "Civil Rights Coordination Office"
ANA, MINH, JEAN, LEE = "+12025550101", "+12025550102", "+12025550103", "+12025550104"
PEOPLE = [
    ContactRecord(name="Ana Ruiz", phone=ANA, language="es", regions=("FL",)),
    ContactRecord(name="Minh Tran", phone=MINH, language="vi", regions=("GA",)),
    ContactRecord(name="Jean Pierre", phone=JEAN, language="ht", regions=("FL",)),
    ContactRecord(name="Staff Member", phone=LEE, slack_user_id="USTAFF001", regions=("FL",)),
]


@pytest.fixture
def commands(container):
    return declared_with_contacts(container, PEOPLE)


def notify(commands, text, user=COORDINATOR):
    return commands.run(Invocation("notify", key="INC-2026-0001", text=text), user=user,
                        channel=None)


def inbound(container, body, sender=ANA, sid=None):
    return sms_in(container, body, sender, sid=sid or f"SM{abs(hash((body, sender))):032x}")


def statuses(container):
    with container.db.unit_of_work() as uow:
        return {m.recipient: m.status for m in uow.outbox.list() if m.kind == "sms"}


def test_a_notice_reaches_each_sms_contact_once_in_their_language(commands, container, sms):
    reply = notify(commands, "Shelters open at Lincoln High.\nes: Refugios abiertos en Lincoln High.")
    assert "3 recipients" in reply.text
    commands.wait_out_undo_window()
    container.worker.drain()
    assert sms.to(ANA) == [render("incident_notice", "es", office=OFFICE, title="Hurricane Xavier",
                                  text="Refugios abiertos en Lincoln High.")]
    assert sms.to(MINH) == [render("incident_notice", "vi", office=OFFICE, title="Hurricane Xavier",
                                   text="Shelters open at Lincoln High.")]
    assert len(sms.to(JEAN)) == 1 and sms.to(LEE) == []  # staff are on Slack
    assert all(m["callback"] == "https://coordbot.example.org/twilio/sms/status" for m in sms.sent)
    container.worker.drain()
    assert len(sms.sent) == 3


def test_the_preview_warns_about_missing_translations(commands):
    text = notify(commands, "Shelters open.").text
    assert "Vietnamese" in text and "no translation given" in text


def test_over_the_threshold_nothing_goes_before_confirm(commands, container, sms):
    container.settings.sms.confirm_threshold = 2
    reply = notify(commands, "Curfew at 8 pm.")
    assert reply.blocks and reply.blocks[-1]["elements"][0]["action_id"] == "notice_confirm"
    container.worker.drain()
    assert sms.sent == []
    notice_id = reply.blocks[-1]["elements"][0]["value"]
    commands.confirm_notice(notice_id, user=COORDINATOR)
    with pytest.raises(InvalidTransition, match="already sent"):
        commands.confirm_notice(notice_id, user=COORDINATOR)
    container.worker.drain()
    assert len(sms.sent) == 3


def test_a_cancelled_notice_sends_nothing(commands, container, sms):
    container.settings.sms.confirm_threshold = 2
    notice_id = notify(commands, "Curfew at 8 pm.").blocks[-1]["elements"][0]["value"]
    commands.cancel_notice(notice_id, user=COORDINATOR)
    with pytest.raises(InvalidTransition):
        commands.confirm_notice(notice_id, user=COORDINATOR)
    container.worker.drain()
    assert sms.sent == []


def test_a_notice_too_long_for_sms_is_refused_before_anything_is_queued(commands, container):
    with pytest.raises(InvalidInput, match="too long for SMS"):
        notify(commands, "Evacuate now. " * 40)
    assert statuses(container) == {}


def test_stop_is_honoured_for_every_later_message(commands, container, sms):
    assert inbound(container, "  alto ") == render("stop_confirmation", "es", office=OFFICE)
    notify(commands, "Water distribution at noon.")
    commands.wait_out_undo_window()
    container.worker.drain()
    assert sms.to(ANA) == []
    assert inbound(container, "START") == render("start_confirmation", "es", office=OFFICE)
    notify(commands, "Water distribution at 2 pm.")
    commands.wait_out_undo_window()
    container.worker.drain()
    assert len(sms.to(ANA)) == 1


def test_a_stop_between_queueing_and_sending_suppresses_the_message(commands, container, sms):
    notify(commands, "Roads closed.")
    commands.wait_out_undo_window()
    inbound(container, "STOP", sender=MINH)
    container.worker.drain()
    assert sms.to(MINH) == [] and statuses(container)[MINH] == "suppressed"


def test_twilio_21610_marks_the_contact_opted_out(commands, container, sms):
    sms.fail(DeliveryError("21610", "unsubscribed", permanent=True))
    notify(commands, "Roads closed.")
    commands.wait_out_undo_window()
    container.worker.drain()
    assert list(statuses(container).values()).count("suppressed") == 1
    with container.db.unit_of_work() as uow:
        stopped = [c.name for c in uow.contacts.all() if c.sms_consent == "opted_out"]
    assert len(stopped) == 1


def test_invalid_numbers_are_marked_and_not_retried(commands, container, sms, clock):
    sms.fail(DeliveryError("21211", "invalid To", permanent=True))
    notify(commands, "Roads closed.")
    commands.wait_out_undo_window()
    container.worker.drain()
    clock.advance(hours=1)
    container.worker.drain()
    assert sorted(statuses(container).values()) == ["failed", "sent", "sent"]
    with container.db.unit_of_work() as uow:
        assert [c.phone_status for c in uow.contacts.all()].count("invalid") == 1


def test_429_pauses_every_message_of_the_sender_then_all_are_sent(commands, container, sms, clock):
    sms.fail(DeliveryError("20429", "too many requests", permanent=False, retry_after=1))
    notify(commands, "Roads closed.")
    commands.wait_out_undo_window()
    container.worker.drain()
    assert len(sms.sent) == 0  # the 429 is the account's: the other two wait as well
    clock.advance(seconds=5)
    container.worker.drain()
    assert len(sms.sent) == 3 and set(statuses(container).values()) == {"sent"}


def test_callbacks_drive_the_delivery_summary_in_the_channel(commands, container, sms, slack, clock):
    notify(commands, "Roads closed.")
    commands.wait_out_undo_window()
    container.worker.drain()
    with container.db.unit_of_work() as uow:
        record_status(uow, sid=sms.sent[0]["sid"], status="delivered", error_code=None,
                      now=clock.now())
        record_status(uow, sid=sms.sent[1]["sid"], status="undelivered", error_code="30006",
                      now=clock.now())
        record_status(uow, sid=sms.sent[1]["sid"], status="sent", error_code=None, now=clock.now())
        uow.commit()
    clock.advance(seconds=11)
    container.worker.drain()
    summaries = [p for p in slack.posts if p["text"].startswith("SMS notice")]
    assert len(summaries) == 1  # posted once, then edited in place
    # The landline is called instead: that call is the one pending (bot.voice).
    assert summaries[0]["text"].endswith("Delivery: 1 delivered, 1 sent, awaiting the carrier, "
                                         "1 pending, 1 failed: 1 landline")
    assert statuses(container)[sms.sent[1]["to"]] == "undelivered"


def test_help_and_unknown_replies(commands, container, slack):
    assert inbound(container, "help", sender=JEAN) == render("help", "ht", office=OFFICE)
    notify(commands, "Roads closed.")
    commands.wait_out_undo_window()
    container.worker.drain()
    assert inbound(container, "Nou bezwen dlo", sender=JEAN) == \
        render("reply_received", "ht", office=OFFICE)
    container.worker.drain()
    forwarded = [p["text"] for p in slack.posts if "SMS from" in p["text"]]
    assert forwarded and "Jean Pierre" in forwarded[0] and "Nou bezwen dlo" in forwarded[0]
    assert JEAN not in forwarded[0]  # the number is masked


def test_a_retried_webhook_has_no_second_effect(commands, container, slack):
    assert inbound(container, "STOP", sid="SM1") is not None
    assert inbound(container, "STOP", sid="SM1") is None


def test_a_reclaimed_message_is_not_sent_twice(commands, container, sms, clock):
    notify(commands, "Roads closed.")
    commands.wait_out_undo_window()
    with container.db.unit_of_work() as uow:  # a worker claims the batch ...
        from datetime import timedelta
        ids = uow.outbox.claim_due(now=clock.now(), limit=100, lease=timedelta(seconds=60))
        messages = [m for m in uow.outbox.load(ids) if m.kind == "sms"]
        for m in messages:  # ... reaches Twilio with one of them, then dies
            sms.send(to=m.recipient, body=m.payload["body"])
            break
        uow.commit()
    clock.advance(seconds=61)
    container.worker.drain()
    assert len(sms.sent) == 3 and len(sms.lookups) == 3
    assert sorted(len(sms.to(n)) for n in (ANA, MINH, JEAN)) == [1, 1, 1]
