"""What was said on a coordination call: Twilio Real-Time Transcription, one leg per caller.

Twilio transcribes each call leg separately and posts its events to our status callback; each
``transcription-content`` event is stored here once (idempotent on the transcription and its
``SequenceId``), attributed to the caller of that leg. Transcripts are personal data: they are
purged with the call's other records under the retention rules.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models.base import Base


class TranscriptSegment(Base):
    """One transcription event's text on one caller's leg (a partial or a final)."""

    __tablename__ = "transcript_segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), index=True)
    call_sid: Mapped[str] = mapped_column(String(64))
    transcription_sid: Mapped[str] = mapped_column(String(64))
    sequence_id: Mapped[int] = mapped_column(Integer)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    # Who spoke, as the notes show it: the directory's name and organisation, or "caller ending
    # 0102"; fixed when the line arrives so a later directory edit does not rewrite a record.
    speaker: Mapped[str] = mapped_column(String(300))
    language: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    final: Mapped[bool] = mapped_column(Boolean)
    # Seconds from the call's start to this line (Twilio's event Timestamp minus ``starts_at``).
    offset_s: Mapped[int] = mapped_column(Integer)
    spoken_at: Mapped[datetime]
    received_at: Mapped[datetime]

    __table_args__ = (
        Index("uq_transcript_sequence", "transcription_sid", "sequence_id", unique=True),
    )


class TranscriptionChoice(Base):
    """A caller's answer to the transcription announcement, by leg: declined legs are never
    transcribed and leave no text."""

    __tablename__ = "transcription_choices"

    call_sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), index=True)
    declined: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime]


class TranscriptSuggestion(Base):
    """A decision or action item that a cue phrase ("we decided", "tarea para" …) found in a
    final line. Not a fact until a reviewer accepts it; dropping it leaves nothing else."""

    __tablename__ = "transcript_suggestions"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), index=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("transcript_segments.id"))
    kind: Mapped[str] = mapped_column(String(16))  # "decision" | "action"
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="suggested")
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None]
    # The action item an accepted "action" suggestion became.
    action_item_id: Mapped[int | None] = mapped_column(ForeignKey("action_items.id"))

    __table_args__ = (
        Index("uq_suggestion_segment_kind", "segment_id", "kind", unique=True),
    )
