"""How an instant is written for a reader, in the reader's language and on the reader's clocks:
pure, so rules may use it as well as what people read.

Every message names a time with its year and its zone, so a text read days later or in another
state is still unambiguous. Dates come from CLDR through Babel, in each language's own "full" date
and "short" time formats, joined as that language joins them::

    en  Fri 27 Nov 2026, 3:00 PM EST              (the office's own short form, as before)
    es  viernes, 27 de noviembre de 2026, 15:00 EST
    fr  vendredi 27 novembre 2026, 15:00 EST
    zh  2026年11月27日星期五 15:00 EST
    ht  vandredi 27 novanm 2026, 15:00 EST         (no CLDR data: ``bot.i18n.kreyol``)

Decisions:

- The zone is the abbreviation of the zone database (EST, EDT, CST, AKST, HST…) in every
  language, not CLDR's zone name: CLDR gives long names ("hora estándar oriental") or offsets
  ("GMT-5", "-0500") in most languages, while people in the US hear and read EST/EDT on TV and
  radio alerts whatever language they speak. A zone without an abbreviation is written as its
  offset from UTC ("UTC-03").
- Tagalog is CLDR's Filipino (``fil``), its standard form.
- CLDR puts no-break spaces in some patterns (Tagalog's "3:00\u202fPM", Russian's
  "2026\u00a0г."); they become plain spaces, since SMS has no use for them and one such
  character would turn a whole GSM-7 text (Tagalog) into UCS-2, doubling its segments.
- A language without a catalog or CLDR data other than ``ht`` is written in English, as the
  catalogs fall back to English.
"""

from collections.abc import Sequence
from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time
from babel.lists import format_list

from bot.errors import InvalidInput
from bot.i18n import kreyol
from bot.i18n.languages import parse_language

ENGLISH = "en"
KREYOL = "ht"
CLDR_NAMES = {"tl": "fil"}
ENGLISH_DAY, ENGLISH_SHORT_DAY, ENGLISH_CLOCK = "EEE d MMM y", "EEE d MMM", "h:mm a"
OWN_JOIN = "{1}, {0}"  # English and Kreyòl: date, then time
NO_BREAK_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})


def language_tag(language: str) -> str:
    """The catalog language a date is written in: ``"es-US"`` -> ``"es"``; unknown -> English."""
    try:
        return parse_language(language)
    except InvalidInput:
        return ENGLISH


@cache
def _locale(tag: str) -> Locale:
    return Locale.parse(CLDR_NAMES.get(tag, tag))


def zone_label(local: datetime) -> str:
    """``EST``/``EDT`` as the zone database names it; ``UTC-03`` for a zone without a name."""
    name = local.tzname() or "UTC"
    return name if name.isalpha() else f"UTC{name}"


def day(when: date, language: str = ENGLISH) -> str:
    """The date with its weekday and year: ``viernes, 27 de noviembre de 2026``."""
    tag = language_tag(language)
    if tag == KREYOL:
        return kreyol.day(when)
    if tag == ENGLISH:
        return format_date(when, ENGLISH_DAY, locale=ENGLISH)
    return _plain(format_date(when, "full", locale=_locale(tag)))


def short_day(when: date, language: str = ENGLISH, *, year: bool = False) -> str:
    """A date in a list of dates: ``vie, 27 nov`` (``Fri 27 Nov``), with the year if asked."""
    tag = language_tag(language)
    if tag == KREYOL:
        return kreyol.day(when, year=year)
    if tag == ENGLISH:
        return format_date(when, ENGLISH_DAY if year else ENGLISH_SHORT_DAY, locale=ENGLISH)
    return _plain(format_skeleton("yMMMEd" if year else "MMMEd", when, locale=_locale(tag)))


def clock(local: datetime, language: str = ENGLISH) -> str:
    """The time of day and the zone on ``local``'s own clock: ``15:00 EST``, ``3:00 PM EST``."""
    tag = language_tag(language)
    if tag == KREYOL:
        time = f"{local:%H:%M}"
    else:
        pattern = ENGLISH_CLOCK if tag == ENGLISH else "short"
        time = _plain(format_time(local, pattern, tzinfo=local.tzinfo,
                                  locale=ENGLISH if tag == ENGLISH else _locale(tag)))
    return f"{time} {zone_label(local)}"


def join(date_text: str, clock_text: str, language: str = ENGLISH) -> str:
    """A date and a time as the language writes them together (Vietnamese puts the time first)."""
    tag = language_tag(language)
    pattern = OWN_JOIN if tag in (ENGLISH, KREYOL) else \
        str(_locale(tag).datetime_formats["full"]).replace("'", "")
    return pattern.replace("{1}", date_text).replace("{0}", clock_text)


def listed(items: Sequence[str], language: str = ENGLISH) -> str:
    """Dates in a row: ``a, b, c`` in English and Kreyòl, the language's own list otherwise."""
    tag = language_tag(language)
    if tag in (ENGLISH, KREYOL):
        return ", ".join(items)
    return _plain(format_list(list(items), locale=_locale(tag)))


def local_time(instant: datetime, zone: str, language: str = ENGLISH) -> str:
    """``instant`` on the clocks of ``zone`` for a reader of ``language``:
    ``Fri 27 Nov 2026, 3:00 PM EST``, ``viernes, 27 de noviembre de 2026, 15:00 EST``."""
    local = instant.astimezone(ZoneInfo(zone))
    return join(day(local.date(), language), clock(local, language), language)


def _plain(text: str) -> str:
    return text.translate(NO_BREAK_SPACES)
