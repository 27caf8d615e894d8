"""Marked messages, reactions and the "Make action item" shortcut over real HTTP.

Signed Events API and interaction requests go to the live app; the Slack emulator plays Slack.
"""

from __future__ import annotations

import time

import pytest

from bot.actions import forms as action_modal
from bot.actions.blocks import DONE_ACTION, REASSIGN_ACTION
from bot.sandbox.harness import live_app
from tests.conftest import BYSTANDER, COORDINATOR
from tests.support.waiting import wait_until

DECLARE = 'declare hurricane "Hurricane Xavier" FL,GA severity=high'


def _people(emulator) -> None:
    emulator.add_user(COORDINATOR, name="maria", real_name="Maria Alvarez")
    emulator.add_user(BYSTANDER, name="sam.guest", real_name="Sam Guest")


@pytest.fixture
def live(settings):
    with live_app(settings, coordinators=[COORDINATOR], prepare=_people) as running:
        yield running


@pytest.fixture
def channel(live) -> str:
    _, url = live.command(DECLARE, user=COORDINATOR)
    live.wait_response(url)

    def incident_channel():
        with live.container.db.unit_of_work(read_only=True) as uow:
            found = uow.incidents.list(status=None)
            return found[0].channel_id if found and found[0].channel_id else None

    channel_id = wait_until(incident_channel, what="the incident channel")
    live.emulator.channels[channel_id].members.append(BYSTANDER)
    return channel_id


def marked(live, channel: str, ts: str) -> tuple | None:
    with live.container.db.unit_of_work(read_only=True) as uow:
        row = uow.actions.message(channel, ts)
        return None if row is None else (row.mark, row.marked_by, row.text, row.user, row.marker)


def action_items(live) -> list[tuple]:
    with live.container.db.unit_of_work(read_only=True) as uow:
        incident = uow.incidents.list(status=None)[0]
        return [(i.id, i.text, i.owner_kind, i.owner_ref, i.status, i.source_ts)
                for i in uow.actions.for_incident(incident.id)]


def test_a_decision_message_in_the_incident_channel_is_kept(live, channel):
    ts = live.emulator.add_user_message(channel, BYSTANDER, "DECISION: open the Valdosta shelter")
    response = live.post(live.requests.message_event(channel, BYSTANDER,
                                                     "DECISION: open the Valdosta shelter", ts))
    assert response.status_code == 200
    assert wait_until(lambda: marked(live, channel, ts), what="the marked message") == (
        "decision", "prefix", "open the Valdosta shelter", BYSTANDER, None)

    edited = live.requests.message_changed(channel, BYSTANDER, "DECISION: open it at 6pm", ts,
                                           previous_text="DECISION: open the Valdosta shelter")
    assert live.post(edited).status_code == 200
    wait_until(lambda: marked(live, channel, ts)[2] == "open it at 6pm", what="the edit")


def test_bot_messages_and_plain_chatter_are_not_kept(live, channel):
    bot_event = live.requests.message_event(channel, live.emulator.bot_user_id,
                                            "DECISION: said by a bot", "1795000000.000001")
    payload_with_bot = bot_event.body.replace('"type": "message",',
                                              f'"type": "message", "bot_id": "{live.emulator.bot_id}",', 1)
    live.post(live.requests.signed(payload_with_bot, content_type="application/json"))
    live.post(live.requests.message_event(channel, BYSTANDER, "lunch anyone?",
                                          "1795000000.000002"))
    ts = "1795000000.000003"
    live.post(live.requests.message_event(channel, BYSTANDER, "ISSUE: generators short", ts))
    wait_until(lambda: marked(live, channel, ts), what="the issue")  # the worker is in order
    assert marked(live, channel, "1795000000.000001") is None
    assert marked(live, channel, "1795000000.000002") is None


def test_a_configured_reaction_keeps_the_message_with_its_text(live, channel):
    ts = live.emulator.add_user_message(channel, BYSTANDER, "Buses leave the depot at noon")
    reaction = live.requests.reaction_added(channel, COORDINATOR, "pushpin", ts, BYSTANDER)
    assert live.post(reaction).status_code == 200
    # credited to the message's author (the event's item_user), the reactor kept as the marker
    assert wait_until(lambda: marked(live, channel, ts), what="the reaction's mark") == (
        "action", "reaction", "Buses leave the depot at noon", BYSTANDER, COORDINATOR)
    assert live.emulator.calls_to("conversations.history")[-1].params["latest"] == ts


def test_a_reaction_without_an_author_credits_no_one_and_a_replay_changes_nothing(live, channel):
    # Slack names no item_user for a message no user posted (an integration's): the words are
    # not credited to whoever reacted
    ts = live.emulator.add_user_message(channel, BYSTANDER, "Dialysis centre closed until Monday")
    reaction = live.requests.reaction_added(channel, COORDINATOR, "warning", ts, BYSTANDER)
    body = reaction.body.replace(f'"item_user": "{BYSTANDER}", ', "")
    assert '"item_user"' not in body
    assert live.post(live.requests.signed(body, content_type="application/json")).status_code == 200
    assert wait_until(lambda: marked(live, channel, ts), what="the reaction's mark") == (
        "issue", "reaction", "Dialysis centre closed until Monday", "", COORDINATOR)
    # the same event again (Slack retries): the first mark stays as it was
    assert live.post(live.requests.signed(body, content_type="application/json")).status_code == 200
    other = live.requests.reaction_added(channel, BYSTANDER, "pushpin", ts, BYSTANDER)
    assert live.post(other).status_code == 200
    later = live.emulator.add_user_message(channel, BYSTANDER, "DECISION: buses at noon")
    live.post(live.requests.message_event(channel, BYSTANDER, "DECISION: buses at noon", later))
    wait_until(lambda: marked(live, channel, later), what="a later event")  # in order: done
    assert marked(live, channel, ts) == (
        "issue", "reaction", "Dialysis centre closed until Monday", "", COORDINATOR)


def test_a_forged_event_is_refused(live, channel):
    ts = live.emulator.add_user_message(channel, BYSTANDER, "DECISION: forged")
    forged = live.requests.message_event(channel, BYSTANDER, "DECISION: forged", ts)
    forged.headers["X-Slack-Signature"] = "v0=" + "0" * 64
    assert live.post(forged).status_code == 401
    stale = live.requests.reaction_added(channel, COORDINATOR, "pushpin", ts, BYSTANDER)
    stale = live.requests.signed(stale.body, timestamp=int(time.time()) - 301,
                                 content_type="application/json")
    assert live.post(stale).status_code == 401
    # A genuine event queued after them: once it is recorded, the refused ones would have been.
    later = live.emulator.add_user_message(channel, BYSTANDER, "DECISION: genuine")
    assert live.post(live.requests.message_event(channel, BYSTANDER, "DECISION: genuine",
                                                 later)).status_code == 200
    wait_until(lambda: marked(live, channel, later), what="the genuine event")
    assert marked(live, channel, ts) is None
    assert live.emulator.calls_to("conversations.history") == []


def test_the_shortcut_opens_a_prefilled_form_that_makes_an_action_item(live, channel):
    text = "ACTION: Sam books three buses for the Tifton shelter"
    ts = live.emulator.add_user_message(channel, BYSTANDER, text)
    shortcut = live.requests.message_shortcut(
        action_modal.SHORTCUT_ID, user_id=COORDINATOR, channel_id=channel, message_ts=ts,
        message_text=text, message_user=BYSTANDER, response_url=live.emulator.new_response_url())
    assert live.post(shortcut).status_code == 200
    opened = wait_until(lambda: [v for v in live.emulator.views
                                 if v["callback_id"] == action_modal.CALLBACK_ID], what="the form")[0]
    [call] = [c for c in live.emulator.calls_to("views.open")
              if c.params["view"]["callback_id"] == action_modal.CALLBACK_ID]
    assert call.params["trigger_id"] == "13345224609.738474920.8088930838d88f008e3"
    text_block = next(b for b in opened["blocks"] if b["block_id"] == "text")
    assert text_block["element"]["initial_value"] == "Sam books three buses for the Tifton shelter"
    assert opened["private_metadata"] == f"{channel}|{ts}"

    empty = live.requests.view_submission(opened, {"owner": "", "text": " ", "due": ""},
                                          user_id=COORDINATOR)
    answer = live.post(empty).json()
    assert answer["response_action"] == "errors" and set(answer["errors"]) == {"owner", "text"}

    good = live.requests.view_submission(opened, {
        "owner": "@sam.guest", "text": "Book three buses for Tifton", "due": "tomorrow 5pm"},
        user_id=COORDINATOR)
    assert live.post(good).status_code == 200
    [item] = wait_until(lambda: action_items(live), what="the action item")
    item_id, item_text, owner_kind, owner_ref, status, source_ts = item
    assert (item_text, owner_kind, owner_ref, status, source_ts) == (
        "Book three buses for Tifton", "slack", BYSTANDER, "open", ts)
    wait_until(lambda: any("A-1" in c.params.get("text", "")
                           for c in live.emulator.calls_to("chat.postEphemeral")),
               what="the confirmation")

    # Reassign from the card's button, then Done
    click = live.requests.block_action(REASSIGN_ACTION, str(item_id), user_id=COORDINATOR,
                                       channel_id=channel, message_ts=ts,
                                       response_url=live.emulator.new_response_url())
    assert live.post(click).status_code == 200
    form = wait_until(lambda: [v for v in live.emulator.views
                               if v["callback_id"] == action_modal.REASSIGN_CALLBACK_ID],
                      what="the reassign form")[0]
    assert form["private_metadata"] == f"{item_id}|{channel}"
    assert live.post(live.requests.view_submission(form, {"owner": "@maria"},
                                                   user_id=COORDINATOR)).status_code == 200
    wait_until(lambda: action_items(live)[0][3] == COORDINATOR, what="the new owner")

    done = live.requests.block_action(DONE_ACTION, str(item_id), user_id=COORDINATOR,
                                      channel_id=channel, message_ts=ts,
                                      response_url=live.emulator.new_response_url())
    assert live.post(done).status_code == 200
    wait_until(lambda: action_items(live)[0][4] == "done", what="the item done")
