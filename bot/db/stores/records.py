"""The audit trail: appended to, read back in order."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import AuditEvent


class AuditRepository:
    def __init__(self, session: Session):
        self._session = session

    def add(self, event: AuditEvent) -> None:
        self._session.add(event)

    def list(self, *, incident_id: int | None = None, action: str | None = None) -> Sequence[AuditEvent]:
        query = select(AuditEvent).order_by(AuditEvent.id)
        if incident_id is not None:
            query = query.where(AuditEvent.incident_id == incident_id)
        if action is not None:
            query = query.where(AuditEvent.action == action)
        return self._session.scalars(query).all()
