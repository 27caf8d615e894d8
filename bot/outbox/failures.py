"""How an outcome other than a send is written on its row, and the send metric's labels for it.

A failure ends the row (``suppressed``, ``expired``, ``failed`` for good) or makes it due again:
retried after an exponential backoff with jitter (no sooner than the provider's
``Retry-After``), deferred without counting the attempt, or ``unknown``, to be looked up at the
provider before anything is sent again.
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from bot.clock import Clock
from bot.config import OutboxSettings
from bot.db.models import OutboxMessage
from bot.outbox.contract import EXPIRED, Expired, Suppressed
from bot.ports import DeliveryError, OutcomeUnknown

log = logging.getLogger("bot.outbox.worker")  # the worker's lines, as operators filter them


class FailureRecorder:
    def __init__(self, *, settings: OutboxSettings, clock: Clock, rng: random.Random):
        self._settings, self._clock, self._rng = settings, clock, rng

    def record(self, message: OutboxMessage, error: DeliveryError) -> None:
        if isinstance(error, Suppressed):
            log.info("outbox %s suppressed: %s", message.idempotency_key, error.code)
            _end(message, "suppressed", error)
            return
        if isinstance(error, Expired):
            log.info("outbox %s expired before it could be sent", message.idempotency_key)
            _end(message, EXPIRED, error)
            return
        unknown = isinstance(error, OutcomeUnknown)
        # An unknown outcome at the last attempt still gets its last look (LAST_LOOK).
        if error.permanent or (message.attempts >= self._settings.max_attempts and not unknown):
            # The reason is stored; the log names the key and code only (no phone numbers).
            log.warning("outbox %s failed for good after %d attempt(s): %s",
                        message.idempotency_key, message.attempts, error.code)
            _end(message, "failed", error)
            return
        delay = min(self._settings.backoff_max_s,
                    self._settings.backoff_base_s * 2 ** (max(message.attempts, 1) - 1))
        delay = delay * (0.5 + self._rng.random() / 2)
        if error.retry_after is not None:
            delay = max(delay, error.retry_after)
        log.info("outbox %s %s in %.1fs: %s", message.idempotency_key,
                 "outcome unknown, to be looked up" if unknown else "retry", delay, error.code)
        self.retry_later(message, error.code, str(error), delay)
        if unknown:
            message.status = "unknown"

    def retry_later(self, message: OutboxMessage, code: str, text: str, delay_s: float,
                    count_attempt: bool = True) -> None:
        message.status = "pending"
        message.error_code, message.error_message = code, text
        message.next_attempt_at = self._clock.now() + timedelta(seconds=delay_s)
        message.claimed_until = None
        if not count_attempt:
            message.attempts -= 1


def metric_labels(row: OutboxMessage) -> tuple[str, str, str | None]:
    """The send metric's labels for a row just recorded: its kind, what happened (its status;
    ``retry`` or ``deferred`` for a row due again) and the error code."""
    if row.status == "pending":
        return row.kind, "deferred" if row.error_code == "deferred" else "retry", row.error_code
    return row.kind, row.status, row.error_code


def _end(message: OutboxMessage, status: str, error: DeliveryError) -> None:
    message.status = status
    message.error_code, message.error_message = error.code, str(error)
    message.claimed_until = None
