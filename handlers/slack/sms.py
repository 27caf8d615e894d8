"""The notice preview's buttons: send it, or cancel it."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.dispatch.intake import Intake
from bot.errors import InvalidInput
from bot.sms.blocks import NOTICE_CANCEL_ACTION, NOTICE_CONFIRM_ACTION
from bot.sms.commands import CancelNotice, ConfirmNotice
from handlers.slack.accept import accept_then_ack
from handlers.slack.errors import report
from handlers.slack.payloads import actor_of, number, reply_to


def register(app: AsyncApp, intake: Intake) -> None:
    async def submit(command_type: type, ack: Any, request: Any, body: dict, action: dict,
                     respond: Any) -> None:
        try:
            command = command_type(number(action.get("value")))
        except InvalidInput as error:
            await ack()
            await report(error, respond)
            return
        await accept_then_ack(intake, ack, request, body, command, actor_of(body),
                              reply_to=reply_to(body, replace=True))

    @app.action(NOTICE_CONFIRM_ACTION)
    async def confirm_notice(ack: Any, request: Any, body: dict, action: dict,
                             respond: Any) -> None:
        await submit(ConfirmNotice, ack, request, body, action, respond)

    @app.action(NOTICE_CANCEL_ACTION)
    async def cancel_notice(ack: Any, request: Any, body: dict, action: dict,
                            respond: Any) -> None:
        await submit(CancelNotice, ack, request, body, action, respond)
