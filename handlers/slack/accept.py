"""Every handler hands its typed command over the same way: durably, then the ack."""

from __future__ import annotations

from typing import Any

from bot import logs
from bot.dispatch.dispatcher import Actor
from bot.dispatch.intake import Intake
from bot.observe import metrics
from handlers.slack.payloads import request_key


async def accept_then_ack(intake: Intake, ack: Any, request: Any, body: dict, command: Any,
                          actor: Actor, *, reply_to: dict[str, Any] | None,
                          say_queued: bool = True) -> None:
    """Writes the command to the inbox, then acks (saying "queued" while no worker is alive).

    ``say_queued`` False for form submissions and events, whose ack cannot carry text.
    """
    key = request_key(request, body)
    kind = type(command).__name__
    logs.set_context(request_id=logs.request_id(key), request_kind=kind,
                     incident=logs.incident_of(command))
    accepted = await intake.accept(command, actor, key=key, reply_to=reply_to)
    if say_queued and accepted.note:
        await ack(text=accepted.note, response_type="ephemeral")
    else:
        await ack()
    metrics.acknowledged(kind)
