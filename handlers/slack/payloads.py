"""Reading Slack interaction payloads the same way in every handler."""

from __future__ import annotations


def channel_of(body: dict) -> str | None:
    """The channel a button was clicked in (a posted card's channel)."""
    return ((body.get("channel") or {}).get("id")
            or (body.get("container") or {}).get("channel_id"))
