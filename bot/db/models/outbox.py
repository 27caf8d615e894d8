"""The durable outbox: one row per message or call to a provider."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models.base import Base

# The error code of a row whose worker's lease ran out mid-send: it may already have gone out.
LEASE_EXPIRED = "lease_expired"
# The error code of a row claimed again after the provider's answer was lost (status "unknown").
OUTCOME_UNKNOWN = "outcome_unknown"
# The error code of a row claimed for a last look after its attempts ran out with an unknown
# outcome: the provider is asked, but the message is never sent again.
LAST_LOOK = "last_look"
# Rows whose previous attempt may have reached the provider: asked about before any resend.
UNCERTAIN = frozenset({LEASE_EXPIRED, OUTCOME_UNKNOWN, LAST_LOOK})


class OutboxMessage(Base):
    """One outbound message or call to a provider, written with the change that caused it."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(String(40))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    recipient: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    # Which worker holds the claim (``bot.outbox.claimants``): a dead one's rows are freed at
    # once rather than when their lease runs out. None: only the lease frees the row.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    provider_id: Mapped[str | None] = mapped_column(String(64))
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    segments: Mapped[int | None]
    # Claimed lowest first (``bot.outbox.kinds.PRIORITY``): replies, then time-bound messages,
    # then the rest, then bulk notices and invitations.
    priority: Mapped[int] = mapped_column(SmallInteger, default=2, server_default="2")
    # A time-bound message (a reminder, an invitation) is pointless after this: never sent then.
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    first_attempted_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),
                      Index("ix_outbox_claim", "status", "priority", "next_attempt_at"),
                      Index("ix_outbox_provider_id", "provider_id"))


class SenderBudget(Base):
    """One SMS sender's send budget, shared by every worker (``bot.outbox.budget``): the latest
    one-second slot with reservations (``slot_second``, in whole seconds since the epoch) and how
    many segments of it are taken; and until when the provider asked us to wait (a 429)."""

    __tablename__ = "sender_budgets"

    sender: Mapped[str] = mapped_column(String(64), primary_key=True)
    slot_second: Mapped[int] = mapped_column(BigInteger)
    slot_used: Mapped[float] = mapped_column(Float)
    paused_until: Mapped[datetime | None]
