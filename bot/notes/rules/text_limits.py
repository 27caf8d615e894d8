"""How much text call notes and transcripts may hold, and the one check both go through."""

from __future__ import annotations

from bot.errors import InvalidInput

MAX_TEXT = 30_000  # ten boxes of the edit modal
MAX_TRANSCRIPT = 1_000_000


def bounded(text: str, limit: int, *, empty: str, long: str) -> str:
    """The text with Windows line ends undone and trimmed; refused when empty or over ``limit``.

    ``long`` may name ``{size}`` and ``{limit}``.
    """
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise InvalidInput(empty)
    if len(text) > limit:
        raise InvalidInput(long.format(size=len(text), limit=limit))
    return text
