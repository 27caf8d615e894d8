"""Writing a message to the durable outbox, in the transaction of the change that causes it."""

from __future__ import annotations

from typing import Any

from bot.db.models import OutboxMessage
from bot.db.unit_of_work import UnitOfWork
from bot.outbox.kinds import Kind, priority_of


def enqueue(uow: UnitOfWork, *, key: str, kind: Kind | str, purpose: str, payload: dict[str, Any],
            now: Any, incident_id: int | None = None, recipient: str | None = None,
            language: str | None = None, segments: int | None = None,
            not_before: Any = None, expires_at: Any = None) -> bool:
    """Adds a message to the outbox in ``uow``'s transaction; a repeated key is a no-op.

    Its claim priority follows from ``purpose`` (``kinds.PRIORITY``); a message with
    ``expires_at`` is never sent after that instant (recorded ``expired``).
    """
    return uow.outbox.add(OutboxMessage(
        idempotency_key=key, kind=str(kind), purpose=purpose, incident_id=incident_id,
        recipient=recipient, language=language, payload=payload, status="pending",
        attempts=0, next_attempt_at=not_before or now, created_at=now, segments=segments,
        priority=priority_of(purpose), expires_at=expires_at,
    ))
