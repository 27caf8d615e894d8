"""Buttons: confirm or cancel closing an incident, sending a notice."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.dispatch.process import CommandProcess
from bot.incidents.blocks import CLOSE_CANCEL_ACTION, CLOSE_CONFIRM_ACTION
from bot.sms.blocks import NOTICE_CANCEL_ACTION, NOTICE_CONFIRM_ACTION


def register(app: AsyncApp, runner: CommandProcess) -> None:
    @app.action(CLOSE_CONFIRM_ACTION)
    async def confirm_close(ack: Any, body: dict, action: dict) -> None:
        await ack()
        runner.submit("confirm_close", action["value"], user=body["user"]["id"],
                      reply_to={"response_url": body["response_url"], "replace_original": True})

    @app.action(NOTICE_CONFIRM_ACTION)
    async def confirm_notice(ack: Any, body: dict, action: dict) -> None:
        await ack()
        runner.submit("confirm_notice", action["value"], user=body["user"]["id"],
                      reply_to={"response_url": body["response_url"], "replace_original": True})

    @app.action(NOTICE_CANCEL_ACTION)
    async def cancel_notice(ack: Any, body: dict, action: dict) -> None:
        await ack()
        runner.submit("cancel_notice", action["value"], user=body["user"]["id"],
                      reply_to={"response_url": body["response_url"], "replace_original": True})

    @app.action(CLOSE_CANCEL_ACTION)
    async def cancel_close(ack: Any, action: dict, respond: Any) -> None:
        await ack()
        await respond(text=f"Kept {action['value']} open.", replace_original=True)
