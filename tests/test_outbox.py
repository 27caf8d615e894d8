"""The durable outbox and its worker on every database backend: idempotent enqueueing,
unexpected exceptions, deferrals, reclaiming a dead worker's rows, draining.

Time moves only through the FakeClock; senders are plain recording callables (no mocks).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.outbox.contract import Deferred
from bot.outbox.queue import enqueue
from tests.support.outbox import (
    KIND,
    RecordingSender,
    add,
    all_rows,
    make_worker,
    row,
)

# ----- enqueue: idempotency and transactions ------------------------------------------------------

def test_same_key_twice_in_one_transaction_is_one_row_and_one_delivery(db, clock):
    with db.unit_of_work() as uow:
        first = enqueue(uow, key="k1", kind=KIND, purpose="test", payload={"v": 1}, now=clock.now())
        second = enqueue(uow, key="k1", kind=KIND, purpose="test", payload={"v": 2},
                         now=clock.now())
        uow.commit()
    assert (first, second) == (True, False)
    sender = RecordingSender()
    worker = make_worker(db, clock, {KIND: sender})

    assert worker.drain() == 1
    clock.advance(days=1)
    assert worker.drain() == 0
    assert sender.received == [("k1", {"v": 1})]
    [only] = all_rows(db)
    assert only.status == "sent" and only.provider_id == "P0001" and only.attempts == 1


def test_same_key_in_two_transactions_is_one_row_and_one_delivery(db, clock):
    assert add(db, clock, "k1", payload={"v": 1}) is True
    assert add(db, clock, "k1", payload={"v": 2}) is False
    sender = RecordingSender()
    worker = make_worker(db, clock, {KIND: sender})
    worker.drain()
    # a key that was already delivered stays a no-op too
    assert add(db, clock, "k1", payload={"v": 3}) is False
    clock.advance(days=1)
    worker.drain()

    assert sender.received == [("k1", {"v": 1})]
    assert len(all_rows(db)) == 1 and row(db, "k1").status == "sent"


def test_enqueue_in_a_rolled_back_transaction_is_never_delivered(db, clock):
    with db.unit_of_work() as uow:  # left without commit: rolled back on exit
        enqueue(uow, key="lost-1", kind=KIND, purpose="test", payload={}, now=clock.now())
    with db.unit_of_work() as uow:  # rolled back explicitly, then the block ends
        enqueue(uow, key="lost-2", kind=KIND, purpose="test", payload={}, now=clock.now())
        uow.rollback()
    with pytest.raises(RuntimeError), db.unit_of_work() as uow:  # the cause failed
        enqueue(uow, key="lost-3", kind=KIND, purpose="test", payload={}, now=clock.now())
        raise RuntimeError("the change that caused the message failed")
    add(db, clock, "kept")
    sender = RecordingSender()
    worker = make_worker(db, clock, {KIND: sender})

    worker.drain()
    clock.advance(days=1)
    worker.drain()
    assert sender.keys == ["kept"]
    assert [r.idempotency_key for r in all_rows(db)] == ["kept"]
    # the rolled-back keys are free: enqueueing them for real works
    assert add(db, clock, "lost-1") is True


# ----- exceptions, deferrals, dead workers -------------------------------------------------------

def test_unexpected_sender_exception_keeps_the_message_for_a_later_retry(db, clock):
    add(db, clock, "k1")
    sender = RecordingSender(RuntimeError("bug in the sender"))
    worker = make_worker(db, clock, {KIND: sender})

    assert worker.drain() == 1
    kept = row(db, "k1")
    assert kept.status == "pending" and kept.attempts == 1
    assert kept.error_code == "exception" and "bug in the sender" in kept.error_message
    assert kept.next_attempt_at > clock.now()

    clock.advance(minutes=5)
    assert worker.drain() == 1
    assert sender.keys == ["k1", "k1"]
    assert row(db, "k1").status == "sent"


def test_deferred_goes_back_to_pending_without_counting_an_attempt(db, clock):
    add(db, clock, "k1")
    sender = RecordingSender(Deferred("channel not created yet", delay_s=5))
    worker = make_worker(db, clock, {KIND: sender})

    assert worker.drain() == 1
    deferred = row(db, "k1")
    assert deferred.status == "pending" and deferred.attempts == 0
    assert deferred.error_code == "deferred" and deferred.claimed_until is None
    assert deferred.next_attempt_at == clock.now() + timedelta(seconds=5)

    clock.advance(seconds=4)
    assert worker.drain() == 0
    clock.advance(seconds=1)
    assert worker.drain() == 1
    sent = row(db, "k1")
    assert sent.status == "sent" and sent.attempts == 1
    assert sender.keys == ["k1", "k1"]


def test_many_deferrals_do_not_exhaust_max_attempts(db, clock):
    add(db, clock, "k1")
    sender = RecordingSender(*[Deferred("not yet", delay_s=1) for _ in range(6)])
    worker = make_worker(db, clock, {KIND: sender}, max_attempts=2)

    for _ in range(6):
        assert worker.drain() == 1
        assert row(db, "k1").status == "pending" and row(db, "k1").attempts == 0
        clock.advance(seconds=1)
    assert worker.drain() == 1
    assert row(db, "k1").status == "sent" and len(sender.received) == 7


def test_row_left_sending_by_a_dead_worker_is_reclaimed_after_its_lease(db, clock):
    add(db, clock, "k1")
    lease_s = 60.0
    message_id = row(db, "k1").id
    with db.unit_of_work() as uow:  # a worker claims the row, then dies before delivering
        assert uow.outbox.claim_due(now=clock.now(), limit=10,
                                    lease=timedelta(seconds=lease_s)) == [message_id]
        uow.commit()
    claimed = row(db, "k1")
    assert claimed.status == "sending" and claimed.attempts == 1
    assert claimed.claimed_until == clock.now() + timedelta(seconds=lease_s)

    sender = RecordingSender()
    worker = make_worker(db, clock, {KIND: sender}, lease_s=lease_s)
    assert worker.drain() == 0
    clock.advance(seconds=lease_s - 1)
    assert worker.drain() == 0
    clock.advance(seconds=1)  # exactly at the end of the lease: still held
    assert worker.drain() == 0
    assert sender.received == []

    clock.advance(seconds=1)
    assert worker.drain() == 1
    sent = row(db, "k1")
    assert sender.keys == ["k1"]
    assert sent.status == "sent" and sent.attempts == 2 and sent.claimed_until is None


def test_drain_delivers_every_due_message_across_batches(db, clock):
    for n in range(25):
        add(db, clock, f"k{n:02d}")
    sender = RecordingSender()
    worker = make_worker(db, clock, {KIND: sender}, batch_size=4)

    assert worker.drain() == 25
    assert sorted(sender.keys) == [f"k{n:02d}" for n in range(25)]
    assert {r.status for r in all_rows(db)} == {"sent"}
