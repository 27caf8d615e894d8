"""Which process runs the scheduler: exactly one, through a PostgreSQL advisory lock.

The lock lives as long as the holder's database session: if the process dies, PostgreSQL drops
the session and the lock with it. A standby does not wait for its next tick to find out: it
waits *in* ``pg_advisory_lock`` (``PostgresLease.wait``), so PostgreSQL hands it the lock the
moment the holder's session ends, and the scheduler fires what is due at once. The tick's own
``pg_try_advisory_lock`` stays as the fallback. SQLite deployments run one process, which is
always the leader.
"""

from __future__ import annotations

import contextlib
import logging
import threading

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)
# How long one wait in ``pg_advisory_lock`` lasts before the standby looks at its stop flag.
WAIT_S = 1.0
LOCK_NOT_AVAILABLE = "55P03"  # SQLSTATE of a lock wait cut short by lock_timeout


class AlwaysLeader:
    waits = False  # nothing to wait for: a standby thread would have nothing to do

    def acquire(self) -> bool:
        return True

    @property
    def holding(self) -> bool:
        return True

    def release(self) -> None:
        pass


class PostgresLease:
    waits = True  # a standby waits in ``wait``

    def __init__(self, engine: Engine, key: int):
        self._engine = engine
        self._key = key
        self._connection: Connection | None = None
        self._lock = threading.Lock()

    @property
    def holding(self) -> bool:
        return self._connection is not None

    def wait(self, stop: threading.Event) -> bool:
        """Blocks in ``pg_advisory_lock`` until this process holds the lock (True) or ``stop``
        is set (False). Each wait lasts at most ``WAIT_S`` (``lock_timeout``), so a stopping
        process is not held up; the waiting session is kept from one wait to the next, and never
        goes back to the pool with its timeout set (it is discarded)."""
        connection: Connection | None = None
        try:
            while not stop.is_set() and self._connection is None:
                if connection is None:
                    connection = self._waiting_session(stop)
                    continue
                try:
                    connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": self._key})
                except DBAPIError as error:
                    if getattr(error.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                        log.warning("scheduler standby's wait for the lock failed: %s", error)
                        connection.invalidate()
                        connection = None
                        stop.wait(WAIT_S)
                    continue
                connection.execute(text("SELECT set_config('lock_timeout', '0', false)"))
                taken, connection = connection, None  # the lock's session now: not discarded
                return self._take(taken)
            return self._connection is not None
        finally:
            if connection is not None:
                connection.invalidate()

    def _waiting_session(self, stop: threading.Event) -> Connection | None:
        connection = None
        try:
            connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            connection.execute(text("SELECT set_config('lock_timeout', :t, false)"),
                               {"t": f"{int(WAIT_S * 1000)}ms"})
            return connection
        except DBAPIError as error:
            if connection is not None:
                connection.invalidate()
            log.warning("scheduler standby cannot reach the database: %s", error)
            stop.wait(WAIT_S)
            return None

    def _take(self, connection: Connection) -> bool:
        """Makes the session that was granted the lock this process's lock session."""
        with self._lock:
            if self._connection is None:
                self._connection = connection
                log.info("this process now runs the scheduler (advisory lock %s)", self._key)
                return True
        # The tick's own try won meanwhile: give this second hold back before the session goes.
        try:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
            connection.close()
        except DBAPIError:
            connection.invalidate()
        return True

    def acquire(self) -> bool:
        """True while this process holds the lock; tries to take it when it does not."""
        with self._lock:
            return self._acquire()

    def _acquire(self) -> bool:
        try:
            if self._connection is not None:
                self._connection.execute(text("SELECT 1"))
                return True
            # Autocommit: a lock connection left "idle in transaction" would be killed by an
            # idle_in_transaction_session_timeout, and the leadership would flap.
            connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            won = connection.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                     {"key": self._key}).scalar()
            if won:
                self._connection = connection
                log.info("this process now runs the scheduler (advisory lock %s)", self._key)
                return True
            connection.close()
            return False
        except DBAPIError as error:
            log.warning("scheduler lock lost or unavailable: %s", error)
            self._drop()
            return False

    def release(self) -> None:
        with self._lock:
            self._release()

    def _release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(DBAPIError):
                self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
            self._drop()

    def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(DBAPIError):
                self._connection.close()
            self._connection = None


def leadership_for(engine: Engine, key: int) -> AlwaysLeader | PostgresLease:
    return PostgresLease(engine, key) if engine.dialect.name == "postgresql" else AlwaysLeader()
