"""Slack listeners, registered by capability onto one Bolt ``AsyncApp``."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.bootstrap import Container
from bot.dispatch.intake import Intake
from handlers.slack import (
    actions,
    calls,
    conversations,
    errors,
    events,
    incidents,
    notes,
    slash_command,
    sms,
    suggestions,
)


def build_app(container: Container, intake: Intake) -> AsyncApp:
    """``process_before_response``: Bolt answers Slack only when the listener has returned, so
    every request a listener wrote to the inbox is durable before the 200 (events included,
    which Bolt would otherwise acknowledge first)."""
    settings = container.settings
    settings.require_slack_credentials()
    token = settings.slack.bot_token.get_secret_value()
    app = AsyncApp(
        signing_secret=settings.slack.signing_secret.get_secret_value(),
        client=AsyncWebClient(token=token, base_url=settings.slack.api_base_url),
        process_before_response=True,
    )
    errors.register(app)
    slash_command.register(app, container.roles, intake, container.db)
    incidents.register(app, intake)
    sms.register(app, intake)
    conversations.register(app, intake, settings)
    calls.register(app, intake, container)
    actions.register(app, intake)
    notes.register(app, intake, container.dispatcher)
    suggestions.register(app, intake, container.dispatcher)
    events.register(app, intake)
    return app
