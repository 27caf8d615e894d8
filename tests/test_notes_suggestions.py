"""The notes and the call's live transcript at the service layer: "What was said" by speaker
turn (finals once, in spoken order, partials never), suggestions found by cue phrases and stored
once, a reviewer accepting one as exactly one decision or action item (and who), dropping one
(nothing made), and the transcript's section published only if a reviewer keeps it."""

from __future__ import annotations

import threading

import pytest

from bot.actions.commands import AddActionFromSuggestion
from bot.errors import InvalidTransition, NotFound, PermissionDenied
from bot.notes.commands import AcceptSuggestion, DropSuggestion, KeepTranscript
from bot.notes.service import draft as notes_draft
from bot.notes.service import suggestions as notes_suggestions
from tests.conftest import BYSTANDER, COORDINATOR, OFFICIAL
from tests.support.notes import (
    KEY,
    REVIEW,
    buttons,
    card,
    commands,
    incident_channel,
    notes_posts,
    review_settings,
    snapshot,
)
from tests.support.transcripts import ANA_SAYS, CALLER, drafted, store_lines, suggestions

SPANISH_DECISION = "Decidimos abrir el refugio de la escuela Lincoln."
SPANISH_TASK = "Tarea para Casa Ayuda: llamar a las familias."


@pytest.fixture
def settings(settings):
    return review_settings(settings)


def said(text: str) -> str:
    return text.split("## What was said\n\n", 1)[1].split("\n## ", 1)[0].strip()


def test_what_was_said_has_each_final_once_by_speaker_turn_in_spoken_order(container, call):
    store_lines(container, call)
    text = snapshot(container, drafted(container, call)).versions[-1][4]
    section = said(text)
    assert section.split("\n\n")[1:] == [
        f"**{ANA_SAYS}** (0:05)\n- [es] {SPANISH_DECISION}\n- [es] {SPANISH_TASK}",
        f"**{CALLER}** (0:40)\n- [en] We agreed to send two interpreters to Eastside.\n"
        "- [en] The east roads are still closed.",
        f"**{ANA_SAYS}** (1:15)\n- [es] Las familias tienen miedo de salir.",
    ]
    assert "de la escuela\n" not in section  # the partial, never
    assert text.count(SPANISH_DECISION) == 1


def test_a_call_without_a_live_transcript_has_no_such_section_nor_suggestions(container, call):
    text = snapshot(container, drafted(container, call)).versions[-1][4]
    assert "What was said" not in text
    assert suggestions(container, call) == []


def test_suggestions_are_stored_once_however_often_the_notes_are_drafted(container, call):
    store_lines(container, call)
    drafted(container, call)
    first = suggestions(container, call)
    assert sorted(tuple(t) for _, *t in first) == sorted([
        ("decision", "suggested", "We agreed to send two interpreters to Eastside."),
        ("decision", "suggested", SPANISH_DECISION),
        ("action", "suggested", SPANISH_TASK)])
    with container.db.unit_of_work() as uow:
        assert notes_suggestions.store(uow, uow.calls.get(call.id)) == 0
        uow.commit()
    assert suggestions(container, call) == first


def _id(container, call, text):
    return next(i for i, _, _, said in suggestions(container, call) if said == text)


def test_accepting_a_decision_makes_exactly_one_and_records_who(container, call, slack):
    store_lines(container, call)
    notes_id = drafted(container, call)
    suggestion = _id(container, call, SPANISH_DECISION)
    reply = commands(container).send(AcceptSuggestion(suggestion), user=OFFICIAL)
    assert "Accepted as a decision" in reply.text
    with pytest.raises(InvalidTransition, match="already accepted as a decision"):
        commands(container).send(AcceptSuggestion(suggestion), user=COORDINATOR)
    with pytest.raises(InvalidTransition, match="already accepted"):
        commands(container).send(DropSuggestion(suggestion), user=COORDINATOR)
    notes = snapshot(container, notes_id)
    assert notes.version == 2 and notes.versions[-1][1] == OFFICIAL
    decisions = notes.versions[-1][4].split("## Decisions\n\n", 1)[1].split("\n\n", 1)[0]
    assert decisions == f"- {SPANISH_DECISION} ({ANA_SAYS}, transcript; accepted by {OFFICIAL})"
    with container.db.unit_of_work(read_only=True) as uow:
        row = uow.transcripts.suggestion(suggestion)
        assert (row.status, row.decided_by) == ("as_decision", OFFICIAL)
        events = uow.audit.list(action="notes.suggestion_accepted")
        assert [(e.actor, e.details["suggestion_id"]) for e in events] == [(OFFICIAL, suggestion)]


def test_accepting_an_action_item_makes_exactly_one_under_a_double_submit(container, call):
    store_lines(container, call)
    notes_id = drafted(container, call)
    suggestion = _id(container, call, SPANISH_TASK)
    form = AddActionFromSuggestion(suggestion, "Ana Ruiz", SPANISH_TASK, "")
    reply = commands(container).send(form, user=COORDINATOR)
    assert "Accepted as *A-1* for Ana Ruiz" in reply.text
    with pytest.raises(InvalidTransition, match="already accepted as an action item"):
        commands(container).send(form, user=COORDINATOR)
    with container.db.unit_of_work(read_only=True) as uow:
        incident = uow.incidents.by_key(KEY)
        items = uow.actions.for_incident(incident.id)
        assert [(i.number, i.text, i.owner_label, i.created_by) for i in items] == [
            (1, SPANISH_TASK, "Ana Ruiz", COORDINATOR)]
        row = uow.transcripts.suggestion(suggestion)
        assert (row.status, row.decided_by, row.action_item_id) == (
            "as_action", COORDINATOR, items[0].id)
    text = snapshot(container, notes_id).versions[-1][4]
    tracker = text.split("## Action items\n\n", 1)[1].split("\n\n", 1)[0]
    assert tracker.splitlines()[2].startswith(f"| A-1 | {SPANISH_TASK} | Ana Ruiz |")


def test_dropping_leaves_nothing(container, call):
    store_lines(container, call)
    notes_id = drafted(container, call)
    suggestion = _id(container, call, SPANISH_DECISION)
    before = snapshot(container, notes_id)
    assert "Dropped" in commands(container).send(DropSuggestion(suggestion), user=OFFICIAL).text
    after = snapshot(container, notes_id)
    assert after.versions == before.versions
    with container.db.unit_of_work(read_only=True) as uow:
        assert uow.actions.for_incident(uow.incidents.by_key(KEY).id) == []
        assert (uow.transcripts.suggestion(suggestion).status,
                uow.transcripts.suggestion(suggestion).decided_by) == ("dropped", OFFICIAL)
    with pytest.raises(InvalidTransition, match="already dropped"):
        commands(container).send(AcceptSuggestion(suggestion), user=OFFICIAL)


def test_only_editors_decide_suggestions(container, call):
    store_lines(container, call)
    drafted(container, call)
    suggestion = _id(container, call, SPANISH_DECISION)
    with pytest.raises(PermissionDenied):
        commands(container).send(AcceptSuggestion(suggestion), user=BYSTANDER)
    assert all(status == "suggested" for _, _, status, _ in suggestions(container, call))


def test_the_card_shows_suggestions_and_the_keep_choice(container, call, slack):
    store_lines(container, call)
    drafted(container, call)
    posted = card(slack)
    ids = [b["action_id"] for b in buttons(posted)]
    assert ids.count("notes_suggestion_decision") == 3 and ids.count("notes_suggestion_drop") == 3
    assert "notes_transcript_keep" in ids
    assert any("not published* unless a reviewer keeps it" in b.get("text", {}).get("text", "")
               for b in posted["blocks"])
    assert ids[-3:] == ["notes_approve", "notes_edit", "notes_request_changes"]


def _published(container, call, slack, notes_id, version):
    commands(container).approve(notes_id, version, user=OFFICIAL)
    container.worker.drain()
    return "\n".join(b["text"]["text"] for p in notes_posts(slack, incident_channel(container))
                     for b in p["blocks"] if b["type"] == "section")


def test_the_transcript_is_published_only_if_kept(container, call, slack):
    store_lines(container, call)
    notes_id = drafted(container, call)
    published = _published(container, call, slack, notes_id, 1)
    assert "What was said" not in published and "Las familias" not in published
    assert "Next call" in published and "Drafted by coordbot" in published


def test_a_kept_transcript_is_published(container, call, slack):
    store_lines(container, call)
    notes_id = drafted(container, call)
    assert "kept" in commands(container).send(KeepTranscript(notes_id, True), user=OFFICIAL).text
    assert "Nothing changed" in commands(container).send(KeepTranscript(notes_id, True),
                                                         user=OFFICIAL).text
    published = _published(container, call, slack, notes_id, 1)
    assert "What was said" in published and "[es] Las familias tienen miedo" in published
    with pytest.raises(InvalidTransition):
        commands(container).send(KeepTranscript(notes_id, False), user=OFFICIAL)
    assert REVIEW


def test_an_unknown_owner_makes_nothing_and_leaves_the_suggestion_to_decide(container, call):
    store_lines(container, call)
    notes_id = drafted(container, call)
    suggestion = _id(container, call, SPANISH_TASK)
    with pytest.raises(NotFound, match="No organisation is called 'Nobody Org'"):
        commands(container).send(AddActionFromSuggestion(suggestion, "Nobody Org", SPANISH_TASK),
                                 user=COORDINATOR)
    with container.db.unit_of_work(read_only=True) as uow:
        assert uow.actions.for_incident(uow.incidents.by_key(KEY).id) == []
        assert uow.transcripts.suggestion(suggestion).status == "suggested"
    assert snapshot(container, notes_id).version == 1


def test_a_draft_from_the_records_keeps_what_reviewers_accepted(container, call):
    store_lines(container, call)
    drafted(container, call)
    commands(container).send(AcceptSuggestion(_id(container, call, SPANISH_DECISION)),
                             user=OFFICIAL)
    commands(container).send(AddActionFromSuggestion(_id(container, call, SPANISH_TASK),
                                                     "Ana Ruiz", SPANISH_TASK), user=COORDINATOR)
    with container.db.unit_of_work(read_only=True) as uow:
        text = notes_draft.named_draft(uow, uow.calls.get(call.id), settings=container.settings)
    assert f"- {SPANISH_DECISION} ({ANA_SAYS}, transcript; accepted by {OFFICIAL})" in text
    assert f"| A-1 | {SPANISH_TASK} | Ana Ruiz |" in text


def test_two_reviewers_accepting_at_the_same_moment_make_one_decision(container, call):
    """Two workers at once (threads with their own transactions, as two processes): the
    suggestion's row is locked, so one accepts and the other finds it accepted."""
    store_lines(container, call)
    notes_id = drafted(container, call)
    suggestion = _id(container, call, SPANISH_DECISION)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def accept(user: str) -> None:
        start.wait()
        try:
            commands(container).send(AcceptSuggestion(suggestion), user=user)
            outcomes.append("accepted")
        except InvalidTransition as refused:
            outcomes.append("refused" if "already accepted" in str(refused) else repr(refused))

    threads = [threading.Thread(target=accept, args=(user,)) for user in (OFFICIAL, COORDINATOR)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["accepted", "refused"]
    notes = snapshot(container, notes_id)
    assert notes.version == 2
    assert notes.versions[-1][4].count(f"{SPANISH_DECISION} ({ANA_SAYS}, transcript") == 1
