"""What the phone bridge says, in each supported language (spoken by Twilio's <Say>).

The prompts live in the same per-language catalogs as the SMS texts, under ``voice.`` keys
(``voice.welcome``), with the same checks; a new prompt is a new ``voice.…`` line in every
catalog file.
"""

from bot.i18n.catalog import FALLBACK, VOICE, keys, render


def voice_keys() -> tuple[str, ...]:
    """The prompts' names without the prefix (``"welcome"``), sorted."""
    return tuple(sorted(key.removeprefix(VOICE) for key in keys() if key.startswith(VOICE)))


def voice_text(key: str, language: str | None, **values: object) -> str:
    """The prompt ``key`` (``"welcome"`` or ``"voice.welcome"``) in ``language``, English when
    the language is unknown or has no catalog."""
    full = key if key.startswith(VOICE) else VOICE + key
    return render(full, language or FALLBACK, **values)


def prompt(key: str, language: str | None) -> str:
    return voice_text(key, language)
