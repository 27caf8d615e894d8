"""The durable outbox: messages are written with the change that causes them, then delivered.

``enqueue`` runs inside the caller's unit of work, so a message exists if and only if its cause
was committed. ``OutboxWorker`` claims due rows (a lease, ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL), hands each to the sender registered for its kind, and records the outcome: sent with
the provider's id, retried later with exponential backoff and jitter, or failed for good.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.clock import Clock
from bot.config import OutboxSettings
from bot.db.models import OutboxMessage
from bot.db.unit_of_work import Database, UnitOfWork
from bot.outbox.kinds import Kind
from bot.ports import DeliveryError
from bot.records import audit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivered:
    provider_id: str | None = None


class Deferred(Exception):
    """The message cannot go yet (e.g. its channel is still being created); try again soon."""

    def __init__(self, reason: str, delay_s: float = 2.0):
        super().__init__(reason)
        self.delay_s = delay_s


class Suppressed(DeliveryError):
    """The message must not go (e.g. the recipient texted STOP): recorded as ``suppressed``."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(code, message, permanent=True)


Sender = Callable[[OutboxMessage], Delivered]
Outcome = Callable[[UnitOfWork, OutboxMessage], DeliveryError | None]
# A sender may also offer, as attributes:
#   prepare(uow, messages) -> dict[message id, Suppressed]     checks a claimed batch at once
#   after_outcomes(uow, [(row, error | None), ...]) -> None     what the batch's outcomes mean
#   reconcile(row) -> Delivered | None                          for a row whose outcome is unknown
#       (ports.OutcomeUnknown, or a lease that expired mid-send): asks the provider whether the
#       message exists. Delivered: it does, record it; None: it does not, send it; raising
#       DeliveryError: the provider could not say, so the row stays unknown and is asked again
#       later (never sent blindly).


def enqueue(uow: UnitOfWork, *, key: str, kind: Kind | str, purpose: str, payload: dict[str, Any],
            now: Any, incident_id: int | None = None, recipient: str | None = None,
            language: str | None = None, segments: int | None = None,
            not_before: Any = None) -> bool:
    """Adds a message to the outbox in ``uow``'s transaction; a repeated key is a no-op."""
    return uow.outbox.add(OutboxMessage(
        idempotency_key=key, kind=str(kind), purpose=purpose, incident_id=incident_id,
        recipient=recipient, language=language, payload=payload, status="pending",
        attempts=0, next_attempt_at=not_before or now, created_at=now, segments=segments,
    ))


RETRYABLE = ("failed", "undelivered")


def retry(uow: UnitOfWork, messages: list[OutboxMessage], *, actor: str, now: Any) -> list[str]:
    """Puts failed or undelivered messages back in the queue; returns why others were not.

    Suppressed messages (the person texted STOP) are never retried.
    """
    refused = []
    for message in messages:
        if message.status not in RETRYABLE:
            why = ("the recipient opted out" if message.status == "suppressed"
                   else f"it is {message.status}")
            refused.append(f"#{message.id} ({message.idempotency_key}): not retried, {why}")
            continue
        message.status, message.next_attempt_at, message.attempts = "pending", now, 0
        message.claimed_until = None
        audit.record(uow, at=now, actor=actor, action="outbox.retried",
                     incident_id=message.incident_id, message_id=message.id,
                     previous_error=message.error_code)
    return refused


class Wakeup:
    """Lets code in this process nudge the worker after it committed new outbox rows."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def notify(self) -> None:
        self._event.set()

    def wait(self, timeout: float) -> None:
        self._event.wait(timeout)
        self._event.clear()


class OutboxWorker:
    def __init__(self, *, db: Database, clock: Clock, settings: OutboxSettings,
                 senders: dict[str, Sender], wakeup: Wakeup | None = None,
                 rng: random.Random | None = None):
        self._db = db
        self._clock = clock
        self._settings = settings
        self._senders = senders
        self.wakeup = wakeup or Wakeup()
        self._rng = rng or random.Random()
        self._pool = (ThreadPoolExecutor(settings.concurrency, thread_name_prefix="outbox-send")
                      if settings.concurrency > 1 else None)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def drain_once(self) -> int:
        """Claims one batch of due messages, sends them, records the outcomes in one transaction.

        Provider calls happen outside any transaction, ``outbox.concurrency`` at a time, so a
        slow provider holds no database locks.
        """
        with self._db.unit_of_work() as uow:
            ids = uow.outbox.claim_due(now=self._clock.now(), limit=self._settings.batch_size,
                                       lease=timedelta(seconds=self._settings.lease_s))
            claimed = uow.outbox.load(ids)
            refused = self._prepare(uow, claimed)
            for message in claimed:
                uow.session.expunge(message)
            uow.commit()
        if not claimed:
            return 0
        to_send = [m for m in claimed if m.id not in refused]
        if self._pool is None or len(to_send) <= 1:
            sent = [self._send(message) for message in to_send]
        else:
            sent = list(self._pool.map(self._send, to_send))
        outcomes = dict(zip((m.id for m in to_send), sent, strict=True))
        for message_id, error in refused.items():
            outcomes[message_id] = self._failure_outcome(error)
        self._record(claimed, [outcomes[m.id] for m in claimed])
        return len(claimed)

    def _prepare(self, uow: UnitOfWork, claimed: list[OutboxMessage]) -> dict[int, Suppressed]:
        refused: dict[int, Suppressed] = {}
        for kind in {m.kind for m in claimed}:
            prepare = getattr(self._senders.get(kind), "prepare", None)
            if prepare is not None:
                refused.update(prepare(uow, [m for m in claimed if m.kind == kind]))
        return refused

    def _record(self, claimed: list[OutboxMessage], outcomes: list[Outcome]) -> None:
        with self._db.unit_of_work() as uow, uow.session.no_autoflush:
            current = {row.id: row for row in uow.outbox.load([m.id for m in claimed])}
            recorded: dict[str, list[tuple[OutboxMessage, DeliveryError | None]]] = {}
            for message, outcome in zip(claimed, outcomes, strict=True):
                row = current.get(message.id)
                # Only the claim's owner records: after a lease expired another worker may own it.
                if row is not None and row.status == "sending" and row.attempts == message.attempts:
                    recorded.setdefault(row.kind, []).append((row, outcome(uow, row)))
                else:
                    log.warning("outbox %s: claim lost before its outcome was recorded",
                                message.idempotency_key)
            for kind, pairs in recorded.items():
                hook = getattr(self._senders.get(kind), "after_outcomes", None)
                if hook is not None:
                    hook(uow, pairs)
            uow.commit()

    def drain(self, max_rounds: int = 100) -> int:
        """Delivers until nothing is due (tests and the demo use this)."""
        total = 0
        for _ in range(max_rounds):
            handled = self.drain_once()
            total += handled
            if not handled:
                break
        return total

    def run(self, stop: threading.Event) -> None:
        log.info("outbox worker started")
        while not stop.is_set():
            try:
                handled = self.drain_once()
            except Exception:
                log.exception("outbox worker round failed; retrying")
                handled = 0
            if not handled:
                self.wakeup.wait(self._settings.poll_interval_s)
        log.info("outbox worker stopped")

    def _send(self, message: OutboxMessage) -> Outcome:
        sender = self._senders.get(message.kind)
        try:
            if sender is None:
                raise DeliveryError("unknown_kind", f"no sender for {message.kind}",
                                    permanent=True)
            result = sender(message)
        except Deferred as deferred:
            reason, delay = str(deferred), deferred.delay_s
            def defer(uow: UnitOfWork, row: OutboxMessage) -> None:
                self._retry_later(row, "deferred", reason, delay, count_attempt=False)

            return defer
        except DeliveryError as error:
            return self._failure_outcome(error)
        except Exception as error:  # a bug or an unexpected answer: keep the message, log loudly
            log.exception("outbox %s (%s) raised", message.idempotency_key, message.kind)
            return self._failure_outcome(DeliveryError("exception", repr(error), permanent=False))
        def record(uow: UnitOfWork, row: OutboxMessage) -> None:
            self._mark_sent(row, result)

        return record

    def _failure_outcome(self, error: DeliveryError) -> Outcome:
        def record(uow: UnitOfWork, row: OutboxMessage) -> DeliveryError:
            self._record_failure(row, error)
            return error

        return record

    def _mark_sent(self, message: OutboxMessage, result: Delivered) -> None:
        message.status = "sent"
        message.provider_id = result.provider_id
        message.sent_at = self._clock.now()
        message.claimed_until = None
        message.error_code = message.error_message = None

    def _record_failure(self, message: OutboxMessage, error: DeliveryError) -> None:
        if isinstance(error, Suppressed):
            log.info("outbox %s suppressed: %s", message.idempotency_key, error)
            message.status = "suppressed"
            message.error_code, message.error_message = error.code, str(error)
            message.claimed_until = None
            return
        if error.permanent or message.attempts >= self._settings.max_attempts:
            log.warning("outbox %s failed for good: %s", message.idempotency_key, error)
            message.status = "failed"
            message.error_code, message.error_message = error.code, str(error)
            message.claimed_until = None
            return
        delay = min(self._settings.backoff_max_s,
                    self._settings.backoff_base_s * 2 ** (message.attempts - 1))
        delay = delay * (0.5 + self._rng.random() / 2)
        if error.retry_after is not None:
            delay = max(delay, error.retry_after)
        log.info("outbox %s retry in %.1fs: %s", message.idempotency_key, delay, error)
        self._retry_later(message, error.code, str(error), delay)

    def _retry_later(self, message: OutboxMessage, code: str, text: str, delay_s: float,
                     count_attempt: bool = True) -> None:
        message.status = "pending"
        message.error_code, message.error_message = code, text
        message.next_attempt_at = self._clock.now() + timedelta(seconds=delay_s)
        message.claimed_until = None
        if not count_attempt:
            message.attempts -= 1
