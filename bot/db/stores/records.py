"""The audit trail: appended to under the chain head's lock, read back in order."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.db.models import AuditChainHead, AuditEvent

HEAD_ID = 1
GENESIS = "0" * 64


class AuditRepository:
    """Events are written at once (a flow can read its own), and linked into the chain when the
    unit of work commits (:meth:`link_pending`): the head's lock is the last one a transaction
    takes and is held only for its commit, so appenders never wait on each other's work and no
    two locks are ever taken in opposite orders."""

    def __init__(self, session: Session):
        self._session = session
        self._pending: list[AuditEvent] = []
        self._digest: Callable[[AuditEvent], str] | None = None

    def add(self, event: AuditEvent, *, digest: Callable[[AuditEvent], str]) -> None:
        """``digest`` hashes an event once its ``seq`` and ``prev_hash`` are set."""
        self._session.add(event)
        self._pending.append(event)
        self._digest = digest

    def link_pending(self) -> None:
        """Chains this transaction's events, in the order they were recorded, after the head."""
        if not self._pending:
            return
        seq, prev = self.lock_head()
        for event in self._pending:
            seq += 1
            event.seq, event.prev_hash = seq, prev
            event.hash = prev = self._digest(event)
        self._session.flush()
        self._session.execute(update(AuditChainHead).where(AuditChainHead.id == HEAD_ID)
                              .values(seq=seq, hash=prev))
        self._pending.clear()

    def discard_pending(self) -> None:
        self._pending.clear()

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
        """Every event in chain order (``seq``), then any row without a position (put in by
        hand), read ``batch`` at a time: a large trail is never held in memory at once."""
        for column, where in ((AuditEvent.seq, AuditEvent.seq.is_not(None)),
                              (AuditEvent.id, AuditEvent.seq.is_(None))):
            last = 0
            while True:
                query = _filtered(select(AuditEvent).where(where), incident_id, since)
                rows = self._session.scalars(query.where(column > last).order_by(column)
                                             .limit(batch)).all()
                if not rows:
                    break
                yield from rows
                last = getattr(rows[-1], column.key)
                self._session.expunge_all()


def _filtered(query, incident_id: int | None, since: datetime | None):
    if incident_id is not None:
        query = query.where(AuditEvent.incident_id == incident_id)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    return query
