"""Slack over Socket Mode: events reach the Bolt app over a WebSocket the bot opens, so the bot
needs no public URL (``coordbot serve --socket-mode``, with an ``xapp-…`` app-level token)."""

from __future__ import annotations

from typing import Any


async def serve(app: Any, app_token: str) -> None:
    """Runs until cancelled, handing every event to ``app`` (a Bolt ``AsyncApp``)."""
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    await AsyncSocketModeHandler(app, app_token).start_async()
