"""Action items from Slack: the "Make action item" message shortcut, its form, Done / Reassign.

Forms are opened right after the ack (a ``trigger_id`` expires in 3 s); mistakes in a form are
shown in the form itself; the work is handed to the worker process, which answers ephemerally.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.actions import forms as action_modal
from bot.actions.blocks import DONE_ACTION, REASSIGN_ACTION
from bot.dispatch.process import CommandProcess
from bot.slack_ui.block_kit import field_values
from handlers.slack.errors import report
from handlers.slack.payloads import channel_of


async def _accepted(ack: Any, view: dict, fields: tuple[str, ...]) -> dict[str, str] | None:
    """The form's values, acked; or None after showing its mistakes in the form."""
    values = field_values(view["state"], fields)
    errors = action_modal.problems(values)
    if errors:
        await ack(response_action="errors", errors=errors)
        return None
    await ack()
    return values


def register(app: AsyncApp, runner: CommandProcess) -> None:
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
    async def create(ack: Any, body: dict, view: dict) -> None:
        values = await _accepted(ack, view, ("owner", "text", "due"))
        if values is None:
            return
        user = body["user"]["id"]
        channel, message_ts = action_modal.split_metadata(view.get("private_metadata"))
        runner.submit("actions.add_from_message", channel, message_ts, values["text"],
                      values["owner"], values["due"], user=user,
                      reply_to={"channel": channel or user, "user": user})

    @app.action(DONE_ACTION)
    async def done(ack: Any, body: dict, action: dict) -> None:
        await ack()
        user = body["user"]["id"]
        runner.submit("actions.done_by_id", int(action["value"]), user=user,
                      reply_to={"channel": channel_of(body) or user, "user": user})

    @app.action(REASSIGN_ACTION)
    async def reassign(ack: Any, body: dict, action: dict, client: Any, respond: Any = None) -> None:
        await ack()
        private_metadata = action_modal.metadata(action["value"], channel_of(body) or "")
        try:
            await client.views_open(trigger_id=body["trigger_id"],
                                    view=action_modal.reassign_view(private_metadata))
        except Exception as error:
            await report(error, respond)

    @app.view(action_modal.REASSIGN_CALLBACK_ID)
    async def reassign_submitted(ack: Any, body: dict, view: dict) -> None:
        values = await _accepted(ack, view, ("owner",))
        if values is None:
            return
        user = body["user"]["id"]
        item_id, channel = action_modal.split_metadata(view.get("private_metadata"))
        runner.submit("actions.reassign_by_id", int(item_id), values["owner"], user=user,
                      reply_to={"channel": channel or user, "user": user})
