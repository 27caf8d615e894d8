"""``/incident``: ack at once (with the answer, for reads), do writes in a lazy listener."""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.domain.commands import parse_declare, parse_invocation
from bot.domain.errors import DomainError
from bot.messages import declare_modal
from bot.services.incident_commands import IncidentCommands

from .errors import message_for, reporting

READS = {"help", "list", "status"}


def register(app: AsyncApp, commands: IncidentCommands) -> None:
    async def acknowledge(ack: Any, command: dict) -> None:
        try:
            invocation = parse_invocation(command.get("text", ""))
            if invocation.name in READS:
                reply = await asyncio.to_thread(
                    commands.run, invocation, user=command["user_id"],
                    channel=command.get("channel_id"))
                await ack(text=reply.text, blocks=reply.blocks, response_type="ephemeral")
            elif invocation.name == "declare" and invocation.text:
                parse_declare(invocation.text)  # malformed text is answered right away
                await ack()
            else:
                await ack()
        except DomainError as error:
            await ack(text=message_for(error), response_type="ephemeral")

    @reporting
    async def act(respond: Any, command: dict, client: Any) -> None:
        try:
            invocation = parse_invocation(command.get("text", ""))
            if invocation.name in READS:
                return
            if invocation.name == "declare":
                parse_declare(invocation.text) if invocation.text else None
        except DomainError:
            return  # already answered in the ack
        user, channel = command["user_id"], command.get("channel_id")
        if invocation.name == "declare" and not invocation.text:
            await asyncio.to_thread(commands.require_coordinator, user, "declare incidents")
            await client.views_open(trigger_id=command["trigger_id"],
                                    view=declare_modal.view(private_metadata=channel or ""))
            return
        run = functools.partial(commands.run, invocation, user=user, channel=channel)
        reply = await asyncio.to_thread(run)
        await respond(text=reply.text, blocks=reply.blocks, response_type="ephemeral")

    app.command("/incident")(ack=acknowledge, lazy=[act])
