"""The worker's batches overlapping on every database backend: while a full batch is sent the
next one is claimed and queued, and each is recorded while the next is sent. Every message still
goes once; a batch whose outcomes were never written is looked up at the provider, not sent
again; what changed on a row while it was being sent is what its outcome is recorded with.

Time moves only through the FakeClock; senders are plain recording callables (no mocks).
"""

from __future__ import annotations

import random
import threading

import pytest

from bot.config import OutboxSettings
from bot.db.models import OutboxMessage
from bot.observe import metrics
from bot.outbox.contract import Delivered
from bot.outbox.queue import enqueue
from bot.outbox.worker import OutboxWorker
from tests.support.outbox import KIND, add, all_rows, row
from tests.test_outbox_dead_claims import claim, dead_token, live_token

OPTIONS = {"batch_size": 10, "concurrency": 3, "max_attempts": 5, "lease_s": 60.0}


class Provider:
    """A sender whose provider keeps every message it took: ``reconcile`` finds them."""

    def __init__(self, on_send=None):
        self.sent: list[str] = []
        self.looked_up: list[str] = []
        self.on_send = on_send
        self._lock = threading.Lock()

    def __call__(self, message: OutboxMessage) -> Delivered:
        if self.on_send is not None:
            self.on_send(message)
        with self._lock:
            self.sent.append(message.idempotency_key)
            return Delivered(f"P-{message.idempotency_key}")

    def reconcile(self, message: OutboxMessage) -> Delivered | None:
        with self._lock:
            self.looked_up.append(message.idempotency_key)
            found = message.idempotency_key in self.sent
        return Delivered(f"P-{message.idempotency_key}") if found else None


def worker_for(db, clock, sender, after_record=None) -> OutboxWorker:
    return OutboxWorker(db=db, clock=clock, settings=OutboxSettings(**OPTIONS),
                        senders={KIND: sender}, rng=random.Random(0), after_record=after_record)


def sends_counted() -> float:
    """The send metric's count of this kind's messages sent (a process-wide counter)."""
    return metrics.SENDS.labels(kind=KIND, outcome="sent", error_code="")._value.get()


def keys(count: int) -> list[str]:
    return [f"k{n:02d}" for n in range(count)]


def test_a_backlog_of_full_batches_is_sent_once_each(db, clock):
    for key in keys(35):
        add(db, clock, key)
    sender = Provider()
    worker = worker_for(db, clock, sender)
    try:
        assert worker.drain() == 35
    finally:
        worker.close()
    assert sorted(sender.sent) == keys(35)
    assert {(r.status, r.attempts, r.provider_id) for r in all_rows(db)} == {
        ("sent", 1, f"P-{r.idempotency_key}") for r in all_rows(db)}
    assert sender.looked_up == []


def test_what_a_full_batchs_outcomes_queue_is_sent_in_the_same_drain(db, clock):
    for key in keys(20):
        add(db, clock, key)

    def edits(uow, pairs, now):
        for message, error in pairs:
            if error is None and not message.idempotency_key.startswith("edit:"):
                enqueue(uow, key=f"edit:{message.idempotency_key}", kind=KIND, purpose="test",
                        payload={}, now=now)

    sender = Provider()
    worker = worker_for(db, clock, sender, after_record=edits)
    try:
        assert worker.drain() == 40
    finally:
        worker.close()
    assert sorted(sender.sent) == sorted(keys(20) + [f"edit:{key}" for key in keys(20)])
    assert {r.status for r in all_rows(db)} == {"sent"}


def test_a_batch_whose_outcomes_were_lost_is_looked_up_and_not_sent_again(db, clock):
    for key in keys(25):
        add(db, clock, key)
    lost = []

    def lose_the_first_write(uow, pairs, now):
        if not lost:  # the first batch's recording transaction fails: nothing of it is written
            lost.extend(message.idempotency_key for message, _ in pairs)
            raise ConnectionError("the database went away while the outcomes were written")

    sender = Provider()
    worker = worker_for(db, clock, sender, after_record=lose_the_first_write)
    counted = sends_counted()
    try:
        with pytest.raises(ConnectionError):
            worker.drain()
        assert lost == keys(10)
        assert sends_counted() - counted == 10  # not the batch whose record was lost
        # The batch claimed ahead while the first was being sent is still recorded.
        assert {row(db, key).status for key in keys(20)[10:]} == {"sent"}
        assert {row(db, key).status for key in lost} == {"sending"}
        assert sorted(sender.sent) == keys(20)

        clock.advance(seconds=OPTIONS["lease_s"] + 1)  # as if the worker had died mid-record
        assert worker.drain() == 15
    finally:
        worker.close()
    assert sorted(sender.looked_up) == lost  # found at the provider, recorded, not resent
    assert sorted(sender.sent) == keys(25)
    assert sends_counted() - counted == 25  # each message counted once
    finished = {r.idempotency_key: r for r in all_rows(db)}
    assert {r.status for r in finished.values()} == {"sent"}
    assert {finished[key].provider_id for key in lost} == {f"P-{key}" for key in lost}


def test_a_payload_changed_while_the_row_was_sent_is_recorded_and_seen_by_the_hooks(db, clock):
    for key in keys(12):
        add(db, clock, key)

    def follow_up_added_meanwhile(message):
        if message.idempotency_key == "k03":
            with db.unit_of_work() as uow:  # another transaction, as a reply's handler does
                current = uow.outbox.by_key("k03")
                current.payload = {**current.payload, "follow_up": "edit me"}
                uow.commit()

    seen: dict[str, dict] = {}

    def hook(uow, pairs, now):
        seen.update({message.idempotency_key: dict(message.payload) for message, _ in pairs})

    worker = worker_for(db, clock, Provider(on_send=follow_up_added_meanwhile),
                        after_record=hook)
    try:
        assert worker.drain() == 12
    finally:
        worker.close()
    assert seen["k03"] == {"n": "k03", "follow_up": "edit me"}
    assert seen["k04"] == {"n": "k04"}
    stored = row(db, "k03")
    assert stored.status == "sent" and stored.payload == {"n": "k03", "follow_up": "edit me"}


def test_a_row_cancelled_while_it_was_sent_keeps_its_new_status(db, clock):
    for key in keys(3):
        add(db, clock, key)

    def cancelled_meanwhile(message):
        if message.idempotency_key == "k01":
            with db.unit_of_work() as uow:
                uow.outbox.by_key("k01").status = "cancelled"
                uow.commit()

    worker = worker_for(db, clock, Provider(on_send=cancelled_meanwhile))
    try:
        assert worker.drain() == 3
    finally:
        worker.close()
    assert [row(db, key).status for key in keys(3)] == ["sent", "cancelled", "sent"]


def test_a_row_reclaimed_by_another_worker_while_it_was_sent_is_left_to_that_worker(db, clock):
    for key in keys(3):
        add(db, clock, key)

    def reclaimed_meanwhile(message):  # its lease ran out and another worker claimed it again
        if message.idempotency_key == "k01":
            with db.unit_of_work() as uow:
                current = uow.outbox.by_key("k01")
                current.attempts, current.claimed_by = current.attempts + 1, "another worker"
                uow.commit()

    seen = []
    worker = worker_for(db, clock, Provider(on_send=reclaimed_meanwhile),
                        after_record=lambda uow, pairs, now: seen.extend(
                            message.idempotency_key for message, _ in pairs))
    try:
        assert worker.drain() == 3
    finally:
        worker.close()
    assert sorted(seen) == ["k00", "k02"]
    k01 = row(db, "k01")
    assert (k01.status, k01.attempts, k01.claimed_by, k01.provider_id) == (
        "sending", 2, "another worker", None)
    assert [row(db, key).status for key in ("k00", "k02")] == ["sent", "sent"]


def test_the_hooks_see_the_sent_rows_as_recorded_and_what_they_change_is_kept(db, clock):
    for key in keys(4):
        add(db, clock, key)
    seen = []

    def early_delivery(uow, pairs, now):  # as a status callback that came before the record
        for message, error in pairs:
            seen.append((message.idempotency_key, message.status, message.provider_id, error))
            if message.idempotency_key == "k02":
                message.status, message.delivered_at = "delivered", now

    worker = worker_for(db, clock, Provider(), after_record=early_delivery)
    try:
        assert worker.drain() == 4
    finally:
        worker.close()
    assert sorted(seen) == [(key, "sent", f"P-{key}", None) for key in keys(4)]
    stored = {r.idempotency_key: r for r in all_rows(db)}
    assert [stored[key].status for key in keys(4)] == ["sent", "sent", "delivered", "sent"]
    assert stored["k02"].provider_id == "P-k02" and stored["k02"].delivered_at == clock.now()
    assert {(r.claimed_until, r.error_code, r.sent_at) for r in stored.values()} == {
        (None, None, clock.now())}


def test_under_a_send_budget_each_batch_is_recorded_before_the_next_claim(db, clock):
    for key in keys(30):
        add(db, clock, key)
    statuses_seen: dict[str, str] = {}

    def look_back(message):  # a message of the second batch looks at the first one's row
        if message.idempotency_key == "k15":
            statuses_seen["k05"] = row(db, "k05").status

    sender = Provider(on_send=look_back)
    sender.segments_per_s = 50.0  # claims of a fifth of a second of it: 10 rows
    worker = worker_for(db, clock, sender)
    try:
        assert worker.claim_limit() == 10
        assert worker.drain() == 30
    finally:
        worker.close()
    assert statuses_seen == {"k05": "sent"}
    assert sorted(sender.sent) == keys(30)


def budget_worker(db, clock, sender: Provider) -> OutboxWorker:
    sender.segments_per_s = 100.0  # a fifth of a second of it: 20 segments
    return OutboxWorker(db=db, clock=clock, senders={KIND: sender}, rng=random.Random(0),
                        settings=OutboxSettings(**{**OPTIONS, "batch_size": 50}))


def held_by(db, clock, token: str) -> None:
    """A row ``held`` that the worker named ``token`` claimed."""
    add(db, clock, "held")
    assert claim(db, clock, token)


def queue_texts(db, clock, count: int) -> None:
    """``count`` texts of 2 segments each."""
    with db.unit_of_work() as uow:
        for key in keys(count):
            enqueue(uow, key=key, kind=KIND, purpose="test", payload={"n": key},
                    now=clock.now(), segments=2)
        uow.commit()


def test_under_a_send_budget_a_claim_is_this_workers_share_of_it_in_segments(db, clock):
    """Two live workers share a budget of 100 segments/s and the texts have 2 segments each: a
    fifth of a second of this worker's half is 5 texts (a whole fifth of all of it, at one
    segment a text, until a claim has shown otherwise)."""
    sender = Provider()
    with live_token(db) as other:
        held_by(db, clock, other)
        queue_texts(db, clock, 40)
        worker = budget_worker(db, clock, sender)
        try:
            assert worker.claim_limit() == 20
            assert worker.drain_once() == 20
            assert worker.claim_limit() == 5
            assert worker.drain_once() == 5
        finally:
            worker.close()
    assert sorted(sender.sent) == keys(25)


def test_a_worker_that_died_no_longer_shares_the_budget(db, clock):
    """Its rows are freed at the next look (asked for at the provider first), and the claims
    are this worker's whole fifth of a second again: 10 texts of 2 segments."""
    held_by(db, clock, dead_token(db))
    queue_texts(db, clock, 40)
    sender = Provider()
    worker = budget_worker(db, clock, sender)
    try:
        assert worker.drain_once() == 20
        assert worker.claim_limit() == 10
        assert worker.drain_once() == 10
    finally:
        worker.close()
    assert sender.looked_up == ["held"]
    assert sorted(sender.sent) == sorted(["held", *keys(29)])
