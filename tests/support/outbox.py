"""The outbox tests' senders (plain recording callables, no mocks) and helpers: a worker with
small settings, enqueueing one message, detached snapshots of rows."""

from __future__ import annotations

import random
import threading
from types import SimpleNamespace

from bot.config import OutboxSettings
from bot.db.models import OutboxMessage
from bot.outbox.contract import Delivered
from bot.outbox.queue import enqueue
from bot.outbox.worker import OutboxWorker
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


def summary_refreshes_due(db, now) -> None:
    """Brings a notice's waiting delivery-summary refreshes due at ``now``: it stands in for
    their throttle's seconds passing on a live app's real clock. The first post is left as it
    was queued (due with the texts), and a row a worker holds is not touched."""
    with db.unit_of_work() as uow:
        for row in uow.outbox.with_key_prefix("delivery-summary:", statuses=["pending"], lock=True):
            refresh = int(row.idempotency_key.rsplit(":", 1)[1]) > 1
            if refresh and row.claimed_by is None and row.next_attempt_at > now:
                row.next_attempt_at = now
        uow.commit()
