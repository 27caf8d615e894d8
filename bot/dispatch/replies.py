"""The outbox sender for replies to the person who ran a command (queued by the inbox)."""

from __future__ import annotations

from bot.db.models import OutboxMessage
from bot.outbox.worker import Delivered
from bot.ports import SlackPort


class ReplySender:
    """Through the request's ``response_url`` when it has one, else as an ephemeral message."""

    def __init__(self, slack: SlackPort):
        self._slack = slack

    def __call__(self, message: OutboxMessage) -> Delivered:
        payload = message.payload
        if payload.get("response_url"):
            self._slack.respond(payload["response_url"], text=payload["text"],
                                blocks=payload.get("blocks"),
                                replace_original=payload.get("replace_original", False))
        else:
            self._slack.post_ephemeral(payload["channel"], payload["user"], payload["text"])
        return Delivered()
