"""Slack channel names: lowercase letters, digits, ``-`` and ``_``, at most 80 characters."""

import re
import unicodedata

MAX_CHANNEL_NAME = 80


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def incident_channel_name(prefix: str, key: str, title: str, attempt: int = 0) -> str:
    """``inc-2026-0001-hurricane-xavier``; ``attempt`` > 0 adds ``-2``, ``-3`` … for collisions."""
    number = key.lower().removeprefix("inc-")
    suffix = f"-{attempt + 1}" if attempt else ""
    head = f"{prefix}-{number}"
    room = MAX_CHANNEL_NAME - len(head) - len(suffix) - 1
    slug = slugify(title)[:room].rstrip("-")
    return f"{head}-{slug}{suffix}" if slug else f"{head}{suffix}"
