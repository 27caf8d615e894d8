"""SMS texts in every language the office uses, from ``catalogs/{tag}.toml``.

Each catalog is a flat TOML table of ``key = "text"`` with ``str.format``-style ``{name}``
placeholders. ``en.toml`` is the reference: every other catalog has the same keys with the same
placeholders (tests/test_catalogs.py checks this and the SMS segment budget of each text).

``render(key, language, **values)`` picks the language's text, falling back to English for a
language without a catalog (or a key missing from one). The keywords STOP / START stay in English
in every language, because carriers act on those words.
"""

from __future__ import annotations

import string
import tomllib
from functools import cache
from importlib.resources import files

from bot.errors import InvalidInput
from bot.i18n.languages import LANGUAGES, parse_language

FALLBACK = "en"
_FORMATTER = string.Formatter()


class CatalogError(KeyError):
    """An unknown message key, or a placeholder left without a value."""

    def __str__(self) -> str:  # KeyError would show the repr of the message
        return str(self.args[0]) if self.args else ""


class UnknownMessage(CatalogError):
    pass


class MissingValue(CatalogError):
    pass


def placeholders(template: str) -> set[str]:
    """Names of the ``{name}`` fields in a catalog text."""
    return {name for _, name, _, _ in _FORMATTER.parse(template) if name is not None}


def _check(tag: str, key: str, template: str) -> None:
    for _, name, spec, conversion in _FORMATTER.parse(template):
        if name is not None and (not name.isidentifier() or spec or conversion):
            raise ValueError(f"catalogs/{tag}.toml: {key} has an unsupported placeholder {{{name}}}; "
                             "use plain {name} fields")


@cache
def _catalog(tag: str) -> dict[str, str]:
    resource = files("bot.i18n").joinpath("catalogs", f"{tag}.toml")
    if not resource.is_file():
        return {}
    data = tomllib.loads(resource.read_text(encoding="utf-8"))
    for key, value in data.items():
        if not isinstance(value, str):
            raise ValueError(f"catalogs/{tag}.toml: {key} must be a string")
        _check(tag, key, value)
    return data


def languages() -> list[str]:
    """Tags with a catalog, in the order of ``bot.i18n.languages.LANGUAGES``."""
    return [tag for tag in LANGUAGES if _catalog(tag)]


def keys() -> set[str]:
    """Every message key (those of the English catalog)."""
    return set(_catalog(FALLBACK))


def template(key: str, language: str) -> str:
    """The raw text for ``key`` in ``language`` (English when the language has none)."""
    english = _catalog(FALLBACK)
    if key not in english:
        raise UnknownMessage(f"unknown message {key!r}; known: {', '.join(sorted(english))}")
    try:
        tag = parse_language(language)
    except InvalidInput:
        tag = FALLBACK
    return _catalog(tag).get(key, english[key])


def render(key: str, language: str, **values: object) -> str:
    text = template(key, language)
    missing = placeholders(text) - values.keys()
    if missing:
        raise MissingValue(f"message {key!r} needs a value for {', '.join(sorted(missing))}")
    return text.format(**values)
