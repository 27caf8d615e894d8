"""Lines of a call's live transcript, stored through the repository as the webhook stores them."""

from __future__ import annotations

from datetime import timedelta

from bot.db.models import TranscriptSegment
from bot.notes.service import review as notes_review

ANA_SAYS = "Ana Ruiz (Casa Ayuda)"
CALLER = "caller ending 0102"
# (speaker, leg, sequence, offset s, language, text, final), in the order Twilio might deliver
# them: out of spoken order, a partial before its final.
LINES = [
    (CALLER, "CA2", 1, 40, "en-US", "We agreed to send two interpreters to Eastside.", True),
    (ANA_SAYS, "CA1", 1, 5, "es-US", "Decidimos abrir el refugio de la escuela", False),
    (ANA_SAYS, "CA1", 2, 5, "es-US", "Decidimos abrir el refugio de la escuela Lincoln.", True),
    (ANA_SAYS, "CA1", 3, 20, "es-US", "Tarea para Casa Ayuda: llamar a las familias.", True),
    (CALLER, "CA2", 2, 60, "en-US", "The east roads are still closed.", True),
    (ANA_SAYS, "CA1", 4, 75, "es-US", "Las familias tienen miedo de salir.", True),
]


def store_lines(container, call, lines=LINES) -> None:
    with container.db.unit_of_work() as uow:
        the_call = uow.calls.get(call.id)
        for speaker, leg, sequence, offset, language, text, final in lines:
            uow.transcripts.add_segment(TranscriptSegment(
                call_id=call.id, call_sid=leg, transcription_sid=f"GT{leg}", sequence_id=sequence,
                contact_id=None, speaker=speaker, language=language, text=text, final=final,
                offset_s=offset, spoken_at=the_call.starts_at + timedelta(seconds=offset),
                received_at=container.clock.now()))
        uow.commit()


def drafted(container, call) -> int:
    with container.db.unit_of_work() as uow:
        notes = notes_review.draft_for_call(uow, uow.calls.get(call.id),
                                            now=container.clock.now(), settings=container.settings)
        uow.commit()
        notes_id = notes.id
    container.worker.drain()
    return notes_id


def suggestions(container, call) -> list[tuple[int, str, str, str]]:
    """(id, kind, status, text) of the call's suggestions."""
    with container.db.unit_of_work(read_only=True) as uow:
        return [(s.id, s.kind, s.status, s.text) for s in uow.transcripts.suggestions(call.id)]
