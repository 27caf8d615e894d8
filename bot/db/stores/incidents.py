"""Incidents and their timeline."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import Incident

NUMBERING_LOCK = 0x636F6F72  # arbitrary constant: the advisory lock serialising incident numbers


class IncidentRepository:
    def __init__(self, session: Session):
        self._session = session

    def add(self, incident: Incident) -> None:
        self._session.add(incident)
        self._session.flush()

    def next_number(self, year: int) -> int:
        """The next incident number of ``year``; holds a lock until commit on PostgreSQL."""
        if self._session.get_bind().dialect.name == "postgresql":
            self._session.execute(select(func.pg_advisory_xact_lock(NUMBERING_LOCK)))
        current = self._session.scalar(select(func.max(Incident.number)).where(Incident.year == year))
        return (current or 0) + 1

    def get(self, incident_id: int) -> Incident | None:
        return self._session.get(Incident, incident_id)

    def lock(self, incident_id: int) -> Incident | None:
        """The incident, its row locked until the transaction ends (numbering its items)."""
        return self._session.scalar(select(Incident).where(Incident.id == incident_id)
                                    .with_for_update())

    def by_key(self, key: str) -> Incident | None:
        return self._session.scalar(select(Incident).where(Incident.key == key))

    def by_channel(self, channel_id: str) -> Incident | None:
        return self._session.scalar(select(Incident).where(Incident.channel_id == channel_id))

    def list(self, *, status: str | None = None, limit: int = 50) -> Sequence[Incident]:
        query = select(Incident).order_by(Incident.declared_at.desc(), Incident.id.desc())
        if status:
            query = query.where(Incident.status == status)
        return self._session.scalars(query.limit(limit)).all()
