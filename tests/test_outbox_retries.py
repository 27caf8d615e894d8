"""The outbox worker's retries on every database backend: rate limits, exponential backoff with
jitter and its cap, and failing for good (permanent errors, max attempts, unknown kinds).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.ports import DeliveryError
from tests.support.outbox import (
    KIND,
    AlwaysFailing,
    RecordingSender,
    add,
    make_worker,
    row,
    seconds_until,
)

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
