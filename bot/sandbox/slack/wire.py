"""Slack's wire conventions that every Web API method family shares.

A method answers an error as HTTP 200 with ``{"ok": false, "error": "…"}``; handlers raise
:class:`SlackError` and the server turns it into that answer. Parameters arrive as strings from
form bodies and as JSON values from JSON bodies, so each reader below accepts both.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation


class SlackError(Exception):
    """Raised by a method handler; answered as ``{"ok": false, "error": args[0]}``."""


def check(condition, error: str) -> None:
    if not condition:
        raise SlackError(error)


def flag(value) -> bool:
    """A boolean parameter: JSON ``true`` or the strings form bodies carry."""
    return value in (True, 1, "1", "true", "True")


def csv(value) -> list[str]:
    """A list parameter: a JSON array or a comma-separated string."""
    items = value if isinstance(value, list | tuple) else str(value or "").split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def json_value(value, error: str = "invalid_arguments"):
    """Decode a parameter the SDK may have sent as a JSON string (``blocks``, ``view`` …)."""
    if isinstance(value, str) and value:
        try:
            return json.loads(value)
        except ValueError:
            raise SlackError(error) from None
    return value


def ts_param(value, error: str) -> Decimal | None:
    """A ``latest`` / ``oldest`` bound: a number of seconds, or None when not given."""
    if value in (None, ""):
        return None
    try:
        bound = Decimal(str(value))
    except InvalidOperation:
        raise SlackError(error) from None
    check(bound.is_finite() and bound >= 0, error)
    return bound


def paginate(items: list, p: dict) -> tuple[list, dict]:
    """One page of ``items`` and its ``response_metadata``; the cursor is a plain offset."""
    cursor, limit = str(p.get("cursor") or "0"), int(p.get("limit") or 0) or 100
    check(cursor.isdigit(), "invalid_cursor")
    end = int(cursor) + min(limit, 1000)
    return items[int(cursor):end], {"next_cursor": str(end) if end < len(items) else ""}
