"""The inbox: a request added once per dedupe key, claimed under a lease, finished once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.db.models import InboxDone, InboxRequest


class InboxRepository:
    def __init__(self, session: Session):
        self._session = session

    def add_new(self, rows: list[dict]) -> set[str]:
        """Inserts the rows whose dedupe key is new in one statement; returns those keys.

        ``INSERT … ON CONFLICT DO NOTHING RETURNING`` (SQLite and PostgreSQL alike): a replay,
        or the same request twice in one batch, inserts nothing and raises nothing.
        """
        if not rows:
            return set()
        dialect = self._session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = (insert(InboxRequest)
                     .on_conflict_do_nothing(index_elements=["dedupe_key"])
                     .returning(InboxRequest.dedupe_key))
        # One cached statement for any batch size (SQLAlchemy's "insertmanyvalues").
        return set(self._session.scalars(statement, rows))

    def claim(self, *, now: datetime, limit: int, lease: timedelta,
              max_attempts: int) -> list[InboxRequest]:
        """Up to ``limit`` pending requests (or running ones whose worker died), oldest first."""
        due = (select(InboxRequest.id)
               .where(or_(InboxRequest.status == "pending",
                          (InboxRequest.status == "running") & (InboxRequest.claimed_until < now)),
                      InboxRequest.attempts < max_attempts)
               .order_by(InboxRequest.id).limit(limit).with_for_update(skip_locked=True))
        ids = list(self._session.scalars(due))
        if not ids:
            return []
        self._session.execute(update(InboxRequest).where(InboxRequest.id.in_(ids))
                              .values(status="running", claimed_until=now + lease,
                                      attempts=InboxRequest.attempts + 1))
        return list(self._session.scalars(select(InboxRequest).where(InboxRequest.id.in_(ids))
                                          .order_by(InboxRequest.id)
                                          .execution_options(populate_existing=True)))

    def give_up_exhausted(self, *, now: datetime, max_attempts: int) -> int:
        """Requests whose worker died ``max_attempts`` times while running them: failed."""
        result = self._session.execute(
            update(InboxRequest)
            .where(InboxRequest.status == "running", InboxRequest.claimed_until < now,
                   InboxRequest.attempts >= max_attempts)
            .values(status="failed", finished_at=now,
                    error="its worker stopped while running it, every attempt"))
        return result.rowcount or 0

    def extend(self, ids: list[int], *, until: datetime) -> None:
        """Renews the lease of requests this worker still holds."""
        self._session.execute(update(InboxRequest)
                              .where(InboxRequest.id.in_(ids), InboxRequest.status == "running")
                              .values(claimed_until=until))

    def finish(self, request_id: int, *, now: datetime, error: str | None = None) -> None:
        self._session.execute(update(InboxRequest).where(InboxRequest.id == request_id)
                              .values(status="failed" if error else "done", finished_at=now,
                                      error=error, claimed_until=None))

    def waiting(self) -> int:
        return self._session.scalar(select(func.count()).select_from(InboxRequest)
                                    .where(InboxRequest.status.in_(("pending", "running")))) or 0

    def list(self, *, status: str | None = None) -> Sequence[InboxRequest]:
        query = select(InboxRequest).order_by(InboxRequest.id)
        if status is not None:
            query = query.where(InboxRequest.status == status)
        return self._session.scalars(query).all()


class InboxDoneRepository:
    """In the main database: which requests' effects are committed."""

    def __init__(self, session: Session):
        self._session = session

    def mark(self, key: str, *, now: datetime) -> None:
        self._session.add(InboxDone(request_key=key, done_at=now))

    def done(self, keys: list[str]) -> set[str]:
        if not keys:
            return set()
        return set(self._session.scalars(select(InboxDone.request_key)
                                         .where(InboxDone.request_key.in_(keys))))
