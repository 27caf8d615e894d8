"""A coordinator's notice text, with optional translations given as ``xx: text`` lines."""

from __future__ import annotations

import re

from bot.errors import InvalidInput
from bot.i18n.languages import LANGUAGES, parse_language

TRANSLATION_LINE = re.compile(r"^\s*([A-Za-z]{2,3}(?:-[A-Za-z]{2,4})?)\s*:\s*(.+)$")
MAX_TEXT = 600


def parse_notice(text: str) -> dict[str, str]:
    """``"Shelters open.\\nes: Refugios abiertos."`` -> ``{"en": "Shelters open.", "es": …}``.

    The first lines (not tagged) are the text for English and for every language without its
    own line.
    """
    default, translations = [], {}
    for line in text.strip().splitlines():
        match = TRANSLATION_LINE.match(line)
        if match and _is_language(match.group(1)):
            translations[parse_language(match.group(1))] = match.group(2).strip()
        elif line.strip():
            default.append(line.strip())
    if not default and "en" not in translations:
        raise InvalidInput("Write the notice text (then, optionally, one `xx: text` line per "
                           "language).", "/incident notify Shelters are open at Lincoln High.\n"
                           "es: Los refugios están abiertos en Lincoln High.")
    texts = {"en": translations.pop("en", " ".join(default))}
    texts.update(translations)
    too_long = [tag for tag, value in texts.items() if len(value) > MAX_TEXT]
    if too_long:
        raise InvalidInput(f"Keep each notice under {MAX_TEXT} characters "
                           f"(too long: {', '.join(too_long)}).")
    return texts


def _is_language(tag: str) -> bool:
    try:
        return parse_language(tag) in LANGUAGES
    except InvalidInput:
        return False
