"""The "Schedule a call" form: the time is checked in the form, the call scheduled after."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.bootstrap import Container
from bot.calls import forms as call_modal
from bot.calls.commands import ScheduleCall
from bot.calls.rules.when import parse_schedule
from bot.dispatch.intake import Intake
from bot.errors import InvalidInput
from handlers.slack.accept import accept_then_ack
from handlers.slack.payloads import actor_of, reply_to


def register(app: AsyncApp, intake: Intake, container: Container) -> None:
    @app.view(call_modal.CALLBACK_ID)
    async def schedule(ack: Any, request: Any, body: dict, view: dict) -> None:
        text = call_modal.schedule_text(view["state"])
        try:  # checked here so that mistakes are shown in the form itself
            parse_schedule(text, now=container.clock.now(), default_zone=container.settings.timezone)
        except InvalidInput as error:
            await ack(response_action="errors", errors={"when": error.problem[:150]})
            return
        channel, _, key = (view.get("private_metadata") or "").partition("|")
        await accept_then_ack(intake, ack, request, body, ScheduleCall(key or None, text),
                              actor_of(body, channel or None),
                              reply_to=reply_to(body, channel=channel or None), say_queued=False)
