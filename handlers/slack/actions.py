"""Action items from Slack: the "Make action item" message shortcut, its form, Done / Reassign.

Forms are opened right after the ack (a ``trigger_id`` expires in 3 s); mistakes in a form are
shown in the form itself; the work is handed to the worker process, which answers ephemerally.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.actions import forms as action_modal
from bot.actions.blocks import DONE_ACTION, REASSIGN_ACTION
from bot.actions.commands import AddActionFromMessage, MarkActionDoneById, ReassignActionById
from bot.dispatch.intake import Intake
from bot.errors import InvalidInput
from bot.slack_ui.block_kit import field_values
from handlers.slack.accept import accept_then_ack
from handlers.slack.errors import report
from handlers.slack.payloads import actor_of, channel_of, number, reply_to


async def _checked(ack: Any, view: dict, fields: tuple[str, ...]) -> dict[str, str] | None:
    """The form's values; or None after showing its mistakes in the form."""
    values = field_values(view["state"], fields)
    errors = action_modal.problems(values)
    if errors:
        await ack(response_action="errors", errors=errors)
        return None
    return values


def register(app: AsyncApp, intake: Intake) -> None:
    @app.shortcut(action_modal.SHORTCUT_ID)
    async def make_action_item(ack: Any, shortcut: dict, client: Any, respond: Any = None) -> None:
        await ack()
        message = shortcut.get("message") or {}
        private_metadata = action_modal.metadata(shortcut["channel"]["id"],
                                                 shortcut.get("message_ts") or message.get("ts", ""))
        try:
            await client.views_open(trigger_id=shortcut["trigger_id"],
                                    view=action_modal.view(private_metadata,
                                                           message.get("text") or ""))
        except Exception as error:
            await report(error, respond)

    @app.view(action_modal.CALLBACK_ID)
    async def create(ack: Any, request: Any, body: dict, view: dict) -> None:
        values = await _checked(ack, view, ("owner", "text", "due"))
        if values is None:
            return
        channel, message_ts = action_modal.split_metadata(view.get("private_metadata"))
        command = AddActionFromMessage(channel, message_ts, values["owner"], values["text"],
                                       values["due"])
        await accept_then_ack(intake, ack, request, body, command,
                              actor_of(body, channel or None),
                              reply_to=reply_to(body, channel=channel), say_queued=False)

    @app.action(DONE_ACTION)
    async def done(ack: Any, request: Any, body: dict, action: dict, respond: Any = None) -> None:
        try:
            command = MarkActionDoneById(number(action.get("value")))
        except InvalidInput as error:
            await ack()
            await report(error, respond)
            return
        actor = actor_of(body)
        await accept_then_ack(intake, ack, request, body, command, actor,
                              reply_to={"channel": actor.channel or actor.user, "user": actor.user})

    @app.action(REASSIGN_ACTION)
    async def reassign(ack: Any, body: dict, action: dict, client: Any, respond: Any = None) -> None:
        await ack()
        private_metadata = action_modal.metadata(str(action.get("value") or ""),
                                                 channel_of(body) or "")
        try:
            await client.views_open(trigger_id=body["trigger_id"],
                                    view=action_modal.reassign_view(private_metadata))
        except Exception as error:
            await report(error, respond)

    @app.view(action_modal.REASSIGN_CALLBACK_ID)
    async def reassign_submitted(ack: Any, request: Any, body: dict, view: dict) -> None:
        values = await _checked(ack, view, ("owner",))
        if values is None:
            return
        item_id, channel = action_modal.split_metadata(view.get("private_metadata"))
        try:
            command = ReassignActionById(number(item_id), values["owner"])
        except InvalidInput as error:
            await ack(response_action="errors", errors={"owner": error.problem})
            return
        await accept_then_ack(intake, ack, request, body, command, actor_of(body, channel or None),
                              reply_to=reply_to(body, channel=channel), say_queued=False)
