"""Persisted due work (reminders, call starts and ends), fired by the scheduler."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models.base import Base


class DueJob(Base):
    """Time-driven work (reminders, call start and end), persisted so restarts lose nothing."""

    __tablename__ = "due_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    fired_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_due_jobs_due", "status", "due_at"),)
