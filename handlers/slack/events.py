"""Events API: a mention is answered with the command help; messages and reactions feed the notes.

Messages and reactions are acknowledged at once (Bolt acks events before the listener runs) and,
when they may mark something, handed to the worker process without a reply. The checks here are
pure and cheap: the bot's own and other bots' messages, hidden subtypes, and new messages without
a DECISION / ISSUE / ACTION prefix never reach the worker. Edits by people all go (an edit can
remove a prefix, or change the text of a message marked by a reaction).
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.dispatch.process import CommandProcess
from bot.incidents import blocks as incident_blocks
from bot.notes.rules.marks import mark_of
from bot.notes.service.marks import EDITED, RECORDED_SUBTYPES


def message_job(event: dict) -> tuple | None:
    """The ``record_channel_message`` arguments for a message event, or None to ignore it."""
    subtype = event.get("subtype")
    if event.get("bot_id") or subtype == "bot_message":
        return None
    if subtype == EDITED:
        message = event.get("message") or {}
        previous = event.get("previous_message")
        if message.get("bot_id") or not message.get("user") or not message.get("ts"):
            return None
        if previous and previous.get("text") == message.get("text"):
            return None  # an unfurl, a thread reply count …: the text is unchanged
        return (event.get("channel"), message["ts"], message["user"], message.get("text") or "",
                subtype)
    if subtype not in RECORDED_SUBTYPES or not event.get("user") or not event.get("ts"):
        return None
    if mark_of(event.get("text") or "") is None:
        return None
    return (event.get("channel"), event["ts"], event["user"], event.get("text") or "", subtype)


def register(app: AsyncApp, runner: CommandProcess) -> None:
    @app.event("app_mention")
    async def on_mention(event: dict, client: Any) -> None:
        await client.chat_postMessage(channel=event["channel"], thread_ts=event.get("ts"),
                                      text=incident_blocks.help_text())

    @app.event("message")
    async def on_message(event: dict) -> None:
        job = message_job(event)
        if job is not None:
            runner.submit("record_channel_message", *job, reply_to=None)

    @app.event("reaction_added")
    async def on_reaction(event: dict) -> None:
        item = event.get("item") or {}
        if item.get("type") != "message" or not item.get("channel") or not item.get("ts"):
            return
        runner.submit("record_reaction", item["channel"], item["ts"], event.get("reaction", ""),
                      event.get("user", ""), reply_to=None)
