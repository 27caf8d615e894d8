"""How a short reply is matched against a list of words in several languages.

Keywords (STOP, HELP …), RSVP answers and "DONE 3" replies are all matched the same way: on the
whole text, after ``normalise`` (trimmed, trailing "." / "!" dropped, inner whitespace collapsed,
case and full-width forms folded, Arabic harakat ignored). A text typed *without* accents
matches a word with its accents removed ("ARRET" is ARRÊT, đ counts as d); a text typed *with*
accents must match the word's own accents, because in Vietnamese the marks make different words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

_TRAILING = ".!。"
_ARABIC_HARAKAT = re.compile("[\u064b-\u065f\u0670\u0640]")  # tashkeel, superscript alef, tatweel
_SPACES = re.compile(r"\s+")


def normalise(body: str) -> str:
    """Case-folded NFC text with whitespace collapsed and trailing "." / "!" removed."""
    text = unicodedata.normalize("NFKC", body).casefold()
    text = _ARABIC_HARAKAT.sub("", text)
    text = _SPACES.sub(" ", text)
    text = text.strip()
    while text and text[-1] in _TRAILING:
        text = text[:-1].rstrip()
    return unicodedata.normalize("NFC", text)


def has_marks(text: str) -> bool:
    return any(unicodedata.combining(char) for char in unicodedata.normalize("NFD", text))


def unaccented(text: str) -> str:
    bare = "".join(char for char in unicodedata.normalize("NFD", text) if not unicodedata.combining(char))
    return unicodedata.normalize("NFC", bare).replace("đ", "d")


@dataclass(frozen=True)
class WordTable:
    """Normalised words -> (meaning, languages), with a second table for unaccented typing."""

    exact: dict[str, tuple[str, tuple[str, ...]]]
    bare: dict[str, tuple[str, tuple[str, ...]]]

    @classmethod
    def build(cls, entries: Iterable[tuple[str, str, str]]) -> WordTable:
        """From (word, meaning, language) entries; a word with two meanings is an error."""
        exact: dict[str, tuple[str, tuple[str, ...]]] = {}
        for word, meaning, tag in entries:
            key = normalise(word)
            known, tags = exact.get(key, (meaning, ()))
            if known != meaning:
                raise ValueError(f"word {word!r} is both {known} and {meaning}")
            exact[key] = (meaning, tags if tag in tags else (*tags, tag))
        bare: dict[str, tuple[str, tuple[str, ...]]] = {}
        for key, (meaning, tags) in exact.items():
            stripped = unaccented(key)
            known, known_tags = bare.get(stripped, (meaning, ()))
            if known != meaning:
                raise ValueError(f"word {key!r} without accents collides with a word meaning {known}")
            bare[stripped] = (meaning, known_tags + tuple(tag for tag in tags if tag not in known_tags))
        return cls(exact, bare)

    def lookup(self, word: str) -> tuple[str, tuple[str, ...]] | None:
        """``word`` already normalised; None when it is not in the table."""
        match = self.exact.get(word)
        if match is None and not has_marks(word):
            match = self.bare.get(unaccented(word))
        return match
