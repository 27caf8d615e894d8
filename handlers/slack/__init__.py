"""Slack listeners, registered by kind onto one Bolt ``AsyncApp``."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.bootstrap import Container
from bot.dispatch.process import CommandProcess
from bot.incidents.flows import IncidentCommands
from handlers.slack import action_items, actions, errors, events, notes, views
from handlers.slack import slash_command as commands


def build_app(container: Container, runner: CommandProcess) -> AsyncApp:
    settings = container.settings
    settings.require_slack_credentials()
    token = settings.slack.bot_token.get_secret_value()
    app = AsyncApp(
        signing_secret=settings.slack.signing_secret.get_secret_value(),
        client=AsyncWebClient(token=token, base_url=settings.slack.api_base_url),
    )
    incident_commands = IncidentCommands(container)
    errors.register(app)
    commands.register(app, incident_commands, runner)
    actions.register(app, runner)
    views.register(app, runner)
    views.register_call_form(app, runner, container)
    events.register(app, runner)
    action_items.register(app, runner)
    notes.register(app, runner, container)
    return app
