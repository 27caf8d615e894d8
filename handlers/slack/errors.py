"""The one place Slack errors become messages: domain errors as they are, the rest with an id."""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.domain.errors import DomainError

log = logging.getLogger("coordbot.slack")


def message_for(error: Exception) -> str:
    if isinstance(error, DomainError):
        return f":warning: {error}"
    error_id = uuid.uuid4().hex[:8]
    log.error("unexpected error %s", error_id, exc_info=error)
    return (f":x: Something went wrong on our side (error id `{error_id}`). Nothing was lost; "
            "please try again, and quote the id to the bot's administrators if it persists.")


async def report(error: Exception, respond: Any) -> None:
    text = message_for(error)
    if respond is not None:
        await respond(text=text, response_type="ephemeral", replace_original=False)


def reporting(listener: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """Wraps a lazy listener: Bolt only logs their exceptions, users must see them."""

    @functools.wraps(listener)
    async def wrapped(respond: Any, **kwargs: Any) -> None:
        try:
            await listener(respond=respond, **kwargs)
        except Exception as error:
            await report(error, respond)

    return wrapped


def register(app: AsyncApp) -> None:
    @app.error
    async def on_error(error: Exception, body: dict, respond: Any = None) -> None:
        await report(error, respond)
