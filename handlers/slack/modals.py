"""Buttons that open a form: the form is built by a read-only command, then opened with the
click's ``trigger_id`` (it lasts 3 s, so right after the ack)."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.dispatch.dispatcher import Dispatcher
from handlers.slack.errors import report
from handlers.slack.payloads import actor_of, number


async def open_modal(dispatcher: Dispatcher, command_type: type, body: dict, action: dict,
                     client: Any, respond: Any) -> None:
    """Opens the view ``command_type(<the button's number>)`` returns; a problem is told."""
    try:
        command = command_type(number(action.get("value")))
        view = await asyncio.to_thread(dispatcher.run, command, actor_of(body))
        await client.views_open(trigger_id=body["trigger_id"], view=view)
    except Exception as error:
        await report(error, respond)
