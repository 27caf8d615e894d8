"""A coordinator's notice text, with optional translations given as language lines.

The rule for a language line, stated the same way in ``/incident help``: a line that starts with
a *language prefix* and a colon. A prefix is either

- a language code of 2 or 3 letters, optionally with a subtag (``es``, ``ES``, ``spa``,
  ``zh-Hant``), or
- the name of a supported language, in English or in the language itself, in any case and with
  or without its accents (``Spanish``, ``español``, ``espanol``, ``Kreyòl ayisyen``, ``中文``).

A code that is not a supported language (``sp:``, ``cn:``, ``xx:``) is refused with the list of
codes and names, so that a typo never ships as English text to every language. Anything else
before a colon ("Note: shelters open at 5", "Hotline: 211") is ordinary text. The lines before
the first language line are the English text, which also goes to every language without a line
of its own; a line without a prefix after a language line continues that language's text.
"""

from __future__ import annotations

import re

from bot.errors import InvalidInput
from bot.i18n.languages import ALIASES, LANGUAGES
from bot.sms.rules.words import normalise, unaccented

MAX_TEXT = 600
EXAMPLE = ("/incident notify Shelters are open at Lincoln High.\n"
           "es: Los refugios están abiertos en Lincoln High.")
# A code: 2-3 letters, optionally a subtag (es-US, zh-Hant). Checked before names.
_CODE = re.compile(r"^([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,4})?)\s*[:：]\s*(.*)$")
_PREFIX = re.compile(r"^([^:：]{1,40}?)\s*[:：]\s*(.*)$")  # "：" is the full-width colon
DEFAULT = ""  # the key, while parsing, of the lines before any language line


def _fold(text: str) -> str:
    return unaccented(normalise(text))


def _names() -> dict[str, str]:
    names = {_fold(english): tag for tag, (english, _) in LANGUAGES.items()}
    names.update({_fold(native): tag for tag, (_, native) in LANGUAGES.items()})
    return names


NAMES = _names()


def supported_list() -> str:
    """``es (Spanish, Español), zh (Chinese, 中文), …`` for messages that refuse a prefix."""
    return ", ".join(f"{tag} ({english}, {native})" if english != native else f"{tag} ({english})"
                     for tag, (english, native) in LANGUAGES.items())


def language_line(line: str) -> tuple[str, str] | None:
    """``"ES: Hola"`` -> ``("es", "Hola")``; None for ordinary text; an unknown code is refused."""
    stripped = line.strip()
    code = _CODE.match(stripped)
    if code:
        return _tag_for_code(code.group(1), stripped), code.group(2).strip()
    named = _PREFIX.match(stripped)
    if named and _fold(named.group(1)) in NAMES:
        return NAMES[_fold(named.group(1))], named.group(2).strip()
    return None


def _tag_for_code(code: str, line: str) -> str:
    tag = code.replace("_", "-").lower()
    base = tag.split("-")[0]
    for candidate in (tag, base):
        if candidate in LANGUAGES:
            return candidate
        if candidate in ALIASES:
            return ALIASES[candidate]
    raise InvalidInput(
        f"`{code}:` is not a language we send SMS in (line `{line[:60]}`). Start a translation "
        f"line with one of: {supported_list()} — a code or a name, then a colon. If the line is not a "
        "translation, write it without that colon. Nothing was sent.", EXAMPLE)


def parse_notice(text: str) -> dict[str, str]:
    """``"Shelters open.\\nes: Refugios abiertos."`` -> ``{"en": "Shelters open.", "es": …}``.

    ``"en"`` is the text for English and for every language without its own line.
    """
    parts: dict[str, list[str]] = {DEFAULT: []}
    current = DEFAULT
    for line in text.strip().splitlines():
        if not line.strip():
            continue
        tagged = language_line(line)
        if tagged is None:
            parts[current].append(line.strip())
            continue
        current, first = tagged
        if current in parts:
            raise InvalidInput(f"There are two lines for {LANGUAGES[current][0]}: give each "
                               "language one line.", EXAMPLE)
        parts[current] = [first] if first else []
    return _texts(parts)


def _texts(parts: dict[str, list[str]]) -> dict[str, str]:
    joined = {tag: " ".join(lines) for tag, lines in parts.items()}
    empty = [LANGUAGES[tag][0] for tag, value in joined.items() if tag != DEFAULT and not value]
    if empty:
        raise InvalidInput(f"The line for {', '.join(empty)} has no text after the colon.",
                           EXAMPLE)
    default = joined.pop(DEFAULT)
    if default and "en" in joined:
        raise InvalidInput("Give the English text either as the first lines or as an `en:` line, "
                           "not both.", EXAMPLE)
    if not default and "en" not in joined:
        raise InvalidInput("Write the notice text first (in English), then, optionally, one "
                           "line per language, such as `es: …`.", EXAMPLE)
    texts = {"en": joined.pop("en", default), **joined}
    too_long = [tag for tag, value in texts.items() if len(value) > MAX_TEXT]
    if too_long:
        raise InvalidInput(f"Keep each notice under {MAX_TEXT} characters "
                           f"(too long: {', '.join(too_long)}).")
    return texts
