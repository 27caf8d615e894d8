"""Buttons: confirm or cancel closing an incident."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.messages.incident_blocks import CLOSE_CANCEL_ACTION, CLOSE_CONFIRM_ACTION
from bot.services.incident_commands import IncidentCommands

from .errors import reporting


def register(app: AsyncApp, commands: IncidentCommands) -> None:
    async def acknowledge(ack: Any) -> None:
        await ack()

    @reporting
    async def confirm_close(respond: Any, body: dict, action: dict) -> None:
        reply = await asyncio.to_thread(commands.confirm_close, action["value"],
                                        user=body["user"]["id"])
        await respond(text=reply.text, replace_original=True)

    @reporting
    async def cancel_close(respond: Any, action: dict) -> None:
        await respond(text=f"Kept {action['value']} open.", replace_original=True)

    app.action(CLOSE_CONFIRM_ACTION)(ack=acknowledge, lazy=[confirm_close])
    app.action(CLOSE_CANCEL_ACTION)(ack=acknowledge, lazy=[cancel_close])
