"""Slack over Socket Mode: events reach the Bolt app over a WebSocket the bot opens, so the bot
needs no public URL for Slack (``coordbot serve --socket-mode``, with an ``xapp-…`` app-level
token). Twilio's webhooks, the health checks and the signed links still need HTTP, so the web
app keeps serving them; only ``/slack/events`` goes unused."""

from __future__ import annotations

from typing import Any


async def connect(app: Any, app_token: str) -> Any:
    """Connects ``app`` (a Bolt ``AsyncApp``) to Slack and returns the handler. While Slack
    cannot be reached the SDK logs "Failed to connect … Retrying" and tries again every few
    seconds, so this returns only once connected (the web routes answer meanwhile); after
    that the SDK reconnects by itself. Cancel the task to give up."""
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    handler = AsyncSocketModeHandler(app, app_token)
    await handler.connect_async()
    return handler


async def close(handler: Any) -> None:
    await handler.close_async()
