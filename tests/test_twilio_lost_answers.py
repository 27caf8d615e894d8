"""The Twilio SMS gateway and the real outbox worker over HTTP against the Twilio emulator, where
the wire matters: answers lost after Twilio accepted the message (a reset, a timeout), a reset
before, ``Retry-After`` on 429 and 503, ambiguous 5xx, and the lookup that decides whether a
message of unknown outcome went out.
"""

from __future__ import annotations

import random
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import SystemClock
from bot.config import OutboxSettings
from bot.db.unit_of_work import Database
from bot.gateways.twilio_sms import TwilioSms
from bot.outbox.budget import SendBudget
from bot.outbox.queue import enqueue
from bot.outbox.worker import OutboxWorker
from bot.ports import DeliveryError, OutcomeUnknown
from bot.sandbox.twilio import TwilioEmulator
from bot.sms.delivery import SmsSender

FROM = "+12025550100"
TO = "+14155550123"


def gateway(emu: TwilioEmulator, *, timeout_s: float = 5, from_number: str = FROM) -> TwilioSms:
    return TwilioSms(account_sid=emu.account_sid, auth_token=emu.auth_token, base_url=emu.base_url,
                     from_number=from_number, timeout_s=timeout_s)


def a_minute_ago() -> datetime:
    return datetime.now(UTC) - timedelta(minutes=1)


# ----- the gateway's view of each fault ------------------------------------------------------
def test_a_reset_after_acceptance_is_an_unknown_outcome_and_the_lookup_finds_it(emu):
    emu.drop_next(kind="reset_after")
    sms = gateway(emu)
    with pytest.raises(OutcomeUnknown):
        sms.send(to=TO, body="Roads closed.")
    [accepted] = emu.messages
    assert sms.find_sent(to=TO, body="Roads closed.", since=a_minute_ago()) == accepted.sid


def test_a_timeout_after_acceptance_is_an_unknown_outcome(emu):
    emu.drop_next(kind="timeout_after", hold_s=1.0)
    with pytest.raises(OutcomeUnknown):
        gateway(emu, timeout_s=0.3).send(to=TO, body="Roads closed.")
    assert len(emu.messages) == 1


@pytest.mark.parametrize(("status", "code", "header", "expected"), [
    (429, 20429, 30, 30.0), (503, 20503, 7, 7.0), (429, 20429, 86_400, 300.0)])
def test_retry_after_is_read_from_429_and_503_and_capped(emu, status, code, header, expected):
    emu.fail_next(status=status, code=code, retry_after=header)
    with pytest.raises(DeliveryError) as raised:
        gateway(emu).send(to=TO, body="Roads closed.")
    assert raised.value.retry_after == expected and not raised.value.permanent
    assert not isinstance(raised.value, OutcomeUnknown)


def test_a_500_is_an_unknown_outcome_but_a_connection_never_made_is_not(emu):
    emu.fail_next(status=500, code=20500)
    with pytest.raises(OutcomeUnknown):
        gateway(emu).send(to=TO, body="Roads closed.")
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # nothing listens here once closed
    sms = TwilioSms(account_sid=emu.account_sid, auth_token=emu.auth_token,
                    base_url=f"http://127.0.0.1:{port}", from_number=FROM, timeout_s=2)
    with pytest.raises(DeliveryError) as raised:
        sms.send(to=TO, body="Roads closed.")
    assert not isinstance(raised.value, OutcomeUnknown) and not raised.value.permanent


def test_the_lookup_matches_number_body_sender_and_time_exactly(emu):
    ours, other_sender = gateway(emu), gateway(emu, from_number="+12025550199")
    other_sender.send(to=TO, body="Roads closed.")  # same number and body, another sender
    ours.send(to=TO, body="Roads closed!")  # another body
    ours.send(to="+14155550124", body="Roads closed.")  # another number
    assert ours.find_sent(to=TO, body="Roads closed.", since=a_minute_ago()) is None
    sid = ours.send(to=TO, body="Roads closed.")
    assert ours.find_sent(to=TO, body="Roads closed.", since=a_minute_ago()) == sid
    later = datetime.now(UTC) + timedelta(minutes=1)
    assert ours.find_sent(to=TO, body="Roads closed.", since=later) is None
    [listing] = [r for r in emu.requests if r["method"] == "GET"][-1:]
    assert listing["query"].get("To") == TO and listing["query"].get("From") == FROM


def test_a_failing_lookup_raises_rather_than_answering_not_found(emu):
    emu.fail_next_lookup()
    with pytest.raises(DeliveryError):
        gateway(emu).find_sent(to=TO, body="Roads closed.", since=a_minute_ago())


# ----- the real worker, on SQLite and PostgreSQL ---------------------------------------------
@pytest.fixture
def outbox(database_url) -> Iterator[Database]:
    db = Database(database_url)
    db.upgrade()
    try:
        yield db
    finally:
        db.dispose()


def worker_for(db: Database, emu: TwilioEmulator, **settings) -> OutboxWorker:
    clock = SystemClock()
    sender = SmsSender(sms=gateway(emu, timeout_s=0.5), clock=clock,
                       budget=SendBudget(db=db, clock=clock, sender="test", segments_per_s=0),
                       status_callback_url=None)
    options = {"backoff_base_s": 0.01, "backoff_max_s": 0.01, "concurrency": 1} | settings
    return OutboxWorker(db=db, clock=clock, settings=OutboxSettings(**options),
                        senders={"sms": sender}, rng=random.Random(0))


def enqueue_sms(db: Database, count: int) -> None:
    with db.unit_of_work() as uow:
        for n in range(count):
            enqueue(uow, key=f"lost:{n}", kind="sms", purpose="test", payload={"body": f"Notice {n}"},
                    recipient=f"+1415555{n:04d}", now=datetime.now(UTC))
        uow.commit()


def drain_until_settled(db: Database, worker: OutboxWorker, rounds: int = 200) -> dict[str, int]:
    for _ in range(rounds):
        worker.drain_once()
        with db.unit_of_work(read_only=True) as uow:
            counts = uow.outbox.count_by_status()
        if set(counts) <= {"sent", "failed", "suppressed"}:
            return counts
    return counts


@pytest.mark.parametrize("kind", ["reset_after", "timeout_after", "reset_before"])
def test_the_worker_sends_exactly_one_sms_when_the_answer_is_lost(outbox, emu, kind):
    enqueue_sms(outbox, 5)
    emu.drop_next(3, kind=kind, hold_s=1.0)
    emu.fail_next_lookup(2)  # and the first lookups fail too: still no blind resend
    counts = drain_until_settled(outbox, worker_for(outbox, emu))
    assert counts == {"sent": 5}
    sent_to = [m.to for m in emu.messages]
    assert sorted(sent_to) == sorted(set(sent_to)) and len(sent_to) == 5
    with outbox.unit_of_work(read_only=True) as uow:
        by_sid = {m.sid: m.to for m in emu.messages}
        assert all(by_sid[row.provider_id] == row.recipient for row in uow.outbox.list())
