"""Suggestions from the live transcript over real HTTP: signed clicks on the review card's
buttons and a signed submission of the action-item form, through the Slack handler, the inbox
and the worker. A double click or a replayed request makes one decision or item, never two."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from bot.notes import suggestion_blocks
from bot.notes.service import review as notes_review
from tests.conftest import COORDINATOR, OFFICIAL
from tests.support.transcripts import store_lines
from tests.support.waiting import wait_until

DECLARE = 'declare hurricane "Hurricane Xavier" FL,GA severity=high'
DECISION = "Decidimos abrir el refugio de la escuela Lincoln."
TASK = "Tarea para Casa Ayuda: llamar a las familias."


@pytest.fixture
def live(live_review):
    return live_review


def _incident(live) -> SimpleNamespace:
    with live.container.db.unit_of_work(read_only=True) as uow:
        found = uow.incidents.list(status=None)[0]
        return SimpleNamespace(id=found.id, key=found.key, channel_id=found.channel_id)


@pytest.fixture
def notes_id(live) -> int:
    """A call with a live transcript whose notes were drafted; the card shows its suggestions."""
    _, url = live.command(DECLARE, user=COORDINATOR)
    live.wait_response(url)
    wait_until(lambda: _incident(live).channel_id, what="the incident channel")
    _, url = live.command(f"call {_incident(live).key} schedule tomorrow 3pm ET", user=COORDINATOR)
    assert "Scheduled call 1" in live.wait_response(url)["text"]
    container = live.container
    with container.db.unit_of_work(read_only=True) as uow:
        call = SimpleNamespace(id=uow.calls.by_number(_incident(live).id, 1).id)
    store_lines(container, call)
    with container.db.unit_of_work() as uow:
        notes = notes_review.draft_for_call(uow, uow.calls.get(call.id),
                                            now=container.clock.now(), settings=container.settings)
        uow.commit()
        found = notes.id
    wait_until(lambda: _card(live) and _suggestion_buttons(live), what="the card's suggestions")
    return found


def _review(live):
    return live.emulator.channels[live.container.settings.notes.review_channel]


def _card(live):
    cards = [m for m in _review(live).messages if m.text.startswith("Call notes for review")]
    return cards[0] if cards else None


def _suggestion_buttons(live) -> dict[str, str]:
    """The text of each suggestion -> its id, as the card's buttons carry it."""
    blocks = _card(live).blocks
    found = {}
    for index, block in enumerate(blocks):
        if block.get("block_id", "").startswith("suggestion_"):
            said = blocks[index - 1]["text"]["text"]
            found[said] = block["elements"][0]["value"]
    return found


def _value(live, text: str) -> str:
    return next(value for said, value in _suggestion_buttons(live).items() if text in said)


def _click(live, action_id: str, value: str, user: str):
    return live.requests.block_action(action_id, value, user_id=user, channel_id=_review(live).id,
                                      response_url=live.emulator.new_response_url(),
                                      message_ts=_card(live).ts)


def _state(live, notes_id: int):
    with live.container.db.unit_of_work(read_only=True) as uow:
        notes = uow.notes.get(notes_id)
        text = uow.notes.version(notes_id, notes.version).text
        items = uow.actions.for_incident(notes.incident_id)
        suggestions = {s.text: (s.status, s.decided_by) for s in uow.transcripts.suggestions(
            notes.call_id)}
        return SimpleNamespace(version=notes.version, text=text, suggestions=suggestions,
                               items=[(i.number, i.text, i.created_by) for i in items])


def test_a_double_clicked_accept_makes_one_decision_credited_to_the_reviewer(live, notes_id):
    value = _value(live, DECISION)
    first = _click(live, suggestion_blocks.ACCEPT_DECISION, value, OFFICIAL)
    assert live.post(first).status_code == 200
    assert live.post(first).status_code == 200  # the same request replayed
    assert live.post(_click(live, suggestion_blocks.ACCEPT_DECISION, value,
                            COORDINATOR)).status_code == 200  # a second click
    refusal = wait_until(lambda: [e for e in live.emulator.ephemerals
                                  if "already accepted as a decision" in e.text],
                         what="the second click's refusal")
    assert len(refusal) == 1 and refusal[0].user == COORDINATOR
    state = _state(live, notes_id)
    assert state.version == 2 and state.suggestions[DECISION] == ("as_decision", OFFICIAL)
    assert state.text.count(DECISION) == 2  # once in the decisions, once in what was said
    assert f"{DECISION} (Ana Ruiz (Casa Ayuda), transcript; accepted by Olu Official)" in state.text
    wait_until(lambda: DECISION not in json.dumps(_suggestion_buttons(live)),
               what="the card without the decided suggestion")


def test_accept_as_action_item_asks_owner_and_due_and_makes_one_item(live, notes_id):
    value = _value(live, TASK)
    assert live.post(_click(live, suggestion_blocks.ACCEPT_ACTION, value,
                            COORDINATOR)).status_code == 200
    form = wait_until(lambda: [v for v in live.emulator.views
                               if v["callback_id"] == suggestion_blocks.ACTION_FORM],
                      what="the action-item form")[0]
    text = next(b for b in form["blocks"] if b["block_id"] == "text")
    assert text["element"]["initial_value"] == TASK
    blank = live.post(live.requests.view_submission(form, {"owner": " ", "text": TASK},
                                                    user_id=COORDINATOR))
    assert blank.json()["response_action"] == "errors" and "owner" in blank.json()["errors"]
    damaged = live.post(live.requests.view_submission(form, {"owner": "x", "text": TASK},
                                                      user_id=COORDINATOR,
                                                      private_metadata="{nope"))
    assert damaged.json()["response_action"] == "errors"
    submit = live.requests.view_submission(form, {"owner": f"<@{COORDINATOR}>", "text": TASK,
                                                  "due": "tomorrow 5pm"}, user_id=COORDINATOR)
    assert live.post(submit).status_code == 200
    again = live.requests.view_submission(form, {"owner": f"<@{COORDINATOR}>", "text": TASK},
                                          user_id=COORDINATOR)
    assert live.post(again).status_code == 200  # a second submission of the same form
    wait_until(lambda: _state(live, notes_id).items, what="the action item")
    wait_until(lambda: [e for e in live.emulator.ephemerals
                        if "already accepted as an action item" in e.text],
               what="the second submission's refusal")
    state = _state(live, notes_id)
    assert state.items == [(1, TASK, COORDINATOR)]
    assert state.suggestions[TASK] == ("as_action", COORDINATOR)
    assert f"| A-1 | {TASK} | Maria Alvarez |" in state.text


def test_drop_through_the_button_leaves_nothing(live, notes_id):
    value = _value(live, DECISION)
    assert live.post(_click(live, suggestion_blocks.DROP, value, OFFICIAL)).status_code == 200
    wait_until(lambda: _state(live, notes_id).suggestions[DECISION][0] == "dropped",
               what="the suggestion dropped")
    state = _state(live, notes_id)
    assert state.version == 1 and state.items == []
    assert state.suggestions[DECISION] == ("dropped", OFFICIAL)


def _kept(live, notes_id: int) -> bool:
    with live.container.db.unit_of_work(read_only=True) as uow:
        return bool(uow.notes.get(notes_id).transcript_kept)


def test_the_keep_button_keeps_the_transcript_and_a_damaged_one_is_refused(live, notes_id):
    blocks = _card(live).blocks
    keep = next(e for b in blocks if b["type"] == "actions" for e in b["elements"]
                if e["action_id"] == suggestion_blocks.KEEP)
    assert keep["value"] == f"{notes_id}:1" and keep["text"]["text"] == "Keep in published notes"
    told = live.emulator.new_response_url()
    damaged = live.requests.block_action(suggestion_blocks.KEEP, f"{notes_id}:7",
                                         user_id=OFFICIAL, channel_id=_review(live).id,
                                         response_url=told, message_ts=_card(live).ts)
    assert live.post(damaged).status_code == 200
    assert "damaged" in live.wait_response(told)["text"]
    assert not _kept(live, notes_id)
    assert live.post(_click(live, suggestion_blocks.KEEP, keep["value"], OFFICIAL)).status_code == 200
    wait_until(lambda: _kept(live, notes_id), what="the transcript kept")
    wait_until(lambda: "*kept*: it is published" in json.dumps(_card(live).blocks),
               what="the card saying it is kept")
