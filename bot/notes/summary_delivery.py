"""The summariser's proposal, asked for once a call's notes are drafted (an outbox row, so the
Twilio webhook that ended the call never waits for a model, and a restart loses no request).

Its sender reads the transcript, asks the summariser (a port; ``bot.gateways.summarizer`` is
the one implementation) and adds its answer at the top of the notes as a new version, labelled
as machine-written, for the reviewer to keep, edit or delete. No answer (a failure, or none
configured) changes nothing and is no error: the notes are there already. A row redone after a
crash finds the summary added and adds nothing.
"""

from __future__ import annotations

from bot.clock import Clock
from bot.config import Settings
from bot.db.models import OutboxMessage
from bot.db.unit_of_work import Database
from bot.notes.service.summaries import add_summary, transcript
from bot.outbox.contract import Delivered
from bot.outbox.kinds import Kind
from bot.ports import DeliveryError, Summarizer


class NotesSummaries:
    def __init__(self, *, db: Database, summarizer: Summarizer, clock: Clock, settings: Settings):
        self._db, self._summarizer, self._clock, self._settings = db, summarizer, clock, settings

    def senders(self) -> dict[str, object]:
        return {Kind.NOTES_SUMMARY: self.send}

    def send(self, message: OutboxMessage) -> Delivered:
        notes_id = message.payload["notes_id"]
        with self._db.unit_of_work(read_only=True) as uow:
            notes = uow.notes.get(notes_id)
            if notes is None:
                raise DeliveryError("notes_not_found", str(notes_id), permanent=True)
            asked = transcript(uow, notes.call_id)
        proposed = self._summarizer.summarize(asked) if asked else None
        if not proposed:
            return Delivered("no-summary")
        with self._db.unit_of_work() as uow:
            added = add_summary(uow, notes_id, proposed, now=self._clock.now(),
                                settings=self._settings)
            uow.commit()
        return Delivered("summary-added" if added else "summary-not-added")
