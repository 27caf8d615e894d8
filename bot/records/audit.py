"""The audit trail: who changed what, when, with what details — each event hash-chained.

:func:`record` writes the event in the caller's transaction; when that transaction commits, its
events are linked after the chain's head (``bot.records.chain``), under the head's lock. An event
rolled back leaves the chain as it was.
"""

from datetime import datetime
from typing import Any

from bot.db.models import AuditEvent
from bot.db.unit_of_work import UnitOfWork
from bot.records import chain


def record(uow: UnitOfWork, *, at: datetime, actor: str, action: str,
           incident_id: int | None = None, **details: Any) -> None:
    event = AuditEvent(at=at, actor=actor, action=action, incident_id=incident_id,
                       details=chain.as_stored(details))
    uow.audit.add(event, digest=lambda linked: chain.digest(as_dict(linked)))


def as_dict(event: AuditEvent) -> dict[str, Any]:
    """An event as the chain (and an export) sees it."""
    return {"id": event.id, "seq": event.seq, "at": event.at, "actor": event.actor,
            "action": event.action, "incident_id": event.incident_id,
            "details": event.details or {}, "prev_hash": event.prev_hash, "hash": event.hash}
