"""The audit trail: who did what, when, each event chained to the one before by its hash."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models.base import Base


class AuditEvent(Base):
    """``seq``, ``prev_hash`` and ``hash`` are set on every append (``bot.records.chain``); they
    are nullable so that a row put in by hand is still stored, and then found by verification."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    seq: Mapped[int | None] = mapped_column(unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class AuditChainHead(Base):
    """One row (id 1): the last event's position and hash. Appends lock it, so that two
    processes writing at once take turns instead of forking the chain."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64))


class ErasedNumber(Base):
    """A number whose person asked to be erased, kept only as a keyed hash (``digest``: HMAC-
    SHA256 of the E.164 number under ``ErasureKey``) so that it is never texted or called again,
    even if it comes back in a directory import."""

    __tablename__ = "erased_numbers"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime]


class ErasureKey(Base):
    """One row (id 1): the random key the erased numbers are hashed with, made on first use."""

    __tablename__ = "erasure_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
