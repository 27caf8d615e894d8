"""Is an inbound SMS a request to stop, start again, or get help, and in which language?

Two layers honour these words:

* The **English carrier keywords** (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT;
  START, YES, UNSTOP; HELP, INFO) are enforced by Twilio and the carriers themselves: Twilio
  blocks the number on STOP before our webhook sees the message, and lifts the block on START.
* The **other-language words** below (and "OPT OUT" / "OPT-OUT") are honoured only by our own
  blocklist. Carriers do not know them. The FCC's TCPA rule in force since 11 April 2025 lets a
  person revoke consent "by any reasonable means", and names "stop, quit, end, revoke, opt out,
  cancel, unsubscribe" as revoking per se, so a Spanish speaker who writes ALTO has opted out.

Matching is on the whole message only: surrounding whitespace and trailing "." / "!" are
dropped, runs of inner whitespace become one space, case is ignored, and compatibility forms
(full-width letters) are folded. "STOP PLEASE" and "Don't stop" are not keywords.

Accents: a body typed *without* accents matches a keyword with its accents removed ("ARRET" is
ARRÊT, "DUNG" is DỪNG, đ counts as d). A body typed *with* accents must match the keyword's own
accents, because in Vietnamese the marks make different words: "dùng" (use) and the name "Dũng"
are not "dừng" (stop). Arabic short-vowel marks (harakat) are always ignored, since they are
optional in writing.

Choices, made conservatively:

* STOP words are the words a person uses to say "stop texting me". A wrong STOP costs little
  (the person gets a confirmation saying how to come back); a missed one breaks the law.
* START words are the English ones only. A wrong START would text someone who revoked consent,
  and every reply we send says "Reply START" with the English word, which carriers also honour.
* YES means START by default (Twilio's behaviour); ``yes_means_start=False`` turns that off for
  flows where YES answers a question (e.g. an RSVP).
* A word used by several languages (PARAR, CANCELAR in Spanish and Portuguese) reports
  ``language=None`` and lists them all in ``languages``; prefer the contact's own language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

from bot.sms.rules.words import WordTable, normalise

Kind = Literal["stop", "start", "help", "other"]

STOP: Kind = "stop"
START: Kind = "start"
HELP: Kind = "help"
OTHER: Kind = "other"

# English: Twilio's default keywords (STOP family, START family, HELP) plus the FCC's "opt out".
CARRIER_KEYWORDS: dict[Kind, tuple[str, ...]] = {
    STOP: ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT",
           "OPT OUT", "OPT-OUT"),
    START: ("START", "YES", "UNSTOP"),
    HELP: ("HELP", "INFO"),
}

# Other languages, honoured by our own blocklist. Keys are language tags (bot.i18n.languages).
LANGUAGE_KEYWORDS: dict[str, dict[Kind, tuple[str, ...]]] = {
    "es": {STOP: ("ALTO", "PARAR", "BAJA", "CANCELAR", "DETENER"),
           HELP: ("AYUDA",)},
    "zh": {STOP: ("停止", "退订", "退訂", "取消订阅", "取消訂閱"),
           HELP: ("帮助", "幫助")},
    "vi": {STOP: ("DỪNG", "NGỪNG", "DỪNG LẠI", "HỦY ĐĂNG KÝ"),
           HELP: ("GIÚP", "TRỢ GIÚP", "GIÚP ĐỠ")},
    "ko": {STOP: ("중지", "그만", "수신거부", "수신 거부"),
           HELP: ("도움", "도움말")},
    "tl": {STOP: ("TIGIL", "ITIGIL", "HINTO", "IHINTO"),
           HELP: ("TULONG",)},
    "ar": {STOP: ("توقف", "إيقاف", "ايقاف", "إلغاء الاشتراك", "الغاء الاشتراك"),
           HELP: ("مساعدة", "مساعده")},
    "ht": {STOP: ("KANPE", "SISPANN"),
           HELP: ("ÈD",)},
    "fr": {STOP: ("ARRÊT", "ARRÊTER", "ARRÊTEZ", "DÉSABONNER"),
           HELP: ("AIDE",)},
    "pt": {STOP: ("PARAR", "CANCELAR", "SAIR"),
           HELP: ("AJUDA",)},
    "ru": {STOP: ("СТОП", "ОТПИСАТЬСЯ"),
           HELP: ("ПОМОЩЬ",)},
}

@dataclass(frozen=True)
class Keyword:
    kind: Kind
    word: str  # the normalised body: case-folded, trimmed, accents as typed
    language: str | None  # tag of the keyword's language; None for "other" or a shared word
    languages: tuple[str, ...] = ()  # every language the word belongs to


def _table() -> WordTable:
    entries: list[tuple[str, str, str]] = [
        (word, kind, "en") for kind, words in CARRIER_KEYWORDS.items() for word in words
    ]
    entries += [(word, kind, tag) for tag, families in LANGUAGE_KEYWORDS.items()
                for kind, words in families.items() for word in words]
    return WordTable.build(entries)


TABLE = _table()


def keywords(kind: Kind) -> dict[str, tuple[str, ...]]:
    """Every normalised keyword of a family, with its languages (for help texts and tests)."""
    return {word: tags for word, (family, tags) in TABLE.exact.items() if family == kind}


def classify(body: str, *, yes_means_start: bool = True) -> Keyword:
    word = normalise(body)
    match = TABLE.lookup(word)
    if match is None or (not yes_means_start and word == "yes"):
        return Keyword(OTHER, word, None)
    kind, tags = match
    return Keyword(cast(Kind, kind), word, tags[0] if len(tags) == 1 else None, tags)
