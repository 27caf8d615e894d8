"""The durable outbox: messages are written with the change that causes them, then delivered.

``enqueue`` runs inside the caller's unit of work, so a message exists if and only if its cause
was committed. ``OutboxWorker`` claims due rows (a lease, kept alive while the batch is in
flight; ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), hands each to the sender registered for its
kind, and records the outcome: sent with the provider's id, retried later with exponential
backoff and jitter, ``unknown`` when the provider's answer was lost, or failed for good.

A row whose previous attempt may have reached the provider (``unknown``, or reclaimed after its
lease ran out mid-send) is never sent again blindly: the sender's ``reconcile`` asks the provider
first, and a lookup that fails leaves the row ``unknown`` to be asked again later. Attempts are
bounded by ``outbox.max_attempts`` on every path: once they are spent, an uncertain row gets one
last look (never a send) and is recorded ``sent`` or ``failed``.
"""

from __future__ import annotations

import logging
import random
import threading
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot import logs
from bot.clock import Clock
from bot.config import OutboxSettings
from bot.db.models import OutboxMessage
from bot.db.models.outbox import LAST_LOOK, UNCERTAIN
from bot.db.unit_of_work import Database, UnitOfWork
from bot.observe import metrics
from bot.outbox.claims import DeadClaims, within_rates
from bot.outbox.contract import (
    AfterRecord,
    Deferred,
    Delivered,
    Expired,
    Recorder,
    Sender,
    Suppressed,
)
from bot.outbox.failures import FailureRecorder, metric_labels
from bot.outbox.lease import LeaseKeeper
from bot.ports import DeliveryError, OutcomeUnknown

log = logging.getLogger(__name__)


# The part of a second of its sender's budget one claim covers (``OutboxWorker.claim_limit``).
CLAIM_AHEAD_S = 0.2
RUN_ROUNDS = 100  # claims per ``_drain`` in ``run`` (between them nothing is held in flight)


@dataclass(frozen=True)
class _Sent:
    """The outcome of a send the provider took: the batch's are recorded together
    (``OutboxRepository.record_sent``): sent, its provider id kept, any earlier error cleared."""

    result: Delivered


Outcome = _Sent | Recorder


@dataclass
class _Batch:
    """One claim on its way: its rows, those refused before sending, and, once started, the
    rows to send (highest priority first), their lease and their sends in the pool."""

    uow: UnitOfWork  # the claim's, kept open: its session holds the rows until they are recorded
    claimed: list[OutboxMessage]
    refused: dict[int, Suppressed]
    full: bool  # the claim took all it could (more is probably due) and no budget paces it
    to_send: list[OutboxMessage] = field(default_factory=list)
    lease: Any = None
    futures: list[Future] | None = None  # the pool's senders of the batch, each taking rows in turn
    outcomes: dict[int, Outcome] = field(default_factory=dict)  # by row id, as they are sent


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
                 rng: random.Random | None = None, after_record: AfterRecord | None = None):
        self._db = db
        self._after_record = after_record
        self._clock = clock
        self._settings = settings
        self._senders = senders
        self.wakeup = wakeup or Wakeup()
        self.listening = threading.Event()  # set while a PostgreSQL LISTEN wakes this worker
        self._failures = FailureRecorder(settings=settings, clock=clock,
                                         rng=rng or random.Random())
        self._claims = DeadClaims(db=db, clock=clock, lease_s=settings.lease_s)
        self._segments_per_row = 1.0  # of the last claim's texts: a budget counts segments
        self._pool = (ThreadPoolExecutor(settings.concurrency, thread_name_prefix="outbox-send")
                      if settings.concurrency > 1 else None)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        self._claims.close()

    def drain_once(self) -> int:
        """Claims one batch of due messages, sends them, records the outcomes in one transaction.

        Provider calls happen outside any transaction, ``outbox.concurrency`` at a time, so a
        slow provider holds no database locks; the lease is renewed while they run.
        """
        batch = self._claim()
        if batch is None:
            return 0
        self._finish(self._start(batch))
        return len(batch.claimed)

    def _claim(self) -> _Batch | None:
        """One claim in its own transaction: the due rows less those handed back or refused;
        None when nothing is to be sent. The rows stay in the claim's session (which holds no
        connection once it has committed), read by the sending threads and then recorded in
        that session's next transaction (``_record``) without being loaded again."""
        limit = self.claim_limit()
        with self._db.unit_of_work(keep_open=True) as uow:
            try:
                self._claims.sweep(uow)  # a dead worker's rows are due at once, not at lease end
                rows = uow.outbox.claim_due_rows(now=self._clock.now(), limit=limit,
                                                 lease=timedelta(seconds=self._settings.lease_s),
                                                 max_attempts=self._settings.max_attempts,
                                                 claimant=self._claims.token())
                claimed = within_rates(uow, rows, self._senders, self._settings.lease_s)
                refused = self._prepare(uow, claimed)
                uow.commit()
            except BaseException:
                uow.rollback()
                uow.session.close()
                raise
        if not claimed:
            uow.session.close()
            return None
        sized = [m.segments for m in claimed if m.segments]
        if sized:
            self._segments_per_row = sum(sized) / len(sized)
        # Claimed ahead only when nothing paces the sends: under a budget they wait for their
        # slots anyway, and a claim ahead would make an urgent message wait for two batches.
        ahead = len(rows) >= limit and not self._paced()
        return _Batch(uow=uow, claimed=claimed, refused=refused, full=ahead)

    def _start(self, batch: _Batch) -> _Batch:
        """Hands the batch's sends to the pool (or, without one, leaves them to ``_finish``),
        highest priority first, under a lease kept alive until they are done."""
        # Highest priority first within the batch too (the claim returns rows in id order).
        batch.to_send = sorted((m for m in batch.claimed if m.id not in batch.refused),
                               key=lambda m: (m.priority, m.next_attempt_at, m.id))
        batch.lease = LeaseKeeper(db=self._db, clock=self._clock,
                                  held={m.id: m.attempts for m in batch.claimed},
                                  lease_s=self._settings.lease_s).__enter__()
        if self._pool is not None and len(batch.to_send) > 1:
            queue = deque(batch.to_send)
            batch.futures = [self._pool.submit(self._send_in_turn, batch, queue)
                             for _ in range(min(self._settings.concurrency, len(queue)))]
        return batch

    def _send_in_turn(self, batch: _Batch, queue: deque[OutboxMessage]) -> None:
        """Sends the batch's next row until none is left (the pool's threads share ``queue``:
        a deque's pops are atomic; without a pool, ``_finish`` runs it alone). One task per
        thread rather than one per row: a Future for each of 10,000 texts cost about 10 µs of
        CPU apiece."""
        while True:
            try:
                message = queue.popleft()
            except IndexError:
                return
            batch.outcomes[message.id] = self._send_held(batch.lease, message)

    def _send_held(self, lease: LeaseKeeper, message: OutboxMessage) -> Outcome:
        lease.beat_if_due()
        with logs.context(outbox_key=message.idempotency_key):
            return self._send(message)

    def _finish(self, batch: _Batch) -> None:
        """Waits for the batch's sends (sending them here without a pool), then records their
        outcomes in one transaction."""
        lease = batch.lease
        try:
            if batch.futures is None:
                self._send_in_turn(batch, deque(batch.to_send))
            for future in batch.futures or ():
                future.result()
            lease.beat_if_due()
        finally:
            lease.__exit__(None, None, None)
        outcomes = batch.outcomes
        for message_id, error in batch.refused.items():
            outcomes[message_id] = self._failure_outcome(error)
        self._record(batch, [outcomes[m.id] for m in batch.claimed])

    def claim_limit(self) -> int:
        """``batch_size`` (a slow sender's kind is cut to its rate after the claim:
        ``claims.within_rates``, so one call a second does not shrink every SMS claim).

        A sender with a shared send budget (``segments_per_s``) keeps claims to about a fifth of
        a second of it (at least ``concurrency``): a worker comes back to the queue that often,
        so a reminder queued behind a large notice waits for one short batch, not a long one.
        The fifth of a second is of this worker's share of the budget, in segments: the budget
        is divided among the workers that held rows at the last look, and rows are counted at
        the last claim's segments per message. (Claims of a whole fifth each, by four workers
        sending 2-segment texts, took 1.6 s to send, and a reminder waited up to that long.)
        """
        limit = self._settings.batch_size
        for sender in self._senders.values():
            budget = getattr(sender, "segments_per_s", 0) or 0
            if budget > 0:
                share = budget * CLAIM_AHEAD_S / self._claims.sharing / self._segments_per_row
                limit = min(limit, max(self._settings.concurrency, int(share)))
        return limit

    def _paced(self) -> bool:
        """Whether a sender has a shared send budget (``segments_per_s``)."""
        return any((getattr(sender, "segments_per_s", 0) or 0) > 0
                   for sender in self._senders.values())

    def _prepare(self, uow: UnitOfWork, claimed: list[OutboxMessage]) -> dict[int, Suppressed]:
        refused: dict[int, Suppressed] = {}
        for kind in {m.kind for m in claimed}:
            prepare = getattr(self._senders.get(kind), "prepare", None)
            if prepare is not None:
                refused.update(prepare(uow, [m for m in claimed if m.kind == kind]))
        return refused

    def _record(self, batch: _Batch, outcomes: list[Outcome]) -> None:
        """The batch's outcomes in one transaction of its claim's session: the rows sent (most
        of a batch) in one statement that also says which of them this worker still held, the
        others one by one, then the senders' hooks."""
        with self._db.resume(batch.uow) as uow, uow.session.no_autoflush:
            # Only the claim's owner records: after a lease expired another worker may own it.
            pairs = list(zip(batch.claimed, outcomes, strict=True))
            held = uow.outbox.still_held([row for row, o in pairs if not isinstance(o, _Sent)])
            held |= uow.outbox.record_sent([(row, o.result.provider_id) for row, o in pairs
                                            if isinstance(o, _Sent)], at=self._clock.now())
            recorded: dict[str, list[tuple[OutboxMessage, DeliveryError | None]]] = {}
            for row, outcome in pairs:
                if row.id not in held:
                    log.warning("outbox %s: claim lost before its outcome was recorded",
                                row.idempotency_key)
                    continue
                if isinstance(outcome, _Sent):
                    error = None
                else:
                    with logs.context(outbox_key=row.idempotency_key):
                        error = outcome(uow, row)
                recorded.setdefault(row.kind, []).append((row, error))
            counted = Counter(metric_labels(row) for pairs in recorded.values() for row, _ in pairs)
            for kind, pairs in recorded.items():
                hook = getattr(self._senders.get(kind), "after_outcomes", None)
                if hook is not None:
                    hook(uow, pairs)
            if self._after_record is not None:
                self._after_record(uow, [p for pairs in recorded.values() for p in pairs],
                                   self._clock.now())
            uow.commit()
        # Counted once the outcomes are committed: a batch whose record failed is sent (or
        # looked up) again, and would otherwise be counted twice.
        for (kind, outcome, code), count in counted.items():
            metrics.send_outcome(kind, outcome, code, count=count)

    def drain(self, max_rounds: int = 100) -> int:
        """Delivers until nothing is due (tests and the demo use this); returns how many rows
        it handled."""
        return self._drain(max_rounds)[0]

    def _drain(self, max_rounds: int, stop: threading.Event | None = None) -> tuple[int, bool]:
        """Claims and delivers batches until a claim finds nothing (then returns ``(handled,
        True)``), ``max_rounds`` claims were made or ``stop`` is set.

        While a full batch is being sent (a backlog: a large notice), the next batch is claimed
        and queued behind it, and the first is recorded while the next is sent: the pool is not
        left idle during the claim's and the record's transactions. A batch that was not full,
        or one of a worker whose sends a budget paces, is recorded before the next claim, as
        one at a time would be, so that what its outcomes make due (a reply's edit, a dependent
        post) is claimed next.
        """
        total, in_flight = 0, None
        try:
            for _ in range(max_rounds):
                if stop is not None and stop.is_set():
                    break
                if in_flight is not None and not in_flight.full:
                    batch, in_flight = in_flight, None
                    self._finish(batch)
                batch = self._claim()
                total += len(batch.claimed) if batch is not None else 0
                if in_flight is not None:  # claimed ahead, while in_flight was being sent
                    started = self._start(batch) if batch is not None else None
                    previous, in_flight = in_flight, started
                    self._finish(previous)
                    continue
                if batch is None:
                    return total, True
                in_flight = self._start(batch)
        finally:
            if in_flight is not None:
                self._finish(in_flight)
        return total, False

    def run(self, stop: threading.Event) -> None:
        """Drains until ``stop``; when idle it waits for a wake-up (this process's ``Wakeup``,
        or on PostgreSQL a ``NOTIFY`` from any process that queued work) or the next poll."""
        log.info("outbox worker started")
        listener = self._db.listen(self.wakeup.notify, listening=self.listening)
        try:
            while not stop.is_set():
                try:
                    _, idle = self._drain(RUN_ROUNDS, stop)
                except Exception:
                    log.exception("outbox worker round failed; retrying")
                    idle = True
                if idle:
                    self.wakeup.wait(self._claims.idle_wait(self._settings.poll_interval_s))
        finally:
            if listener is not None:
                listener.stop()
        log.info("outbox worker stopped")

    def _send(self, message: OutboxMessage) -> Outcome:
        sender = self._senders.get(message.kind)
        try:
            if sender is None:
                raise DeliveryError("unknown_kind", f"no sender for {message.kind}",
                                    permanent=True)
            reconcile = getattr(sender, "reconcile", None)
            if message.error_code in UNCERTAIN and reconcile is not None:
                found = self._reconcile(reconcile, message)
                if not isinstance(found, Delivered | None):
                    return found
                metrics.reconcile_lookup(message.kind, "absent" if found is None else "found")
                if found is not None:
                    log.info("outbox %s was already sent as %s", message.idempotency_key,
                             found.provider_id)
                    return _Sent(found)
            if message.error_code == LAST_LOOK:
                return self._failure_outcome(DeliveryError(
                    "gave_up", f"not sent after {message.attempts} attempt(s) (outcome of the "
                    "last one unknown, and it is not at the provider)", permanent=True))
            if message.expires_at is not None and message.expires_at <= self._clock.now():
                return self._failure_outcome(Expired(
                    f"not sent: it expired at {message.expires_at:%Y-%m-%d %H:%M:%S} UTC"))
            result = sender(message)
        except Deferred as deferred:
            reason, delay = str(deferred), deferred.delay_s
            def defer(uow: UnitOfWork, row: OutboxMessage) -> None:
                self._failures.retry_later(row, "deferred", reason, delay, count_attempt=False)

            return defer
        except DeliveryError as error:
            return self._failure_outcome(error)
        except Exception as error:  # a bug or an unexpected answer: keep the message, log loudly
            log.exception("outbox %s (%s) raised", message.idempotency_key, message.kind)
            return self._failure_outcome(DeliveryError("exception", repr(error), permanent=False))
        return _Sent(result)

    def _reconcile(self, reconcile: Callable[[OutboxMessage], Delivered | None],
                   message: OutboxMessage) -> Delivered | None | Outcome:
        """The provider's answer about an uncertain row, or the outcome of not getting one: the
        row stays ``unknown`` (failed for good at its last look). Never a send."""
        try:
            return reconcile(message)
        except Exception as error:  # DeliveryError or not, the provider could not say
            metrics.reconcile_lookup(message.kind, "failed")
            if not isinstance(error, DeliveryError):
                log.exception("outbox %s: reconcile raised", message.idempotency_key)
            retry_after = getattr(error, "retry_after", None)
            code = getattr(error, "code", "exception")
            if message.error_code == LAST_LOOK:
                return self._failure_outcome(DeliveryError(
                    "gave_up", f"outcome unknown after {message.attempts} attempt(s); the "
                    f"last lookup failed ({code})", permanent=True))
            return self._failure_outcome(OutcomeUnknown(
                code, f"lookup failed: {error}", retry_after=retry_after))

    def _failure_outcome(self, error: DeliveryError) -> Outcome:
        def record(uow: UnitOfWork, row: OutboxMessage) -> DeliveryError:
            self._failures.record(row, error)
            return error

        return record
