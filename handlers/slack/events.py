"""Events API: a mention is answered with the help (through the outbox, in a thread, once);
messages and reactions feed the notes; a person's direct message to the bot (``message.im``) is
read like an SMS reply (an RSVP, ``DONE N``) and answered in the DM.

Messages and reactions are acknowledged at once (Bolt acks events before the listener runs) and,
when they may mark something, handed to the worker process without a reply. The checks here are
pure and cheap: the bot's own and other bots' messages, hidden subtypes, and new messages without
a DECISION / ISSUE / ACTION prefix never reach the worker. Edits by people all go (an edit can
remove a prefix, or change the text of a message marked by a reaction).
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.dispatch.dispatcher import Actor
from bot.dispatch.intake import Intake
from bot.incidents.commands import AnswerMention
from bot.notes.commands import RecordChannelMessage, RecordReaction
from bot.notes.rules.marks import mark_of
from bot.notes.service.marks import EDITED, RECORDED_SUBTYPES
from bot.sms.commands import DirectMessage
from handlers.slack.accept import accept_then_ack


def message_job(event: dict) -> RecordChannelMessage | DirectMessage | None:
    """The command for a message event, or None to ignore it."""
    subtype = event.get("subtype")
    if event.get("bot_id") or subtype == "bot_message":
        return None
    if event.get("channel_type") == "im":
        return direct_message(event)
    if subtype == EDITED:
        message = event.get("message") or {}
        previous = event.get("previous_message")
        if message.get("bot_id") or not message.get("user") or not message.get("ts"):
            return None
        if previous and previous.get("text") == message.get("text"):
            return None  # an unfurl, a thread reply count …: the text is unchanged
        return RecordChannelMessage(event.get("channel"), message["ts"], message["user"],
                                    message.get("text") or "", subtype)
    if subtype not in RECORDED_SUBTYPES or not event.get("user") or not event.get("ts"):
        return None
    if mark_of(event.get("text") or "") is None:
        return None
    return RecordChannelMessage(event.get("channel"), event["ts"], event["user"],
                                event.get("text") or "", subtype)


def direct_message(event: dict) -> DirectMessage | None:
    """A new message a person wrote in their DM with the bot; edits and the like are ignored."""
    if event.get("subtype") or not (event.get("channel") and event.get("user") and event.get("ts")):
        return None
    return DirectMessage(event["channel"], event["ts"], event["user"], event.get("text") or "")


def register(app: AsyncApp, intake: Intake) -> None:
    async def take(ack: Any, request: Any, body: dict, command: Any, actor: Actor) -> None:
        await accept_then_ack(intake, ack, request, body, command, actor, reply_to=None,
                              say_queued=False)

    @app.event("app_mention")
    async def on_mention(ack: Any, request: Any, body: dict, event: dict) -> None:
        if not (event.get("channel") and event.get("ts")):
            await ack()
            return
        await take(ack, request, body, AnswerMention(event["channel"], event["ts"]),
                   Actor(event.get("user") or "", event["channel"]))

    @app.event("message")
    async def on_message(ack: Any, request: Any, body: dict, event: dict) -> None:
        command = message_job(event)
        if command is None:
            await ack()
            return
        await take(ack, request, body, command, Actor(command.user or "", command.channel))

    @app.event("reaction_added")
    async def on_reaction(ack: Any, request: Any, body: dict, event: dict) -> None:
        item = event.get("item") or {}
        if item.get("type") != "message" or not item.get("channel") or not item.get("ts"):
            await ack()
            return
        user = event.get("user", "")
        await take(ack, request, body,
                   RecordReaction(item["channel"], item["ts"], event.get("reaction", ""), user,
                                  event.get("item_user") or None),
                   Actor(user, item["channel"]))
