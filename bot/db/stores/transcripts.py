"""Transcript lines, callers' transcription choices and the suggestions found in the lines."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db.models import TranscriptionChoice, TranscriptSegment, TranscriptSuggestion


class TranscriptRepository:
    def __init__(self, session: Session):
        self._session = session

    def has_segment(self, transcription_sid: str, sequence_id: int) -> bool:
        return self._session.scalar(
            select(TranscriptSegment.id).where(
                TranscriptSegment.transcription_sid == transcription_sid,
                TranscriptSegment.sequence_id == sequence_id)) is not None

    def add_segment(self, segment: TranscriptSegment) -> bool:
        """Store one event's line once: ``False`` when that transcription's ``SequenceId`` is
        already stored (Twilio redelivers; a replay changes nothing)."""
        if self.has_segment(segment.transcription_sid, segment.sequence_id):
            return False
        try:
            with self._session.begin_nested():
                self._session.add(segment)
        except IntegrityError:  # the same event stored by a concurrent delivery meanwhile
            return False
        return True

    def finals_for_call(self, call_id: int) -> Sequence[TranscriptSegment]:
        """The call's final lines in the order they were spoken (events arrive out of order)."""
        return self._session.scalars(
            select(TranscriptSegment)
            .where(TranscriptSegment.call_id == call_id, TranscriptSegment.final.is_(True))
            .order_by(TranscriptSegment.spoken_at, TranscriptSegment.call_sid,
                      TranscriptSegment.sequence_id)).all()

    def segment(self, segment_id: int) -> TranscriptSegment | None:
        return self._session.get(TranscriptSegment, segment_id)

    def choice(self, call_sid: str) -> TranscriptionChoice | None:
        return self._session.get(TranscriptionChoice, call_sid)

    def record_choice(self, choice: TranscriptionChoice) -> None:
        existing = self.choice(choice.call_sid)
        if existing is None:
            self._session.add(choice)
        else:
            existing.declined = choice.declined
            existing.at = choice.at
        self._session.flush()

    def suggestions(self, call_id: int) -> Sequence[TranscriptSuggestion]:
        return self._session.scalars(
            select(TranscriptSuggestion).where(TranscriptSuggestion.call_id == call_id)
            .order_by(TranscriptSuggestion.id)).all()

    def suggestion(self, suggestion_id: int, *, lock: bool = False) -> TranscriptSuggestion | None:
        """One suggestion; ``lock`` holds its row (``FOR UPDATE`` on PostgreSQL) so that two
        clicks on its buttons are decided one after the other."""
        if not lock:
            return self._session.get(TranscriptSuggestion, suggestion_id)
        return self._session.scalar(select(TranscriptSuggestion)
                                    .where(TranscriptSuggestion.id == suggestion_id)
                                    .with_for_update().execution_options(populate_existing=True))

    def add_suggestion(self, suggestion: TranscriptSuggestion) -> bool:
        """Once per line and kind: redrafting the notes does not suggest the same line twice."""
        found = self._session.scalar(select(TranscriptSuggestion.id).where(
            TranscriptSuggestion.segment_id == suggestion.segment_id,
            TranscriptSuggestion.kind == suggestion.kind))
        if found is not None:
            return False
        self._session.add(suggestion)
        self._session.flush()
        return True

    def purge_call(self, call_id: int) -> int:
        """Delete a call's transcript (its lines, choices and undecided suggestions): the
        retention purge. Returns how many lines went."""
        self._session.execute(delete(TranscriptSuggestion)
                              .where(TranscriptSuggestion.call_id == call_id))
        self._session.execute(delete(TranscriptionChoice)
                              .where(TranscriptionChoice.call_id == call_id))
        result = self._session.execute(delete(TranscriptSegment)
                                       .where(TranscriptSegment.call_id == call_id))
        return int(result.rowcount or 0)
