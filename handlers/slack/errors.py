"""The one place Slack errors become messages: domain errors as they are, the rest with an id."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.slack_ui.errors import message_for


async def report(error: Exception, respond: Any) -> None:
    text = message_for(error)
    if respond is not None:
        await respond(text=text, response_type="ephemeral", replace_original=False)


def register(app: AsyncApp) -> None:
    @app.error
    async def on_error(error: Exception, body: dict, respond: Any = None) -> None:
        await report(error, respond)
