"""Call notes: marked channel messages, transcripts, the notes and every version of them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models.base import Base


class ChannelMessage(Base):
    """A message in an incident channel marked DECISION / ISSUE / ACTION (prefix or reaction)."""

    __tablename__ = "channel_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))
    user: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    posted_at: Mapped[datetime] = mapped_column(index=True)
    mark: Mapped[str] = mapped_column(String(16))  # decision | issue | action
    marked_by: Mapped[str] = mapped_column(String(16))  # prefix | reaction
    # Who reacted, for a mark by reaction (``user`` is always who wrote the message).
    marker: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("uq_channel_message", "channel", "ts", unique=True),)


class CallTranscript(Base):
    """Transcript text attached to a call; its marked lines feed the notes."""

    __tablename__ = "call_transcripts"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(200))
    attached_by: Mapped[str] = mapped_column(String(64))
    attached_at: Mapped[datetime]


class CallNotes(Base):
    """The notes of one call: drafted by the bot, reviewed, approved by an official, published."""

    __tablename__ = "call_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), unique=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    status: Mapped[str] = mapped_column(String(24))  # draft | changes_requested | approved
    version: Mapped[int] = mapped_column(Integer, default=1)
    review_channel: Mapped[str | None] = mapped_column(String(32))
    review_ts: Mapped[str | None] = mapped_column(String(32))
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None]
    approved_version: Mapped[int | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # The reviewers' choice: publish the live transcript's section ("What was said") or not.
    transcript_kept: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class NotesVersion(Base):
    """Every version of a call's notes, kept with its author and time."""

    __tablename__ = "notes_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    notes_id: Mapped[int] = mapped_column(ForeignKey("call_notes.id"), index=True)
    version: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]

    __table_args__ = (Index("uq_notes_version", "notes_id", "version", unique=True),)


class ReviewCode(Base):
    """A one-time code sent to an official who opened their review link: stored hashed, single
    use, expiring, with a count of wrong tries."""

    __tablename__ = "review_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    notes_id: Mapped[int] = mapped_column(ForeignKey("call_notes.id"), index=True)
    official: Mapped[str] = mapped_column(String(32), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None]


class ReviewSession(Base):
    """A short web session of one official on one call's notes; the cookie holds a secret whose
    SHA-256 is ``token_hash``."""

    __tablename__ = "review_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    notes_id: Mapped[int] = mapped_column(ForeignKey("call_notes.id"), index=True)
    official: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
