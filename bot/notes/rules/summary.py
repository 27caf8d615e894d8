"""The SMS summary of approved notes for community members: what was decided and what partners
are to do, as whole items within the segment budget.

Decisions are read from the approved text (as officials edited it) without their sources: the
notes credit "(Karen Whitfield, 16:20)" or "(Ana Ruiz, transcript)", which community members need not
see. Items are taken whole, in order (decisions, then tasks), while the whole message still
fits; when one does not, the rest are left out and a last line says so (with the public page's
link where one is configured). Nothing is ever cut inside an item.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from bot.notes.rules.digest import ACTIONS, DECISIONS, digest
from bot.sms.rules.segments import fits

_SOURCE = re.compile(r"\s*\((?:[^()]*,\s*)?\d{1,2}:\d{2}(?:;\s*marked by [^()]*)?\)\s*$")
_TRANSCRIPT = re.compile(r"\s*\((?:[^()]*,\s*)?transcript\)\s*$")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MARKUP = re.compile(r"[*_`]{1,2}")
_NUMBER = re.compile(r"^\*\*A-(\d+)\*\*")


def decisions(markdown: str) -> list[str]:
    """The decisions of the notes as plain text, each without who said it or when, and each
    once (a decision marked in the channel and in the transcript reads the same twice)."""
    found = dict(digest(markdown).lists).get(DECISIONS, ())
    texts = (plain(_TRANSCRIPT.sub("", _SOURCE.sub("", item))) for item in found)
    return list(dict.fromkeys(text for text in texts if text))


def action_numbers(markdown: str) -> list[int]:
    """The numbers of the action items in the notes' table (``A-3`` → 3), in order."""
    found = dict(digest(markdown).lists).get(ACTIONS, ())
    return [int(match[1]) for item in found if (match := _NUMBER.match(item))]


def plain(text: str) -> str:
    return " ".join(_MARKUP.sub("", _LINK.sub(r"\1", text)).split())


def whole_items(groups: Sequence[tuple[str, Sequence[str]]], *, compose: Callable[[str], str],
                more: str, nothing: str, max_segments: int) -> str:
    """The message ``compose`` makes of as many whole items as fit in ``max_segments``.

    ``groups``: (heading, items) in the order they are read; ``more`` is the last line when
    some are left out, ``nothing`` the text when there is nothing to tell.
    """
    items = [(heading, item) for heading, texts in groups for item in texts]
    if not items:
        return compose(nothing)
    chosen = 0
    for count in range(1, len(items) + 1):
        if not fits(compose(item_lines(items[:count], more if count < len(items) else "")),
                    max_segments):
            break
        chosen = count
    return compose(item_lines(items[:chosen], more if chosen < len(items) else ""))


def item_lines(items: Sequence[tuple[str, str]], more: str) -> str:
    """(heading, item) pairs as lines, each heading once before its items, then ``more``."""
    lines, heading = [], None
    for group, item in items:
        if group != heading:
            lines.append(group)
            heading = group
        lines.append(f"- {item}")
    return "\n".join([*lines, *([more] if more else [])])
