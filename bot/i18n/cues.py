"""The cue phrases of each language (``cue.decision``, ``cue.action`` in the catalogs)."""

from __future__ import annotations

from bot.errors import InvalidInput
from bot.i18n.catalog import CUE, FALLBACK, template
from bot.i18n.languages import parse_language

KINDS = ("decision", "action")


def phrases(language: str) -> dict[str, tuple[str, ...]]:
    """``{"decision": (…), "action": (…)}`` for a BCP-47 tag (``es-US``); a language without a
    catalog gets English's. The phrases are as the catalog writes them."""
    tag = _tag(language)
    return {kind: tuple(p.strip() for p in template(CUE + kind, tag).split("|") if p.strip())
            for kind in KINDS}


def languages_for(language: str) -> tuple[str, ...]:
    """The catalogs a line in ``language`` is matched with: its own and the office's."""
    return tuple(dict.fromkeys((_tag(language), FALLBACK)))


def _tag(language: str) -> str:
    try:
        return parse_language(language or FALLBACK)
    except InvalidInput:
        return FALLBACK
