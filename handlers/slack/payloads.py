"""Reading Slack interaction payloads the same way in every handler.

Button values and form metadata come back from Slack as we wrote them, but a request can be
forged, replayed from an old card, or damaged: every number is parsed here, and a bad one is an
``InvalidInput`` the handler shows to the person, never an exception after the ack.
"""

from __future__ import annotations

import hashlib
from typing import Any

from bot.dispatch.dispatcher import Actor
from bot.errors import InvalidInput

DAMAGED = "This button is damaged: use the buttons of the latest card."


def request_key(request: Any, body: dict) -> str:
    """The dedupe key of a request: Slack's ``event_id`` for events (its retries carry the same),
    else its signature and timestamp (a replayed request carries the same pair)."""
    if body.get("event_id"):
        return f"slack-event:{body['event_id']}"
    headers = getattr(request, "headers", None) or {}

    def header(name: str) -> str:
        value = headers.get(name) or [""]
        return value[0] if isinstance(value, (list, tuple)) else str(value)

    signed = f"{header('x-slack-request-timestamp')}:{header('x-slack-signature')}"
    return "slack:" + hashlib.sha256(signed.encode()).hexdigest()


def channel_of(body: dict) -> str | None:
    """The channel a button was clicked in (a posted card's channel)."""
    return ((body.get("channel") or {}).get("id")
            or (body.get("container") or {}).get("channel_id"))


def actor_of(body: dict, channel: str | None = None) -> Actor:
    """Who clicked or submitted, and where (``channel`` for forms that carry their own)."""
    return Actor(body["user"]["id"], channel or channel_of(body))


def number(value: object) -> int:
    """A positive id from a button value or form metadata."""
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise InvalidInput(DAMAGED)
    return int(text)


def reply_to(body: dict, *, replace: bool = False, channel: str | None = None) -> dict:
    """Where the worker answers: the button's ``response_url``, else an ephemeral message."""
    if body.get("response_url"):
        return {"response_url": body["response_url"], "replace_original": replace}
    user = body["user"]["id"]
    return {"channel": channel or channel_of(body) or user, "user": user}
