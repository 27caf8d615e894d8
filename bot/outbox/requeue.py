"""Putting failed texts and posts back in the outbox (``coordbot messages retry``, the failure
report's *Retry these* button)."""

from __future__ import annotations

from typing import Any

from bot.db.models import OutboxMessage
from bot.db.unit_of_work import UnitOfWork
from bot.records import audit

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
