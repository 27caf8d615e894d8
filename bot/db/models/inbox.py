"""The durable inbox: every request we acknowledge, written before the acknowledgement."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models.base import Base


class InboxRequest(Base):
    """One acknowledged request: its typed command, who sent it, where the reply goes.

    ``dedupe_key`` makes a replay (the same signature and timestamp, the same Slack
    ``event_id``) a no-op. ``work`` holds the pickled (command, actor, reply_to): the worker that
    reads it runs the code that wrote it; a row an upgrade can no longer read fails visibly.
    """

    __tablename__ = "inbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(80))
    work: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16))  # pending, running, done, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_until: Mapped[datetime | None]
    received_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_inbox_due", "status", "id"),)


class InboxDone(Base):
    """A request whose effects are committed: written in the same transaction as they are.

    It lives with the effects (the main database) while the request itself may live in a
    separate inbox file (SQLite), so "ran once" holds across the two.
    """

    __tablename__ = "inbox_done"

    request_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    done_at: Mapped[datetime]
