"""``/incident``: ack at once; the work goes to the command worker process.

Only parse errors and help are answered in the ack itself (pure and fast). Everything else is
handed, after the ack, to the worker process, which replies through the ``response_url``. The
declare form is opened here, right after the ack, because its ``trigger_id`` expires in 3 s.
(No lazy listener: Bolt would run its machinery for every command, and the work is elsewhere.)
"""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.calls import forms as call_modal
from bot.dispatch.grammar import Invocation, parse_declare, parse_invocation
from bot.dispatch.process import CommandProcess
from bot.errors import DomainError
from bot.incidents import blocks as incident_blocks
from bot.incidents import forms as declare_modal
from bot.incidents.flows import IncidentCommands
from handlers.slack.errors import message_for, report


def parse(text: str) -> Invocation:
    invocation = parse_invocation(text)
    if invocation.name == "declare" and invocation.text:
        parse_declare(invocation.text)  # malformed text is answered in the ack
    return invocation


def register(app: AsyncApp, commands: IncidentCommands, runner: CommandProcess) -> None:
    async def acknowledge(ack: Any, command: dict, client: Any, respond: Any) -> None:
        try:
            invocation = parse(command.get("text", ""))
        except DomainError as error:
            await ack(text=message_for(error), response_type="ephemeral")
            return
        if invocation.name == "help":
            await ack(text=incident_blocks.help_text(invocation.text or None),
                      response_type="ephemeral")
            return
        await ack()
        if invocation.name == "declare" and not invocation.text:
            await open_declare_form(command, client, respond)
            return
        if invocation.name == "call" and invocation.text.strip().lower() == "schedule":
            await open_call_form(command, invocation, client, respond)
            return
        runner.submit("run", invocation, user=command["user_id"],
                      channel=command.get("channel_id"),
                      reply_to={"response_url": command["response_url"]})

    async def open_declare_form(command: dict, client: Any, respond: Any) -> None:
        try:
            await asyncio.to_thread(commands.require_coordinator, command["user_id"],
                                    "declare incidents")
            await client.views_open(trigger_id=command["trigger_id"],
                                    view=declare_modal.view(command.get("channel_id") or ""))
        except Exception as error:
            await report(error, respond)

    async def open_call_form(command: dict, invocation: Invocation, client: Any,
                             respond: Any) -> None:
        try:
            await asyncio.to_thread(commands.require_coordinator, command["user_id"],
                                    "schedule calls")
            metadata = f"{command.get('channel_id') or ''}|{invocation.key or ''}"
            await client.views_open(trigger_id=command["trigger_id"],
                                    view=call_modal.view(metadata))
        except Exception as error:
            await report(error, respond)

    app.command("/incident")(acknowledge)
