"""The database handle and the unit of work: one transaction, rolled back unless committed."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.db import reach
from bot.db.stores.actions import ActionRepository
from bot.db.stores.budget import BudgetRepository
from bot.db.stores.calls import CallRepository
from bot.db.stores.directory import ContactRepository
from bot.db.stores.erased import ErasedNumbers
from bot.db.stores.erasure import ErasureRepository
from bot.db.stores.inbox import AsyncInboxAppender, InboxAppender, InboxDoneRepository, InboxRepository
from bot.db.stores.incidents import IncidentRepository
from bot.db.stores.notes import NotesRepository
from bot.db.stores.outbox import OutboxRepository
from bot.db.stores.records import AuditRepository
from bot.db.stores.retention import RetentionRepository
from bot.db.stores.sms import SmsRepository
from bot.db.stores.transcripts import TranscriptRepository
from bot.db.stores.voice import VoiceRepository

MIGRATIONS = Path(__file__).with_name("migrations")
READ_ONLY = "coordbot_read_only"
# The advisory lock every schema upgrade takes ("coordmg"); not the scheduler's (``scheduler.lock_key``,
# "coord"), which its leader holds for as long as it runs: an upgrade would wait for it forever.
MIGRATION_LOCK = 0x636F6F72646D67


class UnitOfWork:
    def __init__(self, session_factory: Callable[[], Session], *, keep_open: bool = False):
        self._session_factory = session_factory
        self._keep_open = keep_open

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        self.incidents = IncidentRepository(self.session)
        self.audit = AuditRepository(self.session)
        self.outbox = OutboxRepository(self.session)
        self.budgets = BudgetRepository(self.session)
        self.inbox = InboxRepository(self.session)
        self.inbox_done = InboxDoneRepository(self.session)
        self.contacts = ContactRepository(self.session)
        self.sms = SmsRepository(self.session)
        self.calls = CallRepository(self.session)
        self.voice = VoiceRepository(self.session)
        self.transcripts = TranscriptRepository(self.session)
        self.actions = ActionRepository(self.session)
        self.notes = NotesRepository(self.session)
        self.retention = RetentionRepository(self.session)
        self.erasure = ErasureRepository(self.session)
        self.erased = ErasedNumbers(self.session)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.audit.discard_pending()
        self.session.rollback()
        if not self._keep_open:
            self.session.close()

    def commit(self) -> None:
        self.audit.link_pending()  # the audit chain's head: the last lock, held only to commit
        self.session.commit()

    def rollback(self) -> None:
        self.audit.discard_pending()
        self.session.rollback()


class Database:
    def __init__(self, url: str, *, echo: bool = False):
        self.url = url
        self.engine = make_engine(url, echo=echo)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        reach.keep_in_step(self._sessions)
        self._read_sessions = sessionmaker(self.engine.execution_options(**{READ_ONLY: True}),
                                           expire_on_commit=False)

    def unit_of_work(self, *, read_only: bool = False, keep_open: bool = False) -> UnitOfWork:
        """A transaction; ``read_only`` ones never wait for SQLite's write lock (WAL readers).

        ``keep_open`` leaves its session open when it ends (committed or rolled back: it holds
        no connection then), its objects still in it, for one later transaction: ``resume``.
        """
        return UnitOfWork(self._read_sessions if read_only else self._sessions,
                          keep_open=keep_open)

    def resume(self, uow: UnitOfWork) -> UnitOfWork:
        """A new transaction in the session of ``uow`` (a ``keep_open`` one that has ended),
        closed when it ends: the objects ``uow`` loaded are there as it left them, so they need
        not be loaded again."""
        session = uow.session
        return UnitOfWork(lambda: session)

    def inbox_appender(self) -> InboxAppender:
        """A writer of acknowledged requests with a connection of its own (one per thread)."""
        return InboxAppender(self.engine)

    def async_inbox_appender(self) -> AsyncInboxAppender | None:
        """On PostgreSQL, a writer of acknowledged requests for the event loop; None elsewhere
        (SQLite has no asynchronous driver here: its writer is a thread)."""
        if self.engine.dialect.name != "postgresql":
            return None
        return AsyncInboxAppender(self.engine)

    def listen(self, on_notify: Callable[[], None], *, listening: Any = None) -> Any:
        """On PostgreSQL, a started ``notify.Listener`` calling ``on_notify`` whenever another
        transaction queued outbox work (``listening``, an Event, is set while it listens); None
        elsewhere (polling finds the work)."""
        if self.engine.dialect.name != "postgresql":
            return None
        from bot.db.notify import Listener

        return Listener(self.url, on_notify, listening=listening).start()

    def claimant(self) -> Any:
        """This worker's name on its outbox claims, and how to tell a dead worker's
        (``bot.db.claimants``)."""
        from bot.db.claimants import claimant_for

        return claimant_for(self.engine)

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def upgrade(self) -> None:
        """Brings the schema to the newest Alembic revision, one process at a time.

        Replicas starting together all upgrade: on PostgreSQL a transaction-scoped advisory lock
        makes the others wait for the first and then find the schema at head (on SQLite the
        upgrade's ``BEGIN IMMEDIATE`` holds the one write lock the same way).
        """
        from alembic import command

        with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                   {"key": MIGRATION_LOCK})
            config = alembic_config(connection)
            command.upgrade(config, "head")

    def dispose(self) -> None:
        self.engine.dispose()


class DatabaseUnusable(Exception):
    """The configured database cannot be opened or upgraded; the message says which and why,
    with no password in it."""


def open_database(url: str, *, echo: bool = False, upgrade: bool = True) -> Database:
    """The database (its schema brought up to date unless told not to), or ``DatabaseUnusable``."""
    with unusable_unless_opened(url):
        database = Database(url, echo=echo)
        try:
            if upgrade:
                database.upgrade()
        except BaseException:
            database.dispose()
            raise
    return database


@contextlib.contextmanager
def unusable_unless_opened(url: str) -> Iterator[None]:
    """A bad URL or a database that does not answer, inside, as ``DatabaseUnusable``."""
    try:
        yield
    except (ArgumentError, OperationalError) as error:
        where = "database.url" if isinstance(error, ArgumentError) else redacted(url)
        raise DatabaseUnusable(f"cannot use the database ({where}): "
                               f"{str(error).splitlines()[0]}") from None


def redacted(url: str) -> str:
    """``url`` with its password hidden, fit to print."""
    return make_url(url).render_as_string(hide_password=True)


def inbox_url(url: str) -> str:
    """Where the inbox lives: beside a SQLite file, in a file of its own (``x.db`` ->
    ``x-inbox.db``), so that acknowledging a request never waits for SQLite's one write lock,
    which the worker holds while it runs requests; elsewhere in the same database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return url
    stem, dot, suffix = parsed.database.rpartition(".")
    name = f"{stem}-inbox.{suffix}" if dot else f"{parsed.database}-inbox"
    return parsed.set(database=name).render_as_string(hide_password=False)


def open_inbox(url: str, main: Database) -> Database:
    """The inbox's database: ``main`` itself, or the inbox file with its one table created."""
    separate = inbox_url(url)
    if separate == url:
        return main
    database = Database(separate)
    from bot.db.models import InboxRequest

    # checkfirst then create is not atomic: another process may create it in between.
    with contextlib.suppress(OperationalError):
        InboxRequest.__table__.create(database.engine, checkfirst=True)
    return database


def alembic_config(connection: Any = None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def make_engine(url: str, *, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    # hide_parameters: an SQL error's message (logged, shown with an error id) never carries the
    # values, which are phone numbers and message bodies.
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10,
                         hide_parameters=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy emit BEGIN itself (see _sqlite_begin_immediate) instead of pysqlite.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    if not _is_memory(dbapi_connection):
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL keeps every committed transaction through a crash of the process
        # (what "acknowledged means written" needs); only a power loss may roll back the last
        # ones, and it saves an fsync per commit on the acknowledgement path.
        cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    # Take the write lock when the transaction starts: SQLite cannot upgrade a read transaction
    # to a write one under concurrency (SQLITE_BUSY_SNAPSHOT), but it can wait for a lock.
    read_only = connection.get_execution_options().get(READ_ONLY, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _is_memory(dbapi_connection: Any) -> bool:
    cursor = dbapi_connection.cursor()
    try:
        rows = cursor.execute("PRAGMA database_list").fetchall()
    finally:
        cursor.close()
    return any(row[2] == "" for row in rows)
