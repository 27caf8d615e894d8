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
from bot.dispatch.process import CommandProcess
from bot.errors import InvalidInput
from bot.slack_ui.block_kit import field_values
from handlers.slack.errors import report
from handlers.slack.payloads import actor_of, channel_of, number, reply_to


async def _accepted(ack: Any, view: dict, fields: tuple[str, ...], *,
                    acked: bool = True) -> dict[str, str] | None:
    """The form's values (acked unless ``acked`` is False); or None after showing its mistakes."""
    values = field_values(view["state"], fields)
    errors = action_modal.problems(values)
    if errors:
        await ack(response_action="errors", errors=errors)
        return None
    if acked:
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
        channel, message_ts = action_modal.split_metadata(view.get("private_metadata"))
        runner.submit(AddActionFromMessage(channel, message_ts, values["owner"], values["text"],
                                           values["due"]),
                      actor_of(body, channel or None), reply_to=reply_to(body, channel=channel))

    @app.action(DONE_ACTION)
    async def done(ack: Any, body: dict, action: dict, respond: Any = None) -> None:
        await ack()
        try:
            command = MarkActionDoneById(number(action.get("value")))
        except InvalidInput as error:
            await report(error, respond)
            return
        actor = actor_of(body)
        runner.submit(command, actor, reply_to={"channel": actor.channel or actor.user,
                                                "user": actor.user})

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
    async def reassign_submitted(ack: Any, body: dict, view: dict) -> None:
        values = await _accepted(ack, view, ("owner",), acked=False)
        if values is None:
            return
        item_id, channel = action_modal.split_metadata(view.get("private_metadata"))
        try:
            command = ReassignActionById(number(item_id), values["owner"])
        except InvalidInput as error:
            await ack(response_action="errors", errors={"owner": error.problem})
            return
        await ack()
        runner.submit(command, actor_of(body, channel or None),
                      reply_to=reply_to(body, channel=channel))
