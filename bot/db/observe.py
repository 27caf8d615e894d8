"""What the metrics and the readiness check read from the database: cheap grouped counts.

Every query here is an aggregate over an indexed status column (``ix_outbox_due``,
``ix_inbox_due``, ``ix_due_jobs_due``), run at scrape time, so that the depth and age of each
queue are the database's truth whichever process (web, its worker child, another ``coordbot
worker``) moved the rows. No row's recipient, name or text is ever read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text

from bot.db.models import InboxRequest, OutboxMessage
from bot.db.models.jobs import DueJob
from bot.db.unit_of_work import Database

# Rows still to leave the queue (sent, delivered, failed … are done).
OUTBOX_WAITING = ("pending", "sending", "unknown")
INBOX_WAITING = ("pending", "running")


@dataclass(frozen=True)
class Group:
    """One (kind, status) group: how many rows, and the oldest one's ``created_at``."""

    kind: str
    status: str
    count: int
    oldest: datetime | None


@dataclass(frozen=True)
class DueWork:
    """The oldest due row of a queue that nobody has taken, if any."""

    count: int
    oldest: datetime | None


def outbox_groups(db: Database) -> list[Group]:
    """Every outbox (kind, status) with its count; the oldest ``created_at`` for waiting ones."""
    query = (select(OutboxMessage.kind, OutboxMessage.status, func.count(),
                    func.min(OutboxMessage.created_at))
             .group_by(OutboxMessage.kind, OutboxMessage.status))
    with db.unit_of_work(read_only=True) as uow:
        rows = uow.session.execute(query).all()
    return [Group(kind, status, count, oldest if status in OUTBOX_WAITING else None)
            for kind, status, count, oldest in rows]


def inbox_groups(inbox: Database) -> list[Group]:
    """Acknowledged requests not yet done, by command kind and status."""
    query = (select(InboxRequest.kind, InboxRequest.status, func.count(),
                    func.min(InboxRequest.received_at))
             .where(InboxRequest.status.in_(INBOX_WAITING))
             .group_by(InboxRequest.kind, InboxRequest.status))
    with inbox.unit_of_work(read_only=True) as uow:
        rows = uow.session.execute(query).all()
    return [Group(kind, status, count, oldest) for kind, status, count, oldest in rows]


def due_outbox(db: Database, now: datetime) -> DueWork:
    """Outbox rows whose time to be sent has come and that no worker holds."""
    query = (select(func.count(), func.min(OutboxMessage.next_attempt_at))
             .where(OutboxMessage.status.in_(("pending", "unknown")),
                    OutboxMessage.next_attempt_at <= now))
    with db.unit_of_work(read_only=True) as uow:
        count, oldest = uow.session.execute(query).one()
    return DueWork(count, oldest)


def last_sent_at(db: Database) -> datetime | None:
    with db.unit_of_work(read_only=True) as uow:
        return uow.session.execute(select(func.max(OutboxMessage.sent_at))).scalar()


def due_jobs(db: Database, now: datetime) -> DueWork:
    """Scheduled work (reminders, call starts and ends) due and not fired yet."""
    query = (select(func.count(), func.min(DueJob.due_at))
             .where(DueJob.status == "pending", DueJob.due_at <= now))
    with db.unit_of_work(read_only=True) as uow:
        count, oldest = uow.session.execute(query).one()
    return DueWork(count, oldest)


def scheduler_leader_held(db: Database, key: int) -> bool | None:
    """Whether some session holds the scheduler's advisory lock (PostgreSQL); None on SQLite,
    where the one process that runs the scheduler is its leader and nothing records it.

    ``pg_try_advisory_lock(bigint)`` shows in ``pg_locks`` as the key's high 32 bits in
    ``classid``, its low 32 bits in ``objid``, and ``objsubid`` 1.
    """
    if db.engine.dialect.name != "postgresql":
        return None
    query = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                 "AND objsubid = 1 AND classid::bigint = :high AND objid::bigint = :low "
                 "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")
    with db.engine.connect() as connection:
        held = connection.execute(query, {"high": key >> 32, "low": key & 0xFFFFFFFF}).scalar()
    return bool(held)


def seconds_since(now: datetime, then: datetime) -> float:
    """Seconds from ``then`` to ``now``; SQLite gives naive datetimes back (stored as UTC)."""
    if then.tzinfo is None and now.tzinfo is not None:
        then = then.replace(tzinfo=now.tzinfo)
    return (now - then).total_seconds()
