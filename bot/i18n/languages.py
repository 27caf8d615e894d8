"""Languages the office reaches people in, as BCP-47 tags, with their names."""

from bot.errors import InvalidInput

# tag -> (English name, name in the language itself)
LANGUAGES: dict[str, tuple[str, str]] = {
    "en": ("English", "English"),
    "es": ("Spanish", "Español"),
    "zh": ("Chinese", "中文"),
    "vi": ("Vietnamese", "Tiếng Việt"),
    "ko": ("Korean", "한국어"),
    "tl": ("Tagalog", "Tagalog"),
    "ar": ("Arabic", "العربية"),
    "ht": ("Haitian Creole", "Kreyòl ayisyen"),
    "fr": ("French", "Français"),
    "pt": ("Portuguese", "Português"),
    "ru": ("Russian", "Русский"),
}

ALIASES = {"fil": "tl", "zh-hans": "zh", "zh-hant": "zh", "zh-cn": "zh", "zh-tw": "zh",
           "cmn": "zh", "yue": "zh", "hat": "ht", "spa": "es", "eng": "en"}


def parse_language(text: str) -> str:
    """``"es-US"`` -> ``"es"``; an unsupported tag is an error naming the supported ones."""
    tag = text.strip().replace("_", "-").lower()
    if tag in ALIASES:
        return ALIASES[tag]
    base = tag.split("-")[0]
    if base in LANGUAGES:
        return base
    if base in ALIASES:
        return ALIASES[base]
    by_name = {english.lower(): code for code, (english, _) in LANGUAGES.items()}
    if tag in by_name:
        return by_name[tag]
    raise InvalidInput(f"unsupported language {text!r}; use one of {', '.join(LANGUAGES)}")
