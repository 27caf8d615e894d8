"""The declare modal: field errors shown in the form, the declaration done after it closes."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.domain.errors import InvalidInput
from bot.domain.incident import IncidentDraft, IncidentType, Severity
from bot.domain.regions import parse_regions
from bot.messages import declare_modal
from bot.services.incident_commands import IncidentCommands

from .errors import message_for


def draft_from(values: dict[str, str]) -> tuple[IncidentDraft | None, dict[str, str]]:
    """Builds the draft, or returns the problems keyed by the form's block ids."""
    errors: dict[str, str] = {}
    parsed: dict[str, Any] = {}
    parsers = {
        "type": lambda v: IncidentType.parse(v, example=""),
        "severity": lambda v: Severity.parse(v or "moderate", example=""),
        "regions": lambda v: parse_regions(v, example=""),
    }
    for name, parse in parsers.items():
        try:
            parsed[name] = parse(values[name])
        except InvalidInput as error:
            errors[name] = error.problem
    if not values["title"]:
        errors["title"] = "Give the incident a title."
    if errors:
        return None, errors
    try:
        return IncidentDraft(title=values["title"], summary=values["summary"], **parsed), {}
    except InvalidInput as error:
        return None, {"summary" if "summary" in error.problem else "title": error.problem}


def register(app: AsyncApp, commands: IncidentCommands) -> None:
    async def acknowledge(ack: Any, view: dict) -> None:
        draft, errors = draft_from(declare_modal.submitted_values(view["state"]))
        if errors:
            await ack(response_action="errors", errors=errors)
        else:
            await ack()

    async def declare(body: dict, view: dict, client: Any) -> None:
        user = body["user"]["id"]
        draft, _ = draft_from(declare_modal.submitted_values(view["state"]))
        if draft is None:
            return
        try:
            reply = await asyncio.to_thread(commands.declare, draft, user=user)
            text = reply.text
        except Exception as error:  # the modal has closed: tell the user in a DM
            text = message_for(error)
        channel = view.get("private_metadata") or user
        try:
            await client.chat_postEphemeral(channel=channel, user=user, text=text)
        except Exception:
            await client.chat_postMessage(channel=user, text=text)

    app.view(declare_modal.CALLBACK_ID)(ack=acknowledge, lazy=[declare])
