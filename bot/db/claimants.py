"""Which worker holds an outbox claim, and whether it is still alive.

A claim is a lease (``outbox.claimed_until``): a worker that dies holding rows would leave them
untouched until the lease runs out (``outbox.lease_s``), and a reminder among them goes out that
much late. So every claim also names its worker (``outbox.claimed_by``), and the other workers
free the rows of a worker that is gone at once. Freed rows are claimed as after an expired lease:
their last attempt may have reached the provider, so the provider is asked before anything is
sent again (``bot.outbox.worker``).

How a worker is known to be gone depends on the database:

* PostgreSQL: each worker holds a session-level advisory lock (two-key form: ``NAMESPACE`` and a
  random id) on a connection of its own, and names the claim ``pg:<id>``. PostgreSQL drops a
  session whose process died (the kernel closes its socket), and the lock with it: a token whose
  lock nobody holds in ``pg_locks`` is dead, whatever host it ran on.
* SQLite: every process is on one host (the database is a local file). A claim is named
  ``local:<host>:<pid>:<start>``; the worker is dead when no process has that pid, or the process
  that has it started at another time (the pid was reused). A token of another host is never
  taken for dead.

A worker writes its name only while it holds it (on PostgreSQL: while its lock session is up);
otherwise it claims without a name and only the lease frees its rows. If the lock session breaks
while a batch is in flight (the database restarted), other workers may take those rows as dead:
they ask the provider first, as after an expired lease, so a message already accepted is not
sent again; one still on its way to the provider at that moment could be.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import socket
import threading
from collections.abc import Iterable
from functools import cache

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)
NAMESPACE = 0x636C6D  # the first key of every worker's advisory lock ("clm")
PG, LOCAL = "pg:", "local:"
_LIVE_LOCKS = text(
    "SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND classid = :ns "
    "AND objsubid = 2 AND granted "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")


class PostgresClaimant:
    """This worker's name, backed by an advisory lock on a session of its own."""

    def __init__(self, engine: Engine, rng: random.Random | None = None):
        self._engine = engine
        self._rng = rng or random.SystemRandom()
        self._connection: Connection | None = None
        self._id: int | None = None
        self._lock = threading.Lock()

    def token(self) -> str | None:
        """``pg:<id>`` while the lock is held (taken on first use); None when it cannot be."""
        with self._lock:
            if self._connection is None:
                self._hold()
            return None if self._id is None else f"{PG}{self._id}"

    def _hold(self) -> None:
        try:
            connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except DBAPIError as error:
            log.warning("outbox claimant lock unavailable (%s): claims rely on their lease",
                        type(error).__name__)
            return
        for _ in range(5):  # another worker drew the same id: draw again
            candidate = self._rng.randrange(1, 2**31)
            try:
                won = connection.execute(text("SELECT pg_try_advisory_lock(:ns, :id)"),
                                         {"ns": NAMESPACE, "id": candidate}).scalar()
            except DBAPIError:
                break
            if won:
                self._connection, self._id = connection, candidate
                return
        connection.invalidate()

    def check(self) -> None:
        """Drops the name if its session is gone (the next ``token`` takes a new one)."""
        with self._lock:
            if self._connection is None:
                return
            try:
                self._connection.execute(text("SELECT 1"))
            except DBAPIError:
                log.warning("outbox claimant lock session lost: taking a new one")
                self._drop()

    def dead(self, connection: Connection, tokens: Iterable[str]) -> set[str]:
        ours = {t for t in tokens if t.startswith(PG)}
        if not ours:
            return set()
        live = {f"{PG}{objid}" for (objid,) in connection.execute(_LIVE_LOCKS, {"ns": NAMESPACE})}
        return ours - live

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                with contextlib.suppress(DBAPIError):
                    self._connection.execute(text("SELECT pg_advisory_unlock(:ns, :id)"),
                                             {"ns": NAMESPACE, "id": self._id})
                self._drop()

    def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(DBAPIError):
                self._connection.invalidate()
        self._connection, self._id = None, None


class LocalClaimant:
    """This process's name on a one-host (SQLite) deployment: host, pid and start time."""

    def __init__(self) -> None:
        self._token: tuple[int, str] | None = None  # (pid, token): read once per process

    def token(self) -> str:
        pid = os.getpid()  # a forked child is another process, with a name of its own
        if self._token is None or self._token[0] != pid:
            self._token = (pid, local_token(pid))
        return self._token[1]

    def check(self) -> None:
        pass

    def dead(self, connection: Connection, tokens: Iterable[str]) -> set[str]:
        return {t for t in tokens if t.startswith(LOCAL) and not _alive(t)}

    def close(self) -> None:
        pass


def local_token(pid: int) -> str:
    return f"{LOCAL}{_host()}:{pid}:{_started(pid)}"


@cache
def _host() -> str:
    return socket.gethostname()[:24]


def _started(pid: int) -> str:
    """The process's start time in clock ticks since boot (Linux), ``?`` where unknown, or
    ``zombie`` for a process that has exited and not yet been reaped."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return "?"
    if fields[:1] == ["Z"]:
        return "zombie"
    return fields[19] if len(fields) > 19 else "?"


def _alive(token: str) -> bool:
    try:
        host, pid, started = token[len(LOCAL):].rsplit(":", 2)
        number = int(pid)
    except ValueError:
        return True  # not a name this version writes: leave it to its lease
    if host != _host():
        return True
    try:
        os.kill(number, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a process of another user has the pid
        pass
    return started == "?" or _started(number) in (started, "?")


def claimant_for(engine: Engine) -> PostgresClaimant | LocalClaimant:
    return PostgresClaimant(engine) if engine.dialect.name == "postgresql" else LocalClaimant()
