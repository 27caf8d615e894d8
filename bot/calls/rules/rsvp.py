"""Is an inbound SMS an answer to a call invitation?

``parse_rsvp`` reads the answer to ``call_invite`` / ``call_rescheduled``: the digits 1 (yes),
2 (no) and 3 (maybe) in every language, or a yes/no/maybe word in one of the office's languages.

Matching is the same as for STOP/HELP (``bot.sms.rules.words``): "QUIZAS" is QUIZÁS, "KHONG" is
KHÔNG, but "cô" is not "có". "YES PLEASE" is not an answer.

Choices:

* STOP / START / HELP always win: a body that ``keywords.classify(..., yes_means_start=False)``
  recognises is never an answer, and no word below is such a keyword (tests check both).
  YES is also Twilio's START keyword: harmless here, since only people who get texts are invited.
* A word shared by languages with the same meaning (NO in en/es, NON in fr/ht, TALVEZ in es/pt)
  reports ``language=None`` and lists them in ``languages``; digits report no language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, cast

from bot.sms.rules.keywords import OTHER, classify
from bot.sms.rules.words import WordTable, normalise

Answer = Literal["yes", "no", "maybe"]

YES: Answer = "yes"
NO: Answer = "no"
MAYBE: Answer = "maybe"

DIGITS: dict[int, Answer] = {1: YES, 2: NO, 3: MAYBE}

# Keys are language tags (bot.i18n.languages). Words as a person types them; matching folds case.
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
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Rsvp:
    answer: Answer
    language: str | None  # the word's language; None for a digit or a word shared by languages
    languages: tuple[str, ...] = ()  # every language the word belongs to


RSVP_TABLE = WordTable.build((word, answer, tag) for tag, answers in RSVP_WORDS.items()
                             for answer, words in answers.items() for word in words)


def is_keyword(body: str) -> bool:
    """STOP / START / HELP always win over an answer (YES here is an answer, not START)."""
    return classify(body, yes_means_start=False).kind != OTHER


def parse_rsvp(body: str) -> Rsvp | None:
    """``"1"`` / ``"Sí"`` / ``"không"`` -> an answer; None when the message is anything else."""
    if is_keyword(body):
        return None
    word = normalise(body)
    if _DIGIT.fullmatch(word):
        answer = DIGITS.get(int(word))
        return None if answer is None else Rsvp(answer, None)
    match = RSVP_TABLE.lookup(word)
    if match is None:
        return None
    answer, tags = match
    return Rsvp(cast(Answer, answer), tags[0] if len(tags) == 1 else None, tags)
