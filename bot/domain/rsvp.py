"""Is an inbound SMS an answer to a call invitation, or a "task done" reply?

``parse_rsvp`` reads the answer to ``call_invite`` / ``call_rescheduled``: the digits 1 (yes),
2 (no) and 3 (maybe) in every language, or a yes/no/maybe word in one of the office's languages.
``parse_done`` reads "DONE 3" / "DONE A-3" (and the local words, "LISTO 3", "完成 A-3", …) and
gives the task number as ``"A-3"``.

Matching is the same as for STOP/HELP (``bot.domain.keywords``): the whole message only, after
``normalise`` (trimmed, trailing "." / "!" dropped, inner whitespace collapsed, case and full-width
forms folded, Arabic harakat ignored). A body typed without accents matches a word with its
accents removed ("QUIZAS" is QUIZÁS, "KHONG" is KHÔNG); a body typed with accents must match the
word's own accents ("cô" is not "có"). "YES PLEASE" is not an answer.

Choices:

* STOP / START / HELP always win: a body that ``keywords.classify(..., yes_means_start=False)``
  recognises is never an answer, and no word below is such a keyword (tests check both).
  YES is also Twilio's START keyword: harmless here, since only people who get texts are invited.
* A word shared by languages with the same meaning (NO in en/es, NON in fr/ht, TALVEZ in es/pt)
  reports ``language=None`` and lists them in ``languages``; digits report no language.
* PRONTO is left out of the DONE words: it means "done/ready" in Portuguese but "soon" in
  Spanish, so "PRONTO 3" from a Spanish speaker would wrongly close the task.
* Digits may be any script's decimal digits (Arabic-Indic ١ ٢ ٣ too); task numbers are written
  "3", "#3", "A3", "A-3" (Latin or Cyrillic A, any dash), with or without a space after the word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, cast

from bot.domain.keywords import OTHER, _has_marks, _unaccented, classify, normalise

Answer = Literal["yes", "no", "maybe"]

YES: Answer = "yes"
NO: Answer = "no"
MAYBE: Answer = "maybe"

DIGITS: dict[int, Answer] = {1: YES, 2: NO, 3: MAYBE}

# Keys are language tags (bot.domain.languages). Words as a person types them; matching folds case.
RSVP_WORDS: dict[str, dict[Answer, tuple[str, ...]]] = {
    "en": {YES: ("YES", "Y"), NO: ("NO", "N"), MAYBE: ("MAYBE",)},
    "es": {YES: ("SÍ", "SI"), NO: ("NO",), MAYBE: ("QUIZÁS", "QUIZAS", "TAL VEZ", "TALVEZ")},
    "zh": {YES: ("是", "是的", "好", "好的", "会", "會"), NO: ("不", "不会", "不會", "不是"),
           MAYBE: ("也许", "也許", "可能")},
    "vi": {YES: ("CÓ",), NO: ("KHÔNG",), MAYBE: ("CÓ THỂ",)},
    "ko": {YES: ("네", "넵", "예"), NO: ("아니요", "아니오", "아뇨"), MAYBE: ("아마도",)},
    "tl": {YES: ("OO", "OPO"), NO: ("HINDI", "HINDI PO"), MAYBE: ("SIGURO", "BAKA")},
    "ar": {YES: ("نعم",), NO: ("لا",), MAYBE: ("ربما",)},
    "ht": {YES: ("WI",), NO: ("NON",), MAYBE: ("PETÈT",)},
    "fr": {YES: ("OUI",), NO: ("NON",), MAYBE: ("PEUT-ÊTRE", "PEUT ÊTRE")},
    "pt": {YES: ("SIM",), NO: ("NÃO",), MAYBE: ("TALVEZ",)},
    "ru": {YES: ("ДА",), NO: ("НЕТ",), MAYBE: ("ВОЗМОЖНО", "МОЖЕТ БЫТЬ")},
}

# "DONE <number>": DONE in every language (every text asks for it), and the local words.
DONE_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("DONE",),
    "es": ("LISTO", "HECHO"),
    "zh": ("完成", "已完成"),
    "vi": ("XONG",),
    "ko": ("완료",),
    "tl": ("TAPOS", "TAPOS NA"),
    "ar": ("تم",),
    "ht": ("FINI", "FÈT"),
    "fr": ("FAIT", "FINI"),
    "pt": ("FEITO",),
    "ru": ("ГОТОВО", "СДЕЛАНО"),
}

_DIGIT = re.compile(r"\d")
_TRAILING_NUMBER = re.compile(r"(.*?)(\d{1,6})")
# What may stand between the DONE word and the digits: a colon, "#", the letter A (Latin or
# Cyrillic), a dash of any kind, and spaces.
_NUMBER_PREFIX = re.compile(r"[\s:：]*(?:#\s*)?(?:[aа]\s*[-‐‑‒–—―−]?\s*)?")
_LONGEST_DONE_HEAD = 40


@dataclass(frozen=True)
class Rsvp:
    answer: Answer
    language: str | None  # the word's language; None for a digit or a word shared by languages
    languages: tuple[str, ...] = ()  # every language the word belongs to


def _tables(entries: list[tuple[str, str, str]]) -> tuple[dict[str, tuple[str, tuple[str, ...]]],
                                                         dict[str, tuple[str, tuple[str, ...]]]]:
    """(exact, unaccented) lookups from (word, value, language) entries, as keywords.py builds."""
    exact: dict[str, tuple[str, tuple[str, ...]]] = {}
    for word, value, tag in entries:
        key = normalise(word)
        known_value, tags = exact.get(key, (value, ()))
        if known_value != value:
            raise ValueError(f"word {word!r} is both {known_value} and {value}")
        exact[key] = (value, tags if tag in tags else (*tags, tag))
    unaccented: dict[str, tuple[str, tuple[str, ...]]] = {}
    for key, (value, tags) in exact.items():
        bare = _unaccented(key)
        known_value, known = unaccented.get(bare, (value, ()))
        if known_value != value:
            raise ValueError(f"word {key!r} without accents collides with a word meaning {known_value}")
        unaccented[bare] = (value, known + tuple(tag for tag in tags if tag not in known))
    return exact, unaccented


def _lookup(tables: tuple[dict[str, tuple[str, tuple[str, ...]]], dict[str, tuple[str, tuple[str, ...]]]],
            word: str) -> tuple[str, tuple[str, ...]] | None:
    exact, unaccented = tables
    match = exact.get(word)
    if match is None and not _has_marks(word):
        match = unaccented.get(_unaccented(word))
    return match


RSVP_TABLES = _tables([(word, answer, tag) for tag, answers in RSVP_WORDS.items()
                       for answer, words in answers.items() for word in words])
DONE_TABLES = _tables([(word, "done", tag) for tag, words in DONE_WORDS.items() for word in words])


def _is_keyword(body: str) -> bool:
    return classify(body, yes_means_start=False).kind != OTHER


def parse_rsvp(body: str) -> Rsvp | None:
    """``"1"`` / ``"Sí"`` / ``"không"`` -> an answer; None when the message is anything else."""
    if _is_keyword(body):
        return None
    word = normalise(body)
    if _DIGIT.fullmatch(word):
        answer = DIGITS.get(int(word))
        return None if answer is None else Rsvp(answer, None)
    match = _lookup(RSVP_TABLES, word)
    if match is None:
        return None
    answer, tags = match
    return Rsvp(cast(Answer, answer), tags[0] if len(tags) == 1 else None, tags)


def parse_done(body: str) -> str | None:
    """``"DONE 3"`` / ``"listo a-3"`` / ``"完成#3"`` -> ``"A-3"``; None when it is anything else."""
    if _is_keyword(body):
        return None
    text = normalise(body)
    match = _TRAILING_NUMBER.fullmatch(text)
    if match is None or len(match[1]) > _LONGEST_DONE_HEAD:
        return None
    head, digits = match.groups()
    number = int(digits)
    if number == 0:
        return None
    # Every split of the head into WORD + prefix: "tapos na 3" is TAPOS NA, not TAPOS N + "a".
    for cut in range(len(head), 0, -1):
        if _NUMBER_PREFIX.fullmatch(head, cut) and _lookup(DONE_TABLES, head[:cut].rstrip()):
            return f"A-{number}"
    return None
