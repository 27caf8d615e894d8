"""Languages: the 11 the office writes SMS in (catalogs), as BCP-47 tags with their names, and
any ISO 639 language a contact may speak, with the catalog that person is texted in."""

import re

import pycountry

from bot.directory.rules.names import fold
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


# ---------------------------------------------------------------- any ISO 639 language
# A contact may speak any language; SMS go out in one of the catalog languages above. Which
# catalog a speaker of another language reads is office policy, so it is written down here,
# never guessed: a language not listed is texted in English. A contacts file may also name the
# catalog for one person (its ``sms_language`` column).
SMS_FALLBACKS: dict[str, str] = {
    # Indigenous languages of Mexico and Guatemala: Spanish is the written lingua franca.
    "mix": "es", "zap": "es", "yua": "es", "tzo": "es", "tzh": "es", "ctu": "es", "tsz": "es",
    "trc": "es", "ote": "es", "maz": "es", "nhe": "es", "nch": "es", "azz": "es", "ncj": "es",
    "quc": "es", "mam": "es", "kjb": "es",
    # Cape Verdean Creole: Portuguese.
    "kea": "pt",
}
ENGLISH_FALLBACK = "en"
# Names people write that ISO 639 does not have as one entry (it codes some fifty Mixtec
# varieties, ``mix`` being Mixtepec; the office files any Mixtec speaker under ``mix`` unless
# the file names the variety's own code). Keys are folded: lower case, no accents.
NAMES: dict[str, str] = {"mixteco": "mix", "mixtec": "mix", "zapoteco": "zap", "maya": "yua",
                         "maya yucateco": "yua", "triqui": "trc", "quiche": "quc", "kiche": "quc",
                         "kanjobal": "kjb", "nahuatl": "nhe"}
BCP47 = re.compile(r"^([A-Za-z]{2,3})(?:-[A-Za-z0-9]{1,8})*$")  # its language subtag, first
NOT_LANGUAGES = "S"  # ISO 639 scope of mul, und, zxx, mis: codes that name no language


def parse_home_language(text: str) -> str:
    """The language a person speaks: a catalog language as ``parse_language`` reads it, else
    any ISO 639 language by code (``ur``, ``urd``, ``mix``, ``ur-PK``) or English name
    (``Urdu``); stored by its shortest code. Anything else is an error saying what to write."""
    try:
        return parse_language(text)
    except InvalidInput:
        pass
    tag = text.strip().replace("_", "-")
    folded = fold(tag.replace("'", "").replace("’", "").replace("ʼ", ""))
    if folded in NAMES:
        return NAMES[folded]
    code = BCP47.match(tag)
    try:
        found = pycountry.languages.lookup(code.group(1) if code else tag)
    except LookupError:
        found = None
    if found is None or found.scope == NOT_LANGUAGES:
        raise InvalidInput(f"unknown language {text!r}; use an ISO 639 code (like ur or mix) or "
                           "a language's English name (like Urdu)")
    return getattr(found, "alpha_2", None) or found.alpha_3


def sms_language_for(home_language: str) -> str:
    """The catalog a speaker of ``home_language`` is texted in (see SMS_FALLBACKS)."""
    if home_language in LANGUAGES:
        return home_language
    return SMS_FALLBACKS.get(home_language, ENGLISH_FALLBACK)


def parse_sms_language(text: str) -> str:
    """A catalog language named for one person's texts; other languages are refused."""
    try:
        return parse_language(text)
    except InvalidInput:
        raise InvalidInput(f"there are no texts in {text!r}; the SMS language must be one of "
                           f"{', '.join(LANGUAGES)}") from None


def language_name(tag: str) -> str:
    """The English name of any language the directory holds; the tag itself if unknown."""
    if tag in LANGUAGES:
        return LANGUAGES[tag][0]
    found = pycountry.languages.get(alpha_2=tag) if len(tag) == 2 else \
        pycountry.languages.get(alpha_3=tag)
    return found.name if found else tag


def needs_interpreter(home_language: str, sms_language: str) -> bool:
    """A person whose texts are not in their own language needs an interpreter on a call."""
    return home_language != sms_language


def describe(home_language: str, sms_language: str) -> str:
    """``"Mixtepec Mixtec (mix): texts in Spanish; needs an interpreter for calls"``."""
    text = f"{language_name(home_language)} ({home_language}): texts in {language_name(sms_language)}"
    return text + ("; needs an interpreter for calls"
                   if needs_interpreter(home_language, sms_language) else "")

