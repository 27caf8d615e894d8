"""Leases on every database backend: renewed while a batch is in flight (so a batch slower than
its lease is not claimed twice), claims sized to the senders' rate, and ``max_attempts`` holding
when leases keep running out.
"""

from __future__ import annotations

from datetime import timedelta

from bot.db.models import OutboxMessage
from bot.outbox.contract import Delivered
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
    assert worker.drain_once() == 5
    rows = all_rows(db)
    assert sum(r.status == "sent" for r in rows) == 5
    # The rest were handed back at once, their attempt not counted: due for the next claim.
    assert {(r.status, r.attempts, r.claimed_until) for r in rows if r.status != "sent"} == {
        ("pending", 0, None)}
    assert worker.drain_once() == 5


def test_a_slow_senders_rate_does_not_shrink_the_claims_of_other_kinds(db, clock):
    for n in range(30):
        add(db, clock, f"call{n:02d}", kind="test.call")
        add(db, clock, f"text{n:02d}")
    texts = RatedSender()
    texts.rate_per_s = 0
    worker = make_worker(db, clock, {KIND: texts, "test.call": RatedSender()}, lease_s=10.0,
                         batch_size=50)
    assert worker.claim_limit() == 50
    assert worker.drain_once() == 30  # 25 texts and 5 calls of the 50 claimed
    sent = [r for r in all_rows(db) if r.status == "sent"]
    assert sum(r.kind == "test.call" for r in sent) == 5 and len(sent) == 30


def test_a_handed_back_row_whose_outcome_was_unknown_is_still_looked_up(db, clock):
    add(db, clock, "first", kind="test.call")
    add(db, clock, "second", kind="test.call")
    sender = Reconciling()
    sender.rate_per_s = 0.1  # one call per half lease of 10 s
    with db.unit_of_work() as uow:  # a worker claims both and dies mid-send
        uow.outbox.claim_due(now=clock.now(), limit=10, lease=timedelta(seconds=10))
        uow.commit()
    clock.advance(seconds=11)
    worker = make_worker(db, clock, {"test.call": sender}, lease_s=10.0)
    assert worker.drain_once() == 1
    back = row(db, "second")
    assert (back.status, back.attempts, back.error_code) == ("unknown", 1, "lease_expired")
    assert worker.drain_once() == 1
    assert sender.looked_up == ["first", "second"] and sender.sent == ["first", "second"]


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
