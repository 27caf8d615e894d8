"""Call notes, their versions, and transcripts attached to calls."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import CallNotes, CallTranscript, NotesVersion, ReviewCode, ReviewSession


class NotesRepository:
    def __init__(self, session: Session):
        self._session = session

    def add(self, notes: CallNotes) -> None:
        self._session.add(notes)
        self._session.flush()

    def get(self, notes_id: int) -> CallNotes | None:
        return self._session.get(CallNotes, notes_id)

    def get_for_update(self, notes_id: int) -> CallNotes | None:
        return self._session.scalar(select(CallNotes).where(CallNotes.id == notes_id)
                                    .with_for_update())

    def for_call(self, call_id: int) -> CallNotes | None:
        return self._session.scalar(select(CallNotes).where(CallNotes.call_id == call_id))

    def for_incident(self, incident_id: int) -> Sequence[CallNotes]:
        return self._session.scalars(select(CallNotes).where(CallNotes.incident_id == incident_id)
                                     .order_by(CallNotes.id)).all()

    def add_version(self, version: NotesVersion) -> None:
        self._session.add(version)
        self._session.flush()

    def version(self, notes_id: int, number: int) -> NotesVersion | None:
        return self._session.scalar(select(NotesVersion).where(NotesVersion.notes_id == notes_id,
                                                               NotesVersion.version == number))

    def versions(self, notes_id: int) -> Sequence[NotesVersion]:
        return self._session.scalars(select(NotesVersion).where(NotesVersion.notes_id == notes_id)
                                     .order_by(NotesVersion.version)).all()

    def add_transcript(self, transcript: CallTranscript) -> None:
        self._session.add(transcript)
        self._session.flush()

    def transcripts(self, call_id: int) -> Sequence[CallTranscript]:
        return self._session.scalars(select(CallTranscript).where(CallTranscript.call_id == call_id)
                                     .order_by(CallTranscript.id)).all()

    def add_code(self, code: ReviewCode) -> None:
        self._session.add(code)
        self._session.flush()

    def codes_since(self, notes_id: int, official: str, since: datetime, *,
                    lock: bool = False) -> list[ReviewCode]:
        """The official's codes for these notes created at or after ``since``, newest first."""
        query = (select(ReviewCode).where(ReviewCode.notes_id == notes_id,
                                          ReviewCode.official == official,
                                          ReviewCode.created_at >= since)
                 .order_by(ReviewCode.id.desc()))
        return list(self._session.scalars(query.with_for_update() if lock else query))

    def add_session(self, session: ReviewSession) -> None:
        self._session.add(session)
        self._session.flush()

    def session_by_hash(self, token_hash: str) -> ReviewSession | None:
        return self._session.scalar(select(ReviewSession)
                                    .where(ReviewSession.token_hash == token_hash))
