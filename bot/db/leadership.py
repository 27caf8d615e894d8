"""Which process runs the scheduler: exactly one, through a PostgreSQL advisory lock.

The lock lives as long as the holder's database session: if the process dies, PostgreSQL drops
the session and the lock with it, and a standby's next attempt (every scheduler tick) wins.
SQLite deployments run one process, which is always the leader.

A standby tries (``pg_try_advisory_lock``) rather than waits in ``pg_advisory_lock``: PostgreSQL
grants a waiting session the lock the moment the holder's ends, even when the process behind
it is frozen (stopped, swapped out), which then holds the leadership and fires nothing while
``/readyz`` reports a leader. Trying at each tick takes over within a tick instead.
"""

from __future__ import annotations

import contextlib
import logging

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)


class AlwaysLeader:
    def acquire(self) -> bool:
        return True

    def release(self) -> None:
        pass


class PostgresLease:
    def __init__(self, engine: Engine, key: int):
        self._engine = engine
        self._key = key
        self._connection: Connection | None = None

    def acquire(self) -> bool:
        """True while this process holds the lock; tries to take it when it does not."""
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
