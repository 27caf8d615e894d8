"""Slack listeners, registered by capability onto one Bolt ``AsyncApp``."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.bootstrap import Container
from bot.dispatch.process import CommandProcess
from handlers.slack import actions, calls, errors, events, incidents, notes, slash_command, sms


def build_app(container: Container, runner: CommandProcess) -> AsyncApp:
    settings = container.settings
    settings.require_slack_credentials()
    token = settings.slack.bot_token.get_secret_value()
    app = AsyncApp(
        signing_secret=settings.slack.signing_secret.get_secret_value(),
        client=AsyncWebClient(token=token, base_url=settings.slack.api_base_url),
    )
    errors.register(app)
    slash_command.register(app, container.roles, runner)
    incidents.register(app, runner)
    sms.register(app, runner)
    calls.register(app, runner, container)
    actions.register(app, runner)
    notes.register(app, runner, container.dispatcher)
    events.register(app, runner)
    return app
