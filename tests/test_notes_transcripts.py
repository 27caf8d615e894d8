"""Call notes and transcripts at the service layer: drafting once per call, redrafting unedited
notes from an attached transcript, never overwriting edits, and the names of the people on the
call."""

from __future__ import annotations

import pytest

from bot.dispatch.grammar import Invocation
from bot.errors import InvalidInput, PermissionDenied
from bot.notes.service import review as notes_review
from tests.conftest import BYSTANDER, COORDINATOR, OFFICIAL
from tests.support.notes import (
    ANA,
    KEY,
    REVIEW,
    TEXT,
    attach,
    commands,
    draft,
    review_settings,
    snapshot,
)


@pytest.fixture
def settings(settings):
    return review_settings(settings)



def test_drafting_is_once_per_call_and_a_transcript_redrafts_unedited_notes(container, call):
    with container.db.unit_of_work() as uow:
        notes = notes_review.draft_for_call(uow, uow.calls.get(call.id), now=container.clock.now(),
                                            settings=container.settings)
        again = notes_review.draft_for_call(uow, uow.calls.get(call.id),
                                            now=container.clock.now(), settings=container.settings)
        assert again.id == notes.id
        uow.commit()
    reply = attach(container, call, "[00:01] Ana: DECISION: open a second shelter\nhello")
    assert "redrafted as version 2" in reply
    notes = snapshot(container, notes.id)
    assert notes.versions[-1][1:3] == ("coordbot", "Redrafted with the attached transcript")
    assert "open a second shelter (Ana, transcript)" in notes.versions[-1][4]


def test_a_transcript_never_overwrites_edits(container, call, slack):
    notes_id = draft(container, call)
    commands(container).save_edit(notes_id, TEXT + "- Edited by a person\n", user=COORDINATOR)
    reply = attach(container, call, "ISSUE: generators are short\nACTION: call the utility")
    assert "their edits are kept" in reply
    container.worker.drain()
    notes = snapshot(container, notes_id)
    assert notes.version == 2 and "Edited by a person" in notes.versions[-1][4]
    listed = [t for t in slack.posts_to(REVIEW) if "transcript was attached" in t]
    assert len(listed) == 1 and "generators are short" in listed[0]
    assert "call the utility" in listed[0]


def test_empty_and_unmarked_transcripts_are_explained(container, call):
    notes_id = draft(container, call)
    with container.db.unit_of_work() as uow, pytest.raises(InvalidInput, match="empty"):
        notes_review.attach_transcript(uow, call=uow.calls.get(call.id), text=" \n ",
                                       source="t", actor=COORDINATOR, now=container.clock.now(),
                                       settings=container.settings)
    reply = attach(container, call, "We talked about the weather.")
    assert "none of its lines is marked" in reply and "unchanged" in reply
    with container.db.unit_of_work(read_only=True) as uow:
        assert len(uow.notes.transcripts(call.id)) == 1
    assert snapshot(container, notes_id).version == 1
    with pytest.raises(InvalidInput, match="Paste the transcript"):
        commands(container).run(Invocation("notes", key=KEY, text="attach 1"), user=COORDINATOR,
                                channel=None)
    with pytest.raises(PermissionDenied):
        commands(container).run(Invocation("notes", key=KEY, text="attach 1 DECISION: x"),
                                user=BYSTANDER, channel=None)


def test_drafting_from_the_calls_records_names_people_and_uses_transcripts(container, call, sms):
    with container.db.unit_of_work() as uow:
        notes = notes_review.draft_for_call(uow, uow.calls.get(call.id), now=container.clock.now(),
                                            settings=container.settings)
        uow.commit()
        notes_id = notes.id
    first = snapshot(container, notes_id).versions[-1][4]
    assert "Chair: Cora Coordinator" in first and COORDINATOR not in first
    reply = attach(container, call, "[00:01] Ana: DECISION: open a second shelter")
    assert "redrafted as version 2" in reply
    assert "open a second shelter (Ana, transcript)" in snapshot(container, notes_id).versions[-1][4]
    commands(container).approve(notes_id, 2, user=OFFICIAL)
    container.worker.drain()
    summary = sms.to(ANA)[-1]
    assert summary.startswith("Civil Rights Coordination Office: resumen de la llamada")
    # the summary gives what was decided, not who said it
    assert "- open a second shelter\n" in summary and "Incident type" not in summary
    assert "(Ana" not in summary
