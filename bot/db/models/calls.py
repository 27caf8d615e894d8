"""Coordination calls, their invitations and who was on the line."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models.base import Base


class Call(Base):
    """A coordination conference call; one row per occurrence of a recurring series."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    number: Mapped[int]
    series_id: Mapped[int | None] = mapped_column(index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    duration_min: Mapped[int]
    agenda: Mapped[str] = mapped_column(Text, default="")
    bridge: Mapped[str] = mapped_column(String(500))
    pin: Mapped[str] = mapped_column(String(6), index=True)
    conference_name: Mapped[str] = mapped_column(String(64), unique=True)
    zone: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    # A series' occurrences: the RFC 5545 rule they were made by (``FREQ=DAILY;UNTIL=…``, on the
    # wall clock of ``zone``) and the start each was made with, which names it in the series'
    # calendar file (``RECURRENCE-ID``) however it is moved later.
    series_rule: Mapped[str | None] = mapped_column(String(200))
    planned_at: Mapped[datetime | None]
    # Twilio Real-Time Transcription of every caller who does not decline (announced first).
    transcribe: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (Index("uq_call_incident_number", "incident_id", "number", unique=True),)


class Invitation(Base):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(16))
    rsvp: Mapped[str] = mapped_column(String(8), default="pending")
    rsvp_at: Mapped[datetime | None]

    __table_args__ = (Index("uq_invitation_call_contact", "call_id", "contact_id", unique=True),)


class Attendance(Base):
    """One stretch of one phone line in a call's conference."""

    __tablename__ = "attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), index=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    joined_at: Mapped[datetime]
    left_at: Mapped[datetime | None]
