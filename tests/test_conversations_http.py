"""A conversation over real HTTP: an unknown number texts in Spanish through the signed Twilio
webhook, the card appears in the announcements channel of the Slack emulator, staff answer it
with the signed Reply button and form, and the Twilio emulator receives the text; the number is
revealed only to a coordinator."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import pytest

from bot.i18n.catalog import render
from bot.sandbox.harness import live_app
from bot.sms import blocks
from tests.conftest import BYSTANDER, COORDINATOR
from tests.support.waiting import wait_until

STRANGER = "+17875550199"
QUESTION = "Hola, ¿dónde está el refugio más cercano a Guayama?"
ANSWER = "Hola. El refugio más cercano es la Escuela Genaro Cautiño, en la calle 3."


@pytest.fixture
def live(settings):
    with live_app(settings, coordinators=[COORDINATOR]) as running:
        running.emulator.add_user(COORDINATOR, name="maria.coordinator", real_name="Maria Alvarez")
        running.emulator.add_user(BYSTANDER, name="sam.guest", real_name="Sam Guest")
        yield running


def announcements(live):
    return live.emulator.channels[live.container.settings.slack.announcements_channel]


def click(live, action_id, value, *, user, ts):
    url = live.emulator.new_response_url()
    request = live.requests.block_action(action_id, value, user_id=user,
                                         channel_id=announcements(live).id, response_url=url,
                                         message_ts=ts)
    assert live.post(request).status_code == 200
    return url


def test_an_unknown_texter_answered_from_slack_in_spanish(live):
    response = live.text_in(QUESTION, sender=STRANGER)
    assert response.status_code == 200
    assert ElementTree.fromstring(response.text).findtext("Message") == render(
        "unknown_sender_reply", "es", office=live.container.settings.office_name)
    channel = announcements(live)
    card = wait_until(lambda: next((m for m in channel.messages if "SMS from" in m.text), None),
                      what="the conversation's card")
    assert STRANGER not in card.text and "Guayama" in card.text
    values = {e["action_id"]: e["value"] for b in card.blocks if b["type"] == "actions"
              for e in b["elements"]}

    pressed = click(live, blocks.CONVERSATION_REPLY_ACTION,
                    values[blocks.CONVERSATION_REPLY_ACTION], user=BYSTANDER, ts=card.ts)
    form = wait_until(lambda: [v for v in live.emulator.views
                               if v["callback_id"] == "conversation_reply_form"],
                      what="the reply form")[0]
    too_long = live.post(live.requests.view_submission(form, {"text": "Información " * 60},
                                                       user_id=BYSTANDER)).json()
    assert too_long["response_action"] == "errors" and "Too long" in too_long["errors"]["text"]
    sent = live.post(live.requests.view_submission(form, {"text": ANSWER}, user_id=BYSTANDER))
    assert sent.status_code == 200
    # Answered through the button's response_url: the sender need not be in the channel.
    assert "queued to go by SMS" in live.wait_response(pressed)["text"]
    wait_until(lambda: live.twilio.messages_to(STRANGER), what="the SMS to the texter")
    assert [m.body for m in live.twilio.messages_to(STRANGER)] == [ANSWER]
    echo = wait_until(lambda: next((m for m in channel.messages if m.thread_ts == card.ts), None),
                      what="the reply in the thread")
    assert echo.text.startswith(":outbox_tray: Replied by Sam Guest:") and "Cautiño" in echo.text

    refused = click(live, blocks.CONVERSATION_REVEAL_ACTION,
                    values[blocks.CONVERSATION_REVEAL_ACTION], user=BYSTANDER, ts=card.ts)
    assert "Only coordinators" in live.wait_response(refused)["text"]
    revealed = click(live, blocks.CONVERSATION_REVEAL_ACTION,
                     values[blocks.CONVERSATION_REVEAL_ACTION], user=COORDINATOR, ts=card.ts)
    answer = live.wait_response(revealed)
    assert STRANGER in answer["text"] and answer.get("response_type", "ephemeral") == "ephemeral"
    assert all(STRANGER not in m.text for m in channel.messages)
