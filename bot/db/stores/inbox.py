"""The inbox: a request added once per dedupe key, claimed under a lease, finished once."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, func, or_, select, update
from sqlalchemy.orm import Session

from bot.db.models import InboxDone, InboxRequest
from bot.db.stores.membership import among, one_of

FINISHED = ("done", "failed")

# The columns the web process writes when it acknowledges a request.
APPENDED = ("dedupe_key", "kind", "work", "status", "attempts", "received_at")


class _GroupInsert:
    """One ``INSERT … ON CONFLICT DO NOTHING RETURNING`` for a group of acknowledged requests,
    its values converted by the table's own column types, exactly as SQLAlchemy stores them (a
    replay, or the same request twice in one group, inserts nothing and raises nothing)."""

    def __init__(self, engine: Engine):
        dialect = engine.dialect
        table = InboxRequest.__table__
        self._convert = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                         for name in APPENDED]
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        quote = dialect.identifier_preparer
        self._into = (f"INSERT INTO {quote.format_table(table)} "
                      f"({', '.join(quote.quote(name) for name in APPENDED)}) VALUES ")
        self._row = "(" + ", ".join([mark] * len(APPENDED)) + ")"
        self._conflict = f" ON CONFLICT ({quote.quote('dedupe_key')}) DO NOTHING RETURNING " \
                         f"{quote.quote('dedupe_key')}"

    def statement(self, rows: list[dict]) -> tuple[str, list[Any]]:
        sql = self._into + ", ".join([self._row] * len(rows)) + self._conflict
        values = [convert(row[name]) if convert else row[name]
                  for row in rows for name, convert in zip(APPENDED, self._convert, strict=True)]
        return sql, values


class InboxAppender:
    """Adds acknowledged requests over one driver connection that stays open.

    The web process's inbox writer calls it for every group of requests on the
    acknowledgement's path, so it talks to the database driver itself: one ``_GroupInsert``
    per group. Through SQLAlchemy's connection the same group cost two and a half times the
    processor time (measured: 72 µs against 28 µs for one request on SQLite), all of it holding
    the interpreter lock that the event loop answering Slack needs. A connection that failed is
    dropped and a new one opened next time.

    On SQLite the worker's claims take the inbox file's write lock for a millisecond or two.
    SQLite's own busy handler then sleeps 1, 2, 5, 10 ms … before it looks again, so one such
    wait cost an acknowledgement 18 ms; this writer looks again every ``LOCK_POLL_S`` instead,
    for as long as SQLite would have waited (``LOCK_BUDGET_S``).
    """

    LOCK_POLL_S = 0.0005
    LOCK_BUDGET_S = 30.0

    def __init__(self, engine: Engine):
        self._engine = engine
        self._sqlite = engine.dialect.name == "sqlite"
        self._group = _GroupInsert(engine)
        self._errors = engine.dialect.loaded_dbapi
        self._connection: Any = None

    def add_new(self, rows: list[dict]) -> set[str]:
        """Inserts the rows whose dedupe key is new, in one committed transaction; returns
        those keys."""
        if not rows:
            return set()
        sql, values = self._group.statement(rows)
        deadline = time.monotonic() + self.LOCK_BUDGET_S
        while True:
            connection = self._connection = self._connection or self._open()
            try:
                return self._insert(connection, sql, values)
            except self._errors.OperationalError as error:
                if not (self._sqlite and _locked(error)) or time.monotonic() > deadline:
                    self.close()
                    raise
            except Exception:
                self.close()
                raise
            time.sleep(self.LOCK_POLL_S)

    def _insert(self, connection: Any, sql: str, values: list[Any]) -> set[str]:
        driver = connection.driver_connection
        if not self._sqlite:  # autocommit: the one statement is its own transaction
            with driver.cursor() as cursor:
                cursor.execute(sql, values)
                return {row[0] for row in cursor.fetchall()}
        driver.execute("BEGIN IMMEDIATE")  # refused while the worker holds the write lock
        try:
            added = {row[0] for row in driver.execute(sql, values)}
            driver.execute("COMMIT")
        except BaseException:
            driver.execute("ROLLBACK")
            raise
        return added

    def _open(self) -> Any:
        connection = self._engine.raw_connection()
        driver = connection.driver_connection
        if self._sqlite:
            # A checkpoint writes the WAL back into the file and syncs it to disk: tens of
            # milliseconds that would hold up every acknowledgement waiting on this writer. The
            # worker process's connections, which keep SQLite's default, checkpoint instead.
            driver.execute("PRAGMA wal_autocheckpoint=0")
            driver.execute("PRAGMA busy_timeout=0")  # see LOCK_POLL_S
        else:
            # One multi-row INSERT is its own transaction: committed, durable, in one round trip
            # instead of three (BEGIN, INSERT, COMMIT).
            driver.autocommit = True
        return connection

    def close(self) -> None:
        """Drops the connection: it is never handed back to the pool (on PostgreSQL it is in
        autocommit mode, which a pooled session must not inherit)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.invalidate()
            connection.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()


class AsyncInboxAppender:
    """The PostgreSQL inbox writer on the event loop itself: psycopg's asyncio connection, in
    autocommit, one ``_GroupInsert`` per group.

    A writer thread (``InboxAppender``) wakes from PostgreSQL's answer needing the interpreter
    lock while the event loop holds it answering other requests, so every group commit waited
    for a thread switch (up to Python's 5 ms switch interval) on top of the round trip. Here the
    answer is one more readable socket in the loop's own select. A connection that failed is
    closed and a new one opened for the next group.
    """

    def __init__(self, engine: Engine):
        self._group = _GroupInsert(engine)
        _args, self._connect_kwargs = engine.dialect.create_connect_args(engine.url)
        self._connection: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def add_new(self, rows: list[dict]) -> set[str]:
        """Inserts the rows whose dedupe key is new, committed; returns those keys."""
        if not rows:
            return set()
        import psycopg

        sql, values = self._group.statement(rows)
        if self._loop is not asyncio.get_running_loop():  # a connection serves one loop
            self._discard()
        if self._connection is None or self._connection.closed:
            self._connection = await psycopg.AsyncConnection.connect(**self._connect_kwargs,
                                                                    autocommit=True)
            self._loop = asyncio.get_running_loop()
        try:
            async with self._connection.cursor() as cursor:
                await cursor.execute(sql, values)
                return {row[0] for row in await cursor.fetchall()}
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()

    def _discard(self) -> None:
        """Closes the connection of a loop that is gone, without that loop."""
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.pgconn.finish()

    def __del__(self) -> None:
        self._discard()


def _locked(error: Exception) -> bool:
    return "database is locked" in str(error)


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
        self._session.execute(update(InboxRequest).where(one_of(self._session, InboxRequest.id, ids))
                              .values(status="running", claimed_until=now + lease,
                                      attempts=InboxRequest.attempts + 1))
        return ids

    def by_ids(self, ids: list[int]) -> list[InboxRequest]:
        """The requests, detached: they are read once and outlive this transaction."""
        rows = list(self._session.scalars(select(InboxRequest)
                                          .where(one_of(self._session, InboxRequest.id, ids))
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
                              .where(one_of(self._session, InboxRequest.id, ids),
                                     InboxRequest.status == "running")
                              .values(claimed_until=until))

    def finish(self, finished: list[tuple[int, str | None]], *, now: datetime) -> None:
        """Marks requests done, or failed with their error: one statement for all those done."""
        done = [request_id for request_id, error in finished if error is None]
        if done:
            self._session.execute(update(InboxRequest)
                                  .where(one_of(self._session, InboxRequest.id, done))
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
        for listed in among(self._session, InboxRequest.id, ids):
            forgotten += self._session.execute(delete(InboxRequest).where(listed)).rowcount or 0
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
