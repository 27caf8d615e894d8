"""The audit trail: who changed what, when, with what details."""

from datetime import datetime
from typing import Any

from bot.db.models import AuditEvent
from bot.db.unit_of_work import UnitOfWork


def record(uow: UnitOfWork, *, at: datetime, actor: str, action: str,
           incident_id: int | None = None, **details: Any) -> None:
    uow.audit.add(AuditEvent(at=at, actor=actor, action=action, incident_id=incident_id,
                             details=details))
