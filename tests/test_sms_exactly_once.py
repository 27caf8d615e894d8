"""Exactly once and nothing lost, at the service layer with recording fakes: a send whose answer
was lost, a reclaimed send, a lookup that fails, Twilio's Retry-After, and what Twilio's error
codes (from a send or a status callback) do to the contact and the next notice.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.db.models import OutboxMessage
from bot.ports import DeliveryError
from bot.sms.delivery import record_status
from bot.sms.service import consent
from tests.support.contacts import EXAMPLE, run_import
from tests.support.scenario import declared_with_contacts
from tests.test_sms_service import ANA, JEAN, MINH, PEOPLE, notify, statuses

LOOKUP_DOWN = DeliveryError("20500", "lookup failed", permanent=False)


@pytest.fixture
def commands(container):
    return declared_with_contacts(container, PEOPLE)


def rows(container) -> dict[str, OutboxMessage]:
    with container.db.unit_of_work() as uow:
        found = {m.recipient: m for m in uow.outbox.list() if m.kind == "sms"}
        for message in found.values():
            uow.session.expunge(message)
        return found


def drain_for(container, clock, *, minutes: int, step_s: float = 5) -> None:
    for _ in range(int(minutes * 60 / step_s)):
        container.worker.drain()
        clock.advance(seconds=step_s)


# ----- a lost answer -------------------------------------------------------------------------
def test_an_answer_lost_after_twilio_accepted_is_looked_up_and_sent_exactly_once(
        commands, container, sms, clock):
    sms.lose_answers(1)
    notify(commands, "Roads closed.")
    commands.wait_out_undo_window()
    container.worker.drain()
    first = sms.sent[0]
    assert rows(container)[first["to"]].status == "unknown"
    drain_for(container, clock, minutes=2)
    assert sorted(m["to"] for m in sms.sent) == sorted([ANA, MINH, JEAN])  # one each
    row = rows(container)[first["to"]]
    assert row.status == "sent" and row.provider_id == first["sid"]
    assert sms.lookups and all(lookup["to"] == first["to"] for lookup in sms.lookups)


def test_a_failing_lookup_never_turns_into_a_send(commands, container, sms, clock):
    sms.lose_answers(1)
    sms.fail_lookups(*[LOOKUP_DOWN] * 4)
    notify(commands, "Roads closed.")
    commands.wait_out_undo_window()
    container.worker.drain()
    lost = sms.sent[0]["to"]
    for _ in range(4):  # each failing lookup leaves the row unknown, backed off, unsent again
        clock.advance(minutes=10)
        container.worker.drain()
        assert len(sms.to(lost)) == 1
    drain_for(container, clock, minutes=5)
    assert len(sms.lookups) == 5 and len(sms.to(lost)) == 1
    assert rows(container)[lost].status == "sent"


def test_a_reclaimed_send_whose_lookup_fails_is_not_sent_again(commands, container, sms, clock):
    notify(commands, "Roads closed.")
    commands.wait_out_undo_window()
    with container.db.unit_of_work() as uow:  # a worker sent to Ana, then died before recording
        row = next(m for m in uow.outbox.list() if m.recipient == ANA)
        sms.send(to=ANA, body=row.payload["body"])
        row.status, row.attempts = "sending", 1
        row.claimed_until = row.first_attempted_at = clock.now()
        uow.commit()
    clock.advance(seconds=1)
    sms.fail_lookups(LOOKUP_DOWN)
    container.worker.drain()
    assert rows(container)[ANA].status == "unknown" and len(sms.to(ANA)) == 1
    drain_for(container, clock, minutes=2)
    assert len(sms.to(ANA)) == 1 and set(statuses(container).values()) == {"sent"}
    assert rows(container)[ANA].provider_id == sms.sent[0]["sid"]


def test_attempts_stay_bounded_when_the_outcome_stays_unknown(commands, container, sms, clock):
    sms.lose_answers(1)
    sms.fail_lookups(*[LOOKUP_DOWN] * 100)
    notify(commands, "Roads closed.")
    commands.wait_out_undo_window()
    drain_for(container, clock, minutes=120, step_s=60)
    lost = sms.sent[0]["to"]
    row = rows(container)[lost]
    assert row.status == "failed" and row.error_code == "gave_up"
    assert row.attempts <= container.settings.outbox.max_attempts
    assert len(sms.to(lost)) == 1


# ----- Retry-After -----------------------------------------------------------------------------
def test_retry_after_30_is_honoured_and_pauses_every_message_of_the_sender(
        commands, container, sms, clock):
    sms.fail(DeliveryError("20429", "Too Many Requests", permanent=False, retry_after=30))
    notify(commands, "Roads closed.")
    commands.wait_out_undo_window()
    refused_at = clock.now()
    container.worker.drain()
    assert sms.sent == []
    waiting = rows(container)
    assert {row.status for row in waiting.values()} == {"pending"}
    assert all(row.next_attempt_at >= refused_at + timedelta(seconds=30)
               for row in waiting.values())
    clock.advance(seconds=29)
    container.worker.drain()
    assert sms.sent == []
    clock.advance(seconds=2)
    container.worker.drain()
    assert len(sms.sent) == 3 and set(statuses(container).values()) == {"sent"}


# ----- what Twilio's codes mean for the contact ----------------------------------------------------
def test_a_21610_status_callback_opts_the_number_out_and_the_next_notice_skips_it(
        commands, container, sms, clock):
    notify(commands, "Roads closed.")
    commands.wait_out_undo_window()
    container.worker.drain()
    ana_sid = next(m["sid"] for m in sms.sent if m["to"] == ANA)
    with container.db.unit_of_work() as uow:
        record_status(uow, sid=ana_sid, status="undelivered", error_code="21610", now=clock.now())
        uow.commit()
    clock.advance(minutes=5)
    notify(commands, "Roads open again.")
    commands.wait_out_undo_window()
    drain_for(container, clock, minutes=1)
    assert len(sms.to(ANA)) == 1 and len(sms.to(MINH)) == 2
    with container.db.unit_of_work() as uow:
        assert uow.sms.opted_out_among([ANA]) == {ANA}
        assert uow.contacts.by_phone(ANA).sms_consent == "opted_out"
        # the second notice's audience leaves Ana out; a row queued anyway would be suppressed
        assert [m.status for m in uow.outbox.list() if m.recipient == ANA] == ["undelivered"]


@pytest.mark.parametrize(("code", "phone_status"), [("30005", "invalid"), ("30003", "unreachable")])
def test_status_callback_codes_mark_the_number(commands, container, sms, clock, code,
                                               phone_status):
    notify(commands, "Roads closed.")
    commands.wait_out_undo_window()
    container.worker.drain()
    with container.db.unit_of_work() as uow:
        record_status(uow, sid=sms.sent[0]["sid"], status="undelivered", error_code=code,
                      now=clock.now())
        uow.commit()
    with container.db.unit_of_work() as uow:
        assert uow.contacts.by_phone(sms.sent[0]["to"]).phone_status == phone_status


def test_a_reimport_keeps_a_carrier_opt_out(db, settings, clock):
    run_import(db, settings, clock, EXAMPLE)
    phone = "+13055550101"  # "yes" in the file
    with db.unit_of_work() as uow:
        consent.opt_out(uow, phone, source="twilio:21610", at=clock.now())
        uow.commit()
    clock.advance(days=1)
    result = run_import(db, settings, clock, EXAMPLE)
    with db.unit_of_work() as uow:
        assert uow.contacts.by_phone(phone).sms_consent == "opted_out"
        assert uow.sms.opted_out_among([phone]) == {phone}
    assert result.summary.kept_opt_outs == ["+1 ••• ••• 0101"]


def test_a_lookup_never_takes_another_notices_text_with_the_same_words(commands, container, sms,
                                                                        clock):
    notify(commands, "Roads closed.")
    commands.wait_out_undo_window()
    container.worker.drain()
    first_to_ana = next(m["sid"] for m in sms.sent if m["to"] == ANA)
    clock.advance(minutes=1)
    notify(commands, "Roads closed.")  # the same words again, a new notice
    commands.wait_out_undo_window()
    with container.db.unit_of_work() as uow:  # a worker claimed Ana's, then died before sending
        row = next(m for m in uow.outbox.list(status="pending") if m.recipient == ANA)
        row.status, row.attempts = "sending", 1
        row.claimed_until = row.first_attempted_at = clock.now()
        uow.commit()
    clock.advance(seconds=1)
    drain_for(container, clock, minutes=2)
    assert len(sms.to(ANA)) == 2  # found nothing of its own at Twilio, so it was sent
    ana = [m for m in _sms_rows(container) if m.recipient == ANA]
    assert sorted(m.provider_id for m in ana) == sorted(m["sid"] for m in sms.sent
                                                        if m["to"] == ANA)
    assert first_to_ana in {m.provider_id for m in ana}


def _sms_rows(container) -> list[OutboxMessage]:
    with container.db.unit_of_work() as uow:
        found = [m for m in uow.outbox.list() if m.kind == "sms"]
        for message in found:
            uow.session.expunge(message)
        return found
