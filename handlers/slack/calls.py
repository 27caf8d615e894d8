"""The "Schedule a call" form: the time is checked in the form, the call scheduled after."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.bootstrap import Container
from bot.calls import forms as call_modal
from bot.calls.commands import ScheduleCall
from bot.calls.rules.when import parse_schedule
from bot.dispatch.process import CommandProcess
from bot.errors import InvalidInput
from handlers.slack.payloads import actor_of, reply_to


def register(app: AsyncApp, runner: CommandProcess, container: Container) -> None:
    @app.view(call_modal.CALLBACK_ID)
    async def schedule(ack: Any, body: dict, view: dict) -> None:
        text = call_modal.schedule_text(view["state"])
        try:  # checked here so that mistakes are shown in the form itself
            parse_schedule(text, now=container.clock.now(), default_zone=container.settings.timezone)
        except InvalidInput as error:
            await ack(response_action="errors", errors={"when": error.problem[:150]})
            return
        await ack()
        channel, _, key = (view.get("private_metadata") or "").partition("|")
        runner.submit(ScheduleCall(key or None, text), actor_of(body, channel or None),
                      reply_to=reply_to(body, channel=channel or None))
