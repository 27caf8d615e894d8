"""The durable outbox and its worker on every database backend, with recording senders.

Time moves only through the FakeClock; senders are plain recording callables (no mocks).
"""

from __future__ import annotations

import random
import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest

from bot.config import OutboxSettings
from bot.db.models import OutboxMessage
from bot.outbox.worker import Deferred, Delivered, OutboxWorker, enqueue
from bot.ports import DeliveryError

KIND = "test.post"
COLUMNS = [column.key for column in OutboxMessage.__table__.columns]


class RecordingSender:
    """Records every message it is handed; plays ``outcomes`` in order, then delivers.

    An outcome is an exception (raised) or a ``Delivered`` (returned).
    """

    def __init__(self, *outcomes: BaseException | Delivered):
        self.outcomes = list(outcomes)
        self.received: list[tuple[str, dict]] = []
        self._lock = threading.Lock()

    def __call__(self, message: OutboxMessage) -> Delivered:
        with self._lock:
            self.received.append((message.idempotency_key, dict(message.payload)))
            count = len(self.received)
            outcome = self.outcomes.pop(0) if self.outcomes else Delivered(f"P{count:04d}")
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    @property
    def keys(self) -> list[str]:
        return [key for key, _ in self.received]


class AlwaysFailing:
    """Raises a fresh copy of the same error on every call."""

    def __init__(self, code: str, *, permanent: bool = False, retry_after: float | None = None):
        self.code, self.permanent, self.retry_after = code, permanent, retry_after
        self.received: list[str] = []

    def __call__(self, message: OutboxMessage) -> Delivered:
        self.received.append(message.idempotency_key)
        raise DeliveryError(self.code, "test failure", permanent=self.permanent,
                            retry_after=self.retry_after)


def make_worker(db, clock, senders, **overrides) -> OutboxWorker:
    options = {"batch_size": 10, "max_attempts": 5, "backoff_base_s": 2.0, "backoff_max_s": 300.0,
               "lease_s": 60.0} | overrides
    return OutboxWorker(db=db, clock=clock, settings=OutboxSettings(**options), senders=senders,
                        rng=random.Random(0))


def add(db, clock, key: str, *, kind: str = KIND, payload: dict | None = None) -> bool:
    with db.unit_of_work() as uow:
        added = enqueue(uow, key=key, kind=kind, purpose="test", payload=payload or {"n": key},
                        now=clock.now())
        uow.commit()
    return added


def row(db, key: str) -> SimpleNamespace | None:
    """A detached snapshot of the outbox row with ``key`` (None when there is none)."""
    with db.unit_of_work() as uow:
        message = uow.outbox.by_key(key)
        if message is None:
            return None
        return SimpleNamespace(**{name: getattr(message, name) for name in COLUMNS})


def all_rows(db) -> list[SimpleNamespace]:
    with db.unit_of_work() as uow:
        return [SimpleNamespace(**{name: getattr(m, name) for name in COLUMNS})
                for m in uow.outbox.list()]


def seconds_until(when, clock) -> float:
    return (when - clock.now()).total_seconds()


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


# ----- transient failures and backoff ------------------------------------------------------------

def test_rate_limited_delivery_waits_for_retry_after_then_is_delivered(db, clock):
    add(db, clock, "k1")
    sender = RecordingSender(DeliveryError("ratelimited", "slow down", permanent=False,
                                           retry_after=30))
    worker = make_worker(db, clock, {KIND: sender})
    failed_at = clock.now()

    assert worker.drain() == 1
    pending = row(db, "k1")
    assert pending.status == "pending" and pending.attempts == 1
    assert pending.error_code == "ratelimited" and pending.claimed_until is None
    assert pending.next_attempt_at >= failed_at + timedelta(seconds=30)

    clock.advance(seconds=29)
    assert worker.drain() == 0
    assert sender.keys == ["k1"]

    clock.advance(seconds=2)
    assert worker.drain() == 1
    sent = row(db, "k1")
    assert sender.keys == ["k1", "k1"]
    assert sent.status == "sent" and sent.attempts == 2 and sent.provider_id == "P0002"
    assert sent.sent_at == clock.now() and sent.error_code is None and sent.error_message is None


def test_backoff_grows_exponentially_with_jitter_between_transient_failures(db, clock):
    add(db, clock, "k1")
    sender = AlwaysFailing("internal_error")
    base = 10.0
    worker = make_worker(db, clock, {KIND: sender}, backoff_base_s=base, backoff_max_s=100_000,
                         max_attempts=20)
    delays = []
    for attempt in range(1, 7):
        assert worker.drain() == 1
        current = row(db, "k1")
        assert current.status == "pending" and current.attempts == attempt
        delay = seconds_until(current.next_attempt_at, clock)
        nominal = base * 2 ** (attempt - 1)
        assert 0.5 * nominal - 1e-3 <= delay <= nominal + 1e-3, (attempt, delay)
        delays.append(delay)
        # not retried a moment before it is due ...
        clock.advance(seconds=delay - 0.01)
        assert worker.drain() == 0
        clock.advance(seconds=0.01)
    assert len(sender.received) == 6
    assert all(later > earlier for earlier, later in zip(delays, delays[1:], strict=False)), delays


def test_backoff_is_capped_at_backoff_max(db, clock):
    add(db, clock, "k1")
    worker = make_worker(db, clock, {KIND: AlwaysFailing("internal_error")}, backoff_base_s=100,
                         backoff_max_s=150, max_attempts=20)
    for _ in range(5):
        worker.drain()
        delay = seconds_until(row(db, "k1").next_attempt_at, clock)
        assert delay <= 150 + 1e-3
        clock.advance(seconds=delay)
    assert row(db, "k1").attempts == 5


def test_retry_after_longer_than_backoff_wins_and_shorter_does_not(db, clock):
    add(db, clock, "long")
    add(db, clock, "short")
    worker = make_worker(db, clock, {KIND: RecordingSender(
        DeliveryError("ratelimited", permanent=False, retry_after=500),
        DeliveryError("ratelimited", permanent=False, retry_after=0.001),
    )}, backoff_base_s=60)
    worker.drain()
    assert seconds_until(row(db, "long").next_attempt_at, clock) == pytest.approx(500, abs=1e-3)
    assert 30 - 1e-3 <= seconds_until(row(db, "short").next_attempt_at, clock) <= 60 + 1e-3


# ----- failing for good --------------------------------------------------------------------------

def test_permanent_error_fails_for_good_and_is_never_retried(db, clock):
    add(db, clock, "k1")
    sender = AlwaysFailing("channel_not_found", permanent=True)
    worker = make_worker(db, clock, {KIND: sender})

    assert worker.drain() == 1
    failed = row(db, "k1")
    assert failed.status == "failed" and failed.error_code == "channel_not_found"
    assert "channel_not_found" in failed.error_message and failed.claimed_until is None
    assert failed.attempts == 1 and failed.sent_at is None

    for _ in range(3):
        clock.advance(days=1)
        assert worker.drain() == 0
    assert sender.received == ["k1"]
    assert row(db, "k1").status == "failed"


def test_transient_errors_fail_for_good_after_max_attempts(db, clock):
    add(db, clock, "k1")
    sender = AlwaysFailing("service_unavailable")
    worker = make_worker(db, clock, {KIND: sender}, max_attempts=3)

    for attempt in (1, 2):
        assert worker.drain() == 1
        assert row(db, "k1").status == "pending" and row(db, "k1").attempts == attempt
        clock.advance(hours=1)
    assert worker.drain() == 1
    failed = row(db, "k1")
    assert failed.status == "failed" and failed.attempts == 3
    assert failed.error_code == "service_unavailable"

    clock.advance(days=1)
    assert worker.drain() == 0
    assert sender.received == ["k1"] * 3


def test_unknown_kind_fails_permanently(db, clock):
    add(db, clock, "pigeon", kind="carrier.pigeon")
    sender = RecordingSender()
    worker = make_worker(db, clock, {KIND: sender})

    assert worker.drain() == 1
    failed = row(db, "pigeon")
    assert failed.status == "failed" and failed.error_code == "unknown_kind"
    assert "carrier.pigeon" in failed.error_message
    clock.advance(days=1)
    assert worker.drain() == 0
    assert sender.received == []


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


# ----- concurrency -------------------------------------------------------------------------------

def run_in_threads(*targets) -> None:
    """Starts ``targets`` together and re-raises the first exception one of them raised."""
    barrier = threading.Barrier(len(targets))
    errors: list[Exception] = []

    def wrapped(target):
        try:
            barrier.wait(timeout=30)
            target()
        except Exception as error:  # handed back to the test thread
            errors.append(error)

    threads = [threading.Thread(target=wrapped, args=(t,), daemon=True) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert not any(thread.is_alive() for thread in threads), "a worker thread hung"
    if errors:
        raise errors[0]


def test_two_workers_claiming_concurrently_never_get_the_same_row(db, clock):
    with db.unit_of_work() as uow:
        for n in range(200):
            enqueue(uow, key=f"k{n:03d}", kind=KIND, purpose="test", payload={"n": n},
                    now=clock.now())
        uow.commit()
    all_ids = {r.id for r in all_rows(db)}
    assert len(all_ids) == 200
    now, lease = clock.now(), timedelta(minutes=10)
    claimed: dict[str, list[int]] = {"a": [], "b": []}
    batch_sizes: list[int] = []

    def claimer(name: str):
        def loop():
            while True:
                with db.unit_of_work() as uow:
                    ids = uow.outbox.claim_due(now=now, limit=7, lease=lease)
                    uow.commit()
                if not ids:
                    return
                batch_sizes.append(len(ids))
                claimed[name].extend(ids)
        return loop

    run_in_threads(claimer("a"), claimer("b"))

    a, b = claimed["a"], claimed["b"]
    assert max(batch_sizes) <= 7
    assert len(a) == len(set(a)) and len(b) == len(set(b))
    assert set(a) & set(b) == set()
    assert set(a) | set(b) == all_ids
    rows = all_rows(db)
    assert {r.status for r in rows} == {"sending"}
    assert {r.attempts for r in rows} == {1}  # each row was claimed exactly once


def test_two_workers_draining_concurrently_deliver_each_message_once(db, clock):
    with db.unit_of_work() as uow:
        for n in range(60):
            enqueue(uow, key=f"k{n:03d}", kind=KIND, purpose="test", payload={"n": n},
                    now=clock.now())
        uow.commit()
    sender = RecordingSender()
    workers = [make_worker(db, clock, {KIND: sender}, batch_size=3) for _ in range(2)]

    run_in_threads(*(lambda w=w: w.drain(max_rounds=1000) for w in workers))

    assert sorted(sender.keys) == [f"k{n:03d}" for n in range(60)]
    rows = all_rows(db)
    assert {r.status for r in rows} == {"sent"} and {r.attempts for r in rows} == {1}


def lock_waiters(db) -> int:
    """How many PostgreSQL backends wait for a lock (always 0 on SQLite)."""
    if db.engine.dialect.name != "postgresql":
        return 0
    with db.engine.connect() as connection:
        return connection.exec_driver_sql("SELECT count(*) FROM pg_locks WHERE NOT granted").scalar()


def test_same_key_enqueued_by_two_overlapping_transactions_is_one_row(db, clock):
    results: dict[str, bool] = {}
    with db.unit_of_work() as first:
        results["first"] = enqueue(first, key="k1", kind=KIND, purpose="test", payload={"v": 1},
                                   now=clock.now())

        def second():
            with db.unit_of_work() as uow:
                results["second"] = enqueue(uow, key="k1", kind=KIND, purpose="test",
                                            payload={"v": 2}, now=clock.now())
                uow.commit()

        thread = threading.Thread(target=second, daemon=True)
        thread.start()
        # On PostgreSQL the second insert blocks on the unique key until the first commits;
        # wait (without sleeping) until it does, so that the IntegrityError path is taken.
        if db.engine.dialect.name == "postgresql":
            assert any(lock_waiters(db) for _ in range(20_000)), "the second insert never blocked"
        first.commit()
    thread.join(timeout=30)
    assert not thread.is_alive()

    assert results == {"first": True, "second": False}
    sender = RecordingSender()
    make_worker(db, clock, {KIND: sender}).drain()
    assert sender.received == [("k1", {"v": 1})]
    assert len(all_rows(db)) == 1
