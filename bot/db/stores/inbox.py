"""The inbox: a request added once per dedupe key, claimed under a lease, finished once."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot.db.models import InboxDone, InboxRequest

FINISHED = ("done", "failed")


def _add_new_statement(dialect: str):
    """``INSERT … ON CONFLICT DO NOTHING RETURNING`` (SQLite and PostgreSQL alike): a replay,
    or the same request twice in one batch, inserts nothing and raises nothing. One cached
    statement for any batch size (SQLAlchemy's "insertmanyvalues")."""
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    return (insert(InboxRequest)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(InboxRequest.dedupe_key))


class InboxAppender:
    """Adds acknowledged requests over one connection that stays open.

    The web process's inbox writer calls it for every group of requests on the
    acknowledgement's path; a session's set-up and tear-down per group cost more than the
    insert itself. A connection that failed is dropped and a new one opened next time.

    On SQLite the worker's claims take the inbox file's write lock for a millisecond or two.
    SQLite's own busy handler then sleeps 1, 2, 5, 10 ms … before it looks again, so one such
    wait cost an acknowledgement 18 ms; this writer looks again every ``LOCK_POLL_S`` instead,
    for as long as SQLite would have waited (``LOCK_BUDGET_S``).
    """

    LOCK_POLL_S = 0.0005
    LOCK_BUDGET_S = 30.0

    def __init__(self, engine: Engine):
        self._engine = engine
        self._statement = _add_new_statement(engine.dialect.name)
        self._connection: Connection | None = None

    def add_new(self, rows: list[dict]) -> set[str]:
        """Inserts the rows whose dedupe key is new, in one committed transaction; returns
        those keys."""
        if not rows:
            return set()
        deadline = time.monotonic() + self.LOCK_BUDGET_S
        while True:
            connection = self._connection = self._connection or self._open()
            try:
                with connection.begin():
                    return set(connection.scalars(self._statement, rows))
            except OperationalError as error:
                if not _locked(error) or time.monotonic() > deadline:
                    self.close()
                    raise
                self._rewind(connection)
            except Exception:
                self.close()
                raise
            time.sleep(self.LOCK_POLL_S)

    def _rewind(self, connection: Connection) -> None:
        """Back to no transaction after a refused ``BEGIN``, or a new connection next time."""
        try:
            connection.rollback()
        except Exception:
            self.close()

    def _open(self) -> Connection:
        connection = self._engine.connect()
        if self._engine.dialect.name == "postgresql":
            # One multi-row INSERT is its own transaction: committed, durable, in one round trip
            # instead of three (BEGIN, INSERT, COMMIT). A batch never exceeds one statement
            # (MAX_BATCH is below SQLAlchemy's insertmanyvalues page size).
            return connection.execution_options(isolation_level="AUTOCOMMIT")
        if self._engine.dialect.name == "sqlite":
            # A checkpoint writes the WAL back into the file and syncs it to disk: tens of
            # milliseconds that would hold up every acknowledgement waiting on this writer. The
            # worker process's connections, which keep SQLite's default, checkpoint instead.
            connection.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
            connection.exec_driver_sql("PRAGMA busy_timeout=0")  # see LOCK_POLL_S
            connection.commit()
        return connection

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.invalidate()
            connection.close()


def _locked(error: OperationalError) -> bool:
    return "database is locked" in str(error.orig)


class InboxRepository:
    def __init__(self, session: Session):
        self._session = session

    def claim(self, *, now: datetime, limit: int, lease: timedelta,
              max_attempts: int) -> list[int]:
        """Claims up to ``limit`` pending requests (or running ones whose worker died), oldest
        first; their ids. Only ids: on SQLite this transaction holds the inbox's write lock, which
        the web process waits for to acknowledge, so the rows are read afterwards (``by_ids``)."""
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
        return ids

    def by_ids(self, ids: list[int]) -> list[InboxRequest]:
        """The requests, detached: they are read once and outlive this transaction."""
        rows = list(self._session.scalars(select(InboxRequest).where(InboxRequest.id.in_(ids))
                                          .order_by(InboxRequest.id)
                                          .execution_options(populate_existing=True)))
        for row in rows:
            self._session.expunge(row)
        return rows

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

    def finish(self, finished: list[tuple[int, str | None]], *, now: datetime) -> None:
        """Marks requests done, or failed with their error: one statement for all those done."""
        done = [request_id for request_id, error in finished if error is None]
        if done:
            self._session.execute(update(InboxRequest).where(InboxRequest.id.in_(done))
                                  .values(status="done", finished_at=now, claimed_until=None))
        for request_id, error in finished:
            if error is not None:
                self._session.execute(update(InboxRequest).where(InboxRequest.id == request_id)
                                      .values(status="failed", finished_at=now, error=error,
                                              claimed_until=None))

    def waiting(self) -> int:
        return self._session.scalar(select(func.count()).select_from(InboxRequest)
                                    .where(InboxRequest.status.in_(("pending", "running")))) or 0

    def finished_before(self, before: datetime, *, limit: int | None = None) -> list[int]:
        """Requests done or failed by ``before``, oldest first (retention forgets them; a replay
        of one is still recognised by ``inbox_done``, in the main database)."""
        return list(self._session.scalars(
            select(InboxRequest.id).where(InboxRequest.status.in_(FINISHED),
                                          InboxRequest.finished_at <= before)
            .order_by(InboxRequest.id).limit(limit)))

    def finished_mentioning(self, mentions: Callable[[bytes], bool], *,
                            batch: int = 500) -> list[int]:
        """Finished requests whose stored command or error ``mentions`` finds something in
        (erasure); read a batch at a time."""
        found, last = [], 0
        while True:
            rows = self._session.execute(
                select(InboxRequest.id, InboxRequest.work, InboxRequest.error)
                .where(InboxRequest.status.in_(FINISHED), InboxRequest.id > last)
                .order_by(InboxRequest.id).limit(batch)).all()
            if not rows:
                return found
            last = rows[-1][0]
            found += [row[0] for row in rows
                      if mentions(bytes(row[1])) or mentions((row[2] or "").encode())]

    def forget(self, ids: list[int]) -> int:
        forgotten = 0
        for start in range(0, len(ids), 900):
            forgotten += self._session.execute(delete(InboxRequest).where(
                InboxRequest.id.in_(ids[start:start + 900]))).rowcount or 0
        return forgotten

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
