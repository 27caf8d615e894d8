"""Events API: a mention of the bot is answered with the command help, in a thread."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.messages import incident_blocks


def register(app: AsyncApp) -> None:
    @app.event("app_mention")
    async def on_mention(event: dict, client: Any) -> None:
        await client.chat_postMessage(channel=event["channel"], thread_ts=event.get("ts"),
                                      text=incident_blocks.help_text())
