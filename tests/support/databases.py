"""Databases at the newest schema for the tests, without migrating one for every test.

Bringing an empty database to head through Alembic's 25 migrations took 1-3 s on this machine
(most of it PostgreSQL's catalog writes for each ``CREATE``), and the suite opens a database for
about two thousand tests, so migrating per test was most of the suite's time. Every database
here is still made by the migrations, once, and then reused:

* SQLite: one file per test process is migrated; each test gets a copy of it.
* PostgreSQL: a test gets a schema from a pool of migrated ones. When the test is done, its
  connections are ended and the schema goes back to the pool, under a new name, only if it is
  still at this release's head with the tables the models name, after every table's rows are
  deleted, the rows the migrations wrote put back and every sequence set where the migrations
  left it (about 0.1 s, against the seconds ``DROP SCHEMA`` and a new migration cost); otherwise
  it is dropped.

Tests that need a database with no schema at all (the start-up and migration tests) ask for
``empty_database_url`` instead.
"""

from __future__ import annotations

import contextlib
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine

from bot.db.models import Base
from bot.db.schema_version import quick_heads
from bot.db.schemas import schema_url
from bot.db.unit_of_work import open_database

# Seconds a clean-up waits for a lock that a test's leftover connection still holds; after that
# the schema is dropped rather than reused.
_CLEAN_LOCK_TIMEOUT = "2s"
_TERMINATE_WAIT_MS = 5000


@dataclass(frozen=True)
class _Seed:
    rows: dict[str, list[dict[str, Any]]]
    sequences: dict[str, tuple[int, bool]]


class SqliteTemplate:
    """A migrated SQLite file that tests copy."""

    def __init__(self, folder: Path):
        self._path = folder / "template.db"

    def copy_to(self, path: Path) -> str:
        if not self._path.exists():
            open_database(f"sqlite:///{self._path}").dispose()
        shutil.copyfile(self._path, path)
        return f"sqlite:///{path}"


class SchemaPool:
    """Migrated PostgreSQL schemas on one server, handed out one test at a time."""

    def __init__(self, server_url: str):
        self._server_url = server_url
        self._idle: list[str] = []
        self._admin: Engine | None = None
        self._seed: _Seed | None = None

    @contextmanager
    def schema(self) -> Iterator[str]:
        """A migrated schema with no rows but the migrations' own. Its URL names the test's
        connections (``application_name``), so that those a test leaves behind can be ended."""
        name = self._idle.pop() if self._idle else self._new()
        try:
            yield f"{schema_url(self._server_url, name)}&application_name={name}"
        finally:
            renamed = self._recycled(name)
            if renamed:
                self._idle.append(renamed)
            else:
                self._drop(name)

    def close(self) -> None:
        while self._idle:
            self._drop(self._idle.pop())
        if self._admin is not None:
            self._admin.dispose()

    def _new(self) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        with self._engine().begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{name}"'))
        open_database(schema_url(self._server_url, name)).dispose()
        if self._seed is None:
            self._seed = self._snapshot(name)
        return name

    def _snapshot(self, name: str) -> _Seed:
        """What the migrations left in a new schema: rows they wrote (the audit chain's head) and
        where each sequence stands."""
        with self._engine().begin() as connection:
            connection.execute(text(f'SET LOCAL search_path TO "{name}"'))
            rows = {table.name: [dict(row) for row in connection.execute(table.select()).mappings()]
                    for table in Base.metadata.sorted_tables}
            sequences = {sequence: tuple(connection.execute(text(
                f'SELECT last_value, is_called FROM "{sequence}"')).one())
                for sequence in _sequences(connection, name)}
        return _Seed({table: found for table, found in rows.items() if found}, sequences)

    def _recycled(self, name: str) -> str | None:
        """Schema ``name`` put back as the migrations left it, under a new name, for the next
        test; None when it cannot be trusted to be at head with only the models' tables, or could
        not be cleaned (then it is dropped).

        A test may leave a connection or a process behind (a killed worker's session not yet
        gone, a thread still polling). Its connections are ended first, and the schema is renamed
        in the same transaction that empties it, so that whatever reconnects with the old search
        path finds no tables, as it would after ``DROP SCHEMA``, and cannot write into the next
        test's data."""
        tables = Base.metadata.sorted_tables
        seed = self._seed
        renamed = f"t_{uuid.uuid4().hex[:12]}"
        try:
            self._end_connections(name)
            with self._engine().begin() as connection:
                connection.execute(text(f"SET LOCAL lock_timeout = '{_CLEAN_LOCK_TIMEOUT}'"))
                connection.execute(text(f'ALTER SCHEMA "{name}" RENAME TO "{renamed}"'))
                name = renamed
                connection.execute(text(f'SET LOCAL search_path TO "{name}"'))
                found = set(connection.execute(text(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = :s"),
                    {"s": name}).scalars())
                if seed is None or found != {*(table.name for table in tables), "alembic_version"}:
                    return None
                versions = tuple(sorted(connection.execute(text(
                    "SELECT version_num FROM alembic_version")).scalars()))
                if versions != quick_heads() or set(_sequences(connection, name)) != set(seed.sequences):
                    return None
                connection.exec_driver_sql(";".join(
                    f'DELETE FROM "{table.name}"' for table in reversed(tables)))
                for table in tables:
                    if table.name in seed.rows:
                        connection.execute(table.insert(), seed.rows[table.name])
                for sequence, (value, called) in seed.sequences.items():
                    connection.execute(text(f"SELECT setval('\"{sequence}\"', :v, :c)"),
                                       {"v": value, "c": called})
        except Exception:  # a lock held by a test's stray connection, a broken schema: drop it
            return None
        return renamed

    def _end_connections(self, name: str) -> None:
        """Ends the connections the test opened (they carry its schema's name) and waits until
        the server has let them go."""
        with self._engine().connect() as connection:
            connection.execute(text(
                "SELECT pg_terminate_backend(pid, :wait_ms) FROM pg_stat_activity "
                "WHERE application_name = :name AND pid <> pg_backend_pid()"),
                {"name": name, "wait_ms": _TERMINATE_WAIT_MS})

    def _drop(self, name: str) -> None:
        with contextlib.suppress(Exception):
            self._end_connections(name)
        with self._engine().begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))

    def _engine(self) -> Engine:
        if self._admin is None:
            self._admin = create_engine(self._server_url)
        return self._admin


def _sequences(connection: Connection, schema: str) -> list[str]:
    return list(connection.execute(text(
        "SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = :s"),
        {"s": schema}).scalars())
