"""Suggested decisions and action items: lines of a call's transcript that hold a cue phrase.

The phrases are the catalogs' ``cue.decision`` and ``cue.action`` (one list per language, kept
by translators), passed in here. A line is matched against the phrases of its own language and
the office's (English), case and accents ignored: speech-to-text writes "decidió" or "decidio".
A match is a *suggestion*: nothing becomes a decision or an action item until a reviewer
accepts it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence

from bot.directory.rules.names import fold

KINDS = ("decision", "action")
# Scripts written with spaces between words: a phrase in them must start a word ("tarea para"
# is not found in "latarea para"). Chinese has no spaces, and Arabic and Korean attach
# particles and prefixes to words ("وقررنا", "and we decided"), so there a phrase is found
# anywhere in the line.
_SPACED = ("LATIN", "CYRILLIC", "GREEK")

Phrases = Mapping[str, Sequence[str]]  # kind -> phrases, for one language


def parse(listed: str) -> tuple[str, ...]:
    """``"we decided|we agreed"`` (a catalog's list) -> its folded phrases, empty ones left out."""
    return tuple(dict.fromkeys(fold(p) for p in listed.split("|") if fold(p)))


def kinds(text: str, phrases: Iterable[Phrases]) -> tuple[str, ...]:
    """The kinds (in ``KINDS`` order) whose phrases ``text`` holds, under any of ``phrases``."""
    line = fold(text.replace("\u2019", "'"))
    lists = list(phrases)
    return tuple(kind for kind in KINDS
                 if any(_holds(line, fold(p)) for found in lists for p in found.get(kind, ())))


def _holds(line: str, phrase: str) -> bool:
    if not phrase:
        return False
    start = line.find(phrase)
    while start >= 0:
        if start == 0 or not _spaced(phrase[0]) or not line[start - 1].isalnum():
            return True
        start = line.find(phrase, start + 1)
    return False


def _spaced(char: str) -> bool:
    return unicodedata.name(char, "").startswith(_SPACED)
