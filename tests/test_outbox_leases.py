"""Leases on every database backend: renewed while a batch is in flight (so a batch slower than
its lease is not claimed twice), claims sized to the senders' rate, and ``max_attempts`` holding
when leases keep running out.
"""

from __future__ import annotations

from datetime import timedelta

from bot.db.models import OutboxMessage
from bot.outbox.worker import Delivered
from tests.support.outbox import KIND, add, all_rows, make_worker, row


class SlowSender:
    """Takes ``seconds`` of the test clock per message; before the ``intrude_at``-th message it
    lets another worker run a round, as a second process would while this batch is in flight."""

    def __init__(self, clock, sent: list[str], *, seconds: float, intrude_at: int | None = None):
        self.clock, self.sent, self.seconds, self.intrude_at = clock, sent, seconds, intrude_at
        self.other = None

    def __call__(self, message: OutboxMessage) -> Delivered:
        if self.other is not None and len(self.sent) + 1 == self.intrude_at:
            self.other.drain_once()
        self.clock.advance(seconds=self.seconds)
        self.sent.append(message.idempotency_key)
        return Delivered(f"P{len(self.sent):04d}")


def test_a_batch_slower_than_its_lease_is_renewed_and_sent_exactly_once(db, clock):
    keys = [f"k{n:02d}" for n in range(20)]
    for key in keys:
        add(db, clock, key)
    sent: list[str] = []
    first_sender = SlowSender(clock, sent, seconds=1.0, intrude_at=8)
    options = {"lease_s": 3.0, "batch_size": 10, "concurrency": 1, "max_attempts": 3}
    first = make_worker(db, clock, {KIND: first_sender}, **options)
    second = make_worker(db, clock, {KIND: SlowSender(clock, sent, seconds=1.0)}, **options)
    first_sender.other = second  # 7 s into a 3 s lease, the second worker looks for work

    rounds = 0
    while (first.drain_once() or second.drain_once()) and rounds < 20:
        rounds += 1
    assert sorted(sent) == keys  # every message once: the second worker took only unclaimed rows
    finished = all_rows(db)
    assert {r.status for r in finished} == {"sent"}
    assert max(r.attempts for r in finished) <= 3


class RatedSender:
    rate_per_s = 1.0

    def __call__(self, message: OutboxMessage) -> Delivered:
        return Delivered("P1")


def test_a_claim_is_no_bigger_than_the_rate_can_send_within_the_lease(db, clock):
    for n in range(30):
        add(db, clock, f"k{n:02d}")
    worker = make_worker(db, clock, {KIND: RatedSender()}, lease_s=10.0, batch_size=50)
    assert worker.claim_limit() == 5
    assert worker.drain_once() == 5


class Reconciling:
    """A sender that can look messages up; nothing it was given ever reached the provider."""

    def __init__(self):
        self.sent: list[str] = []
        self.looked_up: list[str] = []

    def __call__(self, message: OutboxMessage) -> Delivered:
        self.sent.append(message.idempotency_key)
        return Delivered("P1")

    def reconcile(self, message: OutboxMessage) -> Delivered | None:
        self.looked_up.append(message.idempotency_key)
        return None


def test_max_attempts_holds_when_the_lease_keeps_running_out(db, clock):
    add(db, clock, "k1")
    sender = Reconciling()
    worker = make_worker(db, clock, {KIND: sender}, lease_s=5.0, max_attempts=3)
    for _ in range(10):  # a worker claims the row and dies mid-send, again and again
        with db.unit_of_work() as uow:
            uow.outbox.claim_due(now=clock.now(), limit=10, lease=timedelta(seconds=5),
                                 max_attempts=3)
            uow.commit()
        assert row(db, "k1").attempts <= 3
        clock.advance(seconds=6)
    assert worker.drain() == 1
    final = row(db, "k1")
    assert final.status == "failed" and final.error_code == "gave_up" and final.attempts == 3
    assert sender.sent == [] and sender.looked_up == ["k1"]  # a last look, never a send
