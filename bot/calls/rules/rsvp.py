"""Is an inbound SMS an answer to a call invitation?

``parse_rsvp`` reads the answer to ``call_invite`` / ``call_rescheduled``: the digits 1 (yes),
2 (no) and 3 (maybe) in every language, a yes/no/maybe word in one of the office's languages, or
a short sentence that answers ("Sí, ahí estaré", "Wi, m ap la", "I can't make it", "不能参加").

A whole-message word is matched as STOP/HELP are (``bot.sms.rules.words``): "QUIZAS" is QUIZÁS,
"KHONG" is KHÔNG, but "cô" is not "có".

A sentence answers when, conservatively (a wrong answer hides a message from a person, who would
otherwise read it):

* it is no question (no "?", "¿", "？", "؟");
* it holds an answer phrase (``rsvp_phrases``), or its first word after any greeting is a
  yes/no/maybe word ("Sí, gracias", "no way");
* every answer in it agrees ("Sí, pero no puedo" is no answer);
* little else is said: at most ``MAX_OTHER_WORDS`` other words beside a phrase, one beside a bare
  word, so "No tengo agua" ("I have no water") and "Yes, I need water at the shelter" go to a
  person. A Han or Hangul character counts as half a word.

Choices:

* STOP / START / HELP always win: a body that ``revocation.classify_reply(...,
  yes_means_start=False)`` recognises (a keyword, or a request to stop in a sentence such as
  "no más mensajes") is never an answer, and no word below is such a keyword (tests check both).
  YES is also Twilio's START keyword: harmless here, since only people who get texts are invited.
* A word shared by languages with the same meaning (NO in en/es, NON in fr/ht, TALVEZ in es/pt)
  reports ``language=None`` and lists them in ``languages``; digits report no language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, cast

from bot.calls.rules import rsvp_phrases
from bot.sms.rules.keywords import OTHER
from bot.sms.rules.revocation import classify_reply
from bot.sms.rules.words import Match, PhraseTable, WordTable, is_unspaced, join_units, normalise, units

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


PHRASE_TABLE = PhraseTable.build((phrase, meaning, tag)
                                 for tag, meanings in rsvp_phrases.PHRASES.items()
                                 for meaning, phrases in meanings.items() for phrase in phrases)
QUESTION_MARKS = frozenset("?¿？؟")
MAX_OTHER_WORDS = 2  # beside an answer phrase; one beside a bare yes/no/maybe word
MAX_UNITS = 40
_LONGEST_WORD = 3  # units: "아니요", "tal vez"


def is_keyword(body: str) -> bool:
    """STOP / START / HELP always win over an answer (YES here is an answer, not START)."""
    return classify_reply(body, yes_means_start=False).kind != OTHER


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
        return read_sentence(body)
    answer, tags = match
    return _rsvp(answer, tags)


def _rsvp(answer: str, tags: tuple[str, ...]) -> Rsvp:
    return Rsvp(cast(Answer, answer), tags[0] if len(tags) == 1 else None, tags)


def read_sentence(body: str) -> Rsvp | None:
    """The answer a short sentence gives (see the module's rules); None when it gives none."""
    found = units(body)
    if not found or len(found) > MAX_UNITS or QUESTION_MARKS & set(body):
        return None
    phrases = PHRASE_TABLE.find(found)
    taken = {i for m in phrases for i in range(m.start, m.end)}
    signals = [m for m in phrases if m.meaning != rsvp_phrases.NEUTRAL]
    words = _words(found, taken)
    taken |= {i for m in words for i in range(m.start, m.end)}
    neutral = {i for m in phrases if m.meaning == rsvp_phrases.NEUTRAL
               for i in range(m.start, m.end)}
    first = next((i for i in range(len(found)) if i not in neutral), None)
    leading = bool(words) and words[0].start == first
    answers = {m.meaning for m in (*signals, *words)}
    if len(answers) != 1 or not (signals or leading):
        return None
    other = sum(0.5 if is_unspaced(found[i]) else 1 for i in range(len(found)) if i not in taken)
    if other > (MAX_OTHER_WORDS if signals else 1):
        return None
    tags = tuple(dict.fromkeys(tag for m in (*signals, *words) for tag in m.languages))
    return _rsvp(answers.pop(), tags)


def _words(found: tuple[str, ...], taken: set[int]) -> list[Match]:
    """The yes/no/maybe words among units no phrase took (one-letter Y / N only stand alone)."""
    matches: list[Match] = []
    position = 0
    while position < len(found):
        match = None
        for size in range(min(_LONGEST_WORD, len(found) - position), 0, -1):
            span = range(position, position + size)
            text = join_units(found[position:position + size])
            if taken.isdisjoint(span) and (len(text) > 1 or not text.isascii()):
                hit = RSVP_TABLE.lookup(text)
                if hit is not None:
                    match = Match(position, position + size, hit[0], hit[1])
                    break
        matches += [match] if match else []
        position = match.end if match else position + 1
    return matches
