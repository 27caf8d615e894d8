"""Which of the office's languages an SMS is written in, when a few words can tell.

An unknown number gets its automatic answer in the language it wrote in. No library is needed
for a text message: the script tells Chinese, Korean, Arabic and Russian apart; Vietnamese has
letters no other of these languages uses (ă ơ ư đ and its stacked tone marks); and the Latin
languages are told by their commonest short words and a few letters ("¿", "ñ", "ã", "mwen").
A text that says too little, or as much in two languages, is ``None``: the caller then answers
in English and Spanish, the office's two commonest.
"""

from __future__ import annotations

import re
import unicodedata

from bot.sms.rules.words import normalise


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words common in short messages to an emergency office, one language each where they are
# distinctive; a word several languages share counts for each.
WORDS: dict[str, frozenset[str]] = {
    "en": _words("the where is are hello hi please thanks thank you i we my need help water "
                 "shelter food what how can to and of it nearest near there have don't"),
    "es": _words("hola dónde donde está el los las del que qué por favor gracias necesito "
                 "necesitamos más cerca cercano refugio agua ayuda comida estoy tengo hay "
                 "cómo como para con mi mis nosotros usted buenos buenas días sí y"),
    "fr": _words("bonjour où est le les je j'ai merci nous vous besoin de du des et une aide "
                 "abri eau nourriture s'il plaît plus proche avez pouvez suis"),
    "ht": _words("mwen bonjou kote nou ki pa mèsi gen bezwen dlo manje tanpri ede lakay pou "
                 "yo li ak nan sa se kounye a la fanmi"),
    "pt": _words("olá ola onde obrigado obrigada não você preciso precisamos água ajuda "
                 "abrigo mais perto o os um uma é está estou tenho comida bom dia"),
    "tl": _words("saan po ang ng salamat kumusta mga kailangan tubig tulong ako kami namin "
                 "sa may wala na pagkain magandang"),
}
# Letters that say more than a word: two points each.
LETTERS: dict[str, str] = {"es": "¿¡ñ", "pt": "ãõ", "fr": "œ"}
VIETNAMESE = frozenset("ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")
_TOKEN = re.compile(r"[\w']+")


def guess_language(body: str) -> str | None:
    """The catalog language ``body`` is written in, or None when it cannot be told."""
    text = normalise(body)
    by_script = _by_script(text)
    if by_script is not None:
        return by_script
    scores = {tag: sum(token in words for token in _TOKEN.findall(text))
              for tag, words in WORDS.items()}
    for tag, letters in LETTERS.items():
        scores[tag] += 2 * sum(char in letters for char in text)
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    (best, top), (_, second) = ranked[0], ranked[1]
    return best if top >= 2 and top > second else None


def _by_script(text: str) -> str | None:
    for char in text:
        name = unicodedata.name(char, "")
        if name.startswith("HANGUL"):
            return "ko"
        if name.startswith(("HIRAGANA", "KATAKANA")):
            return None  # Japanese: no catalog, and its kanji would read as Chinese
    for char in text:
        name = unicodedata.name(char, "")
        if name.startswith("CJK UNIFIED"):
            return "zh"
        if name.startswith("ARABIC"):
            return "ar"
        if name.startswith("CYRILLIC"):
            return "ru"
        if char in VIETNAMESE:
            return "vi"
    return None
