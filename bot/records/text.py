"""The audit trail as a person reads it in Slack: who, what, when (in their zone), phones masked."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from bot.directory.rules.phones import mask
from bot.i18n.rules import local_time
from bot.slack_ui.text import escape

if TYPE_CHECKING:
    from bot.db.models import AuditEvent

_PHONE = re.compile(r"\+\d{7,15}")
VALUE_CHARS = 80
DETAILS_CHARS = 200


def masked(text: str) -> str:
    """Every E.164 number in ``text`` masked: the trail names people's numbers in details."""
    return _PHONE.sub(lambda match: mask(match.group()), text)


def details_line(details: Mapping[str, Any]) -> str:
    parts = []
    for name, value in sorted(details.items()):
        shown = masked(str(value))
        parts.append(f"{name}={shown[:VALUE_CHARS]}{'…' if len(shown) > VALUE_CHARS else ''}")
    line = ", ".join(parts)
    return line if len(line) <= DETAILS_CHARS else line[:DETAILS_CHARS] + "…"


def who(actor: str) -> str:
    """A Slack user as a mention; anything else (``coordbot``, ``twilio``, a login, ``link``) as
    text."""
    return f"<@{actor}>" if re.fullmatch(r"[UW][A-Z0-9]{2,}", actor) else escape(actor)


def trail(title: str, events: Sequence[AuditEvent], zone: str, *, total: int) -> str:
    if not events:
        return f"{title}: nothing recorded yet."
    lines = [f"*{title}* — the last {len(events)} of {total} event(s), times in {zone}:"]
    for event in events:
        details = details_line(event.details or {})
        lines.append(f"• {local_time(event.at, zone)} — {who(event.actor)} — `{event.action}`"
                     + (f" — {escape(details)}" if details else ""))
    lines.append("The full trail, with its hash chain: `coordbot audit export`.")
    return "\n".join(lines)
