"""``/incident``: parsed into a typed command, written to the inbox, then acknowledged.

Mistakes in the text and help are answered in the ack itself (pure and fast). Every other
command is written to the durable inbox before the ack; the worker process runs it and
replies through the ``response_url``. The declare, edit and call forms are opened here, right
after the ack, because their ``trigger_id`` expires in 3 s (the edit form reads the incident's
facts first: one indexed read). (No lazy listener: Bolt would run its machinery for every
command, and the work is elsewhere.)
"""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.access.roles import Roles
from bot.calls import forms as call_modal
from bot.db.unit_of_work import Database
from bot.dispatch.dispatcher import Actor
from bot.dispatch.grammar import SUBCOMMANDS, Invocation, parse_invocation
from bot.dispatch.intake import Intake
from bot.dispatch.slash import command_for
from bot.errors import DomainError
from bot.incidents import blocks as incident_blocks
from bot.incidents import forms as declare_modal
from bot.incidents import service as incidents
from bot.slack_ui.errors import message_for
from handlers.slack.accept import accept_then_ack
from handlers.slack.errors import report


def register(app: AsyncApp, roles: Roles, intake: Intake, db: Database) -> None:
    async def acknowledge(ack: Any, command: dict, body: dict, request: Any, client: Any,
                          respond: Any) -> None:
        try:
            invocation = parse_invocation(command.get("text", ""))
            if invocation.name == "help":
                await ack(text=incident_blocks.help_text(invocation.text or None),
                          response_type="ephemeral")
                return
            form = _form(invocation)
            typed = None if form else command_for(invocation)
        except DomainError as error:
            await ack(text=message_for(error), response_type="ephemeral")
            return
        if form:
            await ack()
            await open_form(form, command, invocation, client, respond)
            return
        await accept_then_ack(intake, ack, request, body, typed,
                              Actor(command["user_id"], command.get("channel_id") or None),
                              reply_to={"response_url": command["response_url"]})

    async def open_form(form: str, command: dict, invocation: Invocation, client: Any,
                        respond: Any) -> None:
        channel = command.get("channel_id") or ""
        doing = {"declare": "declare incidents", "edit": "edit incidents"}.get(form,
                                                                              "schedule calls")
        try:
            await asyncio.to_thread(roles.require, "coordinator", command["user_id"], doing)
            if form == "declare":
                view = declare_modal.view(channel)
            elif form == "edit":
                view = await asyncio.to_thread(_edit_view, db, invocation.key, channel)
            else:
                view = call_modal.view(f"{channel}|{invocation.key or ''}")
            await client.views_open(trigger_id=command["trigger_id"], view=view)
        except Exception as error:
            await report(error, respond)

    app.command("/incident")(acknowledge)


def _edit_view(db: Database, key: str | None, channel: str) -> dict:
    """The edit form with the incident's facts as they are (``NotFound`` when none is named)."""
    with db.unit_of_work(read_only=True) as uow:
        incident = incidents.find(uow, key=key, channel_id=channel or None,
                                  example=SUBCOMMANDS["edit"].example)
        return declare_modal.edit_view(incident, f"{channel}|{incident.key}")


def _form(invocation: Invocation) -> str | None:
    """Which form a subcommand with no details opens, if any."""
    if invocation.name in ("declare", "edit") and not invocation.text:
        return invocation.name
    if invocation.name == "call" and invocation.text.strip().lower() == "schedule":
        return "call"
    return None
