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
from collections.abc import Iterable, Sequence
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


# Scripts written without spaces between words (Han, kana) or whose syllable blocks people space
# inconsistently (Hangul): each character is one unit, so a phrase matches however it was spaced.
_UNSPACED = re.compile("([\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af])")
_INNER_APOSTROPHE = re.compile("(?<=\\w)['\u2019\u02bc`\u00b4](?=\\w)")
_NOT_A_WORD = re.compile(r"[\W_]+")  # punctuation, symbols, emoji


def is_unspaced(unit: str) -> bool:
    return len(unit) == 1 and _UNSPACED.fullmatch(unit) is not None


def units(body: str) -> tuple[str, ...]:
    """The words of a sentence, as ``normalise`` leaves them, without punctuation or emoji.

    "I'll" is one word ("ill"), so a phrase written with an apostrophe matches one typed without;
    a Han or Hangul character is a unit of its own ("我会参加" is four units).
    """
    text = _INNER_APOSTROPHE.sub("", normalise(body))
    text = _UNSPACED.sub(r" \1 ", _NOT_A_WORD.sub(" ", text))
    return tuple(text.split())


def join_units(found: Sequence[str]) -> str:
    """Units back into the text a word table is keyed by: "tal vez", but "不会" and "아니요"."""
    text = ""
    for unit in found:
        text += unit if not text or (is_unspaced(unit) and is_unspaced(text[-1])) else f" {unit}"
    return text


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    meaning: str
    languages: tuple[str, ...]


@dataclass(frozen=True)
class PhraseTable:
    """Phrases found inside a sentence, matched unit by unit with accents removed.

    Phrases are long enough that accents no longer tell words apart, and people type them
    without accents more often than not.
    """

    by_first: dict[str, list[tuple[tuple[str, ...], str, tuple[str, ...]]]]

    @classmethod
    def build(cls, entries: Iterable[tuple[str, str, str]]) -> PhraseTable:
        """From (phrase, meaning, language) entries; a phrase with two meanings is an error."""
        phrases: dict[tuple[str, ...], tuple[str, tuple[str, ...]]] = {}
        for phrase, meaning, tag in entries:
            key = tuple(unaccented(unit) for unit in units(phrase))
            known, tags = phrases.get(key, (meaning, ()))
            if not key or known != meaning:
                raise ValueError(f"phrase {phrase!r} is both {known} and {meaning}")
            phrases[key] = (meaning, tags if tag in tags else (*tags, tag))
        by_first: dict[str, list[tuple[tuple[str, ...], str, tuple[str, ...]]]] = {}
        for key, (meaning, tags) in sorted(phrases.items(), key=lambda item: -len(item[0])):
            by_first.setdefault(key[0], []).append((key, meaning, tags))
        return cls(by_first)

    def find(self, found: Sequence[str]) -> list[Match]:
        """Non-overlapping matches in order, longer phrases chosen first wherever they start
        ("我去不了" is 我 + 去不了, "can't", not 我去 "I'll go" + 不了)."""
        bare = [unaccented(unit) for unit in found]
        candidates = [Match(position, position + len(key), meaning, tags)
                      for position, unit in enumerate(bare)
                      for key, meaning, tags in self.by_first.get(unit, ())
                      if tuple(bare[position:position + len(key)]) == key]
        chosen: list[Match] = []
        taken: set[int] = set()
        for match in sorted(candidates, key=lambda m: (m.start - m.end, m.start)):
            span = set(range(match.start, match.end))
            if taken.isdisjoint(span):
                chosen.append(match)
                taken |= span
        return sorted(chosen, key=lambda m: m.start)
