"""The audit trail: appended to under the chain head's lock, read back in order."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.db.models import AuditChainHead, AuditEvent

HEAD_ID = 1
GENESIS = "0" * 64


class AuditRepository:
    def __init__(self, session: Session):
        self._session = session

    def lock_head(self) -> tuple[int, str]:
        """The head's ``(seq, hash)``, locked until the transaction ends.

        On PostgreSQL ``SELECT … FOR UPDATE`` makes a second appender wait for the first to commit
        and then read the head it left; on SQLite a writing transaction already holds the one
        write lock (``BEGIN IMMEDIATE``). Either way two processes never link to the same event.
        """
        head = self._session.scalars(
            select(AuditChainHead).where(AuditChainHead.id == HEAD_ID)
            .with_for_update().execution_options(populate_existing=True)).one_or_none()
        if head is None:  # a schema made from the models, never migrated: the chain starts here
            head = AuditChainHead(id=HEAD_ID, seq=0, hash=GENESIS)
            self._session.add(head)
            self._session.flush()
        return head.seq, head.hash

    def append(self, event: AuditEvent) -> None:
        """Adds ``event`` (its ``seq`` and ``hash`` set) and moves the head to it."""
        self._session.add(event)
        self._session.flush()
        self._session.execute(update(AuditChainHead).where(AuditChainHead.id == HEAD_ID)
                              .values(seq=event.seq, hash=event.hash))

    def head(self) -> tuple[int, str]:
        head = self._session.get(AuditChainHead, HEAD_ID)
        return (head.seq, head.hash) if head else (0, GENESIS)

    def list(self, *, incident_id: int | None = None, action: str | None = None) -> Sequence[AuditEvent]:
        query = select(AuditEvent).order_by(AuditEvent.id)
        if incident_id is not None:
            query = query.where(AuditEvent.incident_id == incident_id)
        if action is not None:
            query = query.where(AuditEvent.action == action)
        return self._session.scalars(query).all()

    def last(self, *, action: str) -> AuditEvent | None:
        return self._session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                     .order_by(AuditEvent.id.desc()).limit(1)).first()

    def latest(self, *, incident_id: int | None, limit: int) -> list[AuditEvent]:
        """The last ``limit`` events (of one incident, or all), oldest first."""
        query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
        if incident_id is not None:
            query = query.where(AuditEvent.incident_id == incident_id)
        return list(reversed(self._session.scalars(query).all()))

    def count(self, *, incident_id: int | None = None, since: datetime | None = None) -> int:
        query = select(func.count()).select_from(AuditEvent)
        return self._session.scalar(_filtered(query, incident_id, since)) or 0

    def stream(self, *, incident_id: int | None = None, since: datetime | None = None,
               batch: int = 1000) -> Iterator[AuditEvent]:
        """Every event in chain order, read ``batch`` at a time (a large trail is never held
        in memory at once)."""
        last = 0
        while True:
            query = _filtered(select(AuditEvent), incident_id, since)
            rows = self._session.scalars(query.where(AuditEvent.id > last)
                                         .order_by(AuditEvent.id).limit(batch)).all()
            if not rows:
                return
            yield from rows
            last = rows[-1].id
            self._session.expunge_all()


def _filtered(query, incident_id: int | None, since: datetime | None):
    if incident_id is not None:
        query = query.where(AuditEvent.incident_id == incident_id)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    return query
