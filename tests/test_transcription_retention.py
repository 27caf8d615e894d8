"""Live transcripts under the retention rules: once the incident's period has passed and the
call's notes are approved, its lines, callers' answers and suggestions go (the dry run counts
what the run removes, a second run finds nothing); notes still under review keep them until
the reviewer is done; a caller who declined never had any text to remove."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.db.models import CallNotes, TranscriptionChoice, TranscriptSegment
from bot.records import retention
from tests.support.notes import KEY, STRANGER
from tests.support.records import lived_incident

DAYS = 30


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"retention": settings.retention.model_copy(
        update={"after_closed_days": DAYS, "batch_size": 3})})


def transcribe(container, call_id, lines=4):
    """``lines`` final lines from one caller's leg, and a second caller who declined."""
    with container.db.unit_of_work() as uow:
        call = uow.calls.get(call_id)
        now = container.clock.now()
        for sid, declined in (("CA" + "1" * 32, False), ("CA" + "2" * 32, True)):
            uow.transcripts.record_choice(TranscriptionChoice(call_sid=sid, call_id=call_id,
                                                              declined=declined, at=now))
        for number in range(lines):
            uow.transcripts.add_segment(TranscriptSegment(
                call_id=call_id, call_sid="CA" + "1" * 32, transcription_sid="GT" + "1" * 32,
                sequence_id=number + 1, speaker="Ana Ruiz (Casa Esperanza)", language="es-US",
                text=f"Línea {number}", final=True, offset_s=60 * number,
                spoken_at=call.starts_at + timedelta(minutes=number), received_at=now))
        uow.commit()


def count(container, model):
    with container.db.unit_of_work(read_only=True) as uow:
        return uow.session.query(model).count()


def run(container, dry_run=False):
    return retention.run(container.db, now=container.clock.now(), settings=container.settings,
                         dry_run=dry_run)


def test_after_approval_and_the_period_the_transcript_goes(container, clock):
    incident = lived_incident(container, clock)
    transcribe(container, incident.call.id)
    clock.advance(days=DAYS - 1)
    assert "transcript_lines" not in run(container).counts.get(KEY, {})
    assert count(container, TranscriptSegment) == 4

    clock.advance(days=2)
    planned = run(container, dry_run=True)
    done = run(container)
    assert planned.counts[KEY]["transcript_lines"] == done.counts[KEY]["transcript_lines"] == 4
    assert count(container, TranscriptSegment) == count(container, TranscriptionChoice) == 0
    assert run(container).total() == 0 and run(container, dry_run=True).total() == 0


def test_notes_under_review_keep_the_lines_until_approved(container, clock):
    incident = lived_incident(container, clock, approve=False)
    transcribe(container, incident.call.id, lines=5)
    clock.advance(days=DAYS + 1)
    first = run(container)
    assert "transcript_lines" not in first.counts.get(KEY, {})
    assert count(container, TranscriptSegment) == 5 and count(container, TranscriptionChoice) == 2

    with container.db.unit_of_work() as uow:
        notes = uow.session.get(CallNotes, incident.notes_id)
        notes.status = "approved"
        uow.commit()
    assert run(container, dry_run=True).counts[KEY]["transcript_lines"] == 5
    assert run(container).counts[KEY]["transcript_lines"] == 5  # more than one batch (3)
    assert count(container, TranscriptSegment) == count(container, TranscriptionChoice) == 0


def said(container, call_id, call_sid, text):
    with container.db.unit_of_work() as uow:
        row = uow.calls.attendance_by_sid(call_sid)
        call = uow.calls.get(call_id)
        uow.transcripts.add_segment(TranscriptSegment(
            call_id=call_id, call_sid=call_sid, transcription_sid="GT" + call_sid[2:].rjust(32, "0"),
            sequence_id=1, contact_id=row.contact_id, speaker="as credited", language="es-US",
            text=text, final=True, offset_s=0, spoken_at=call.starts_at,
            received_at=container.clock.now()))
        uow.commit()


def lines_of(container):
    with container.db.unit_of_work(read_only=True) as uow:
        return sorted(s.text for s in uow.session.query(TranscriptSegment))


def test_erasing_a_person_removes_what_they_said_on_transcribed_calls(container, clock):
    from bot.records import erasure

    incident = lived_incident(container, clock, close=False)
    said(container, incident.call.id, "CA0", "Soy Ana, el refugio necesita agua.")  # Ana Ruiz
    said(container, incident.call.id, "CA3", "I am not in your directory.")  # a stranger
    for reference, left in (("ana ruiz", ["I am not in your directory."]), (STRANGER, [])):
        with container.db.unit_of_work() as uow:
            person = erasure.find(uow, reference, default_region="US")
            erasure.erase(uow, person, actor="cli:records-officer", now=clock.now())
            uow.commit()
        assert lines_of(container) == left
