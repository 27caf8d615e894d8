"""How an instant is written for a reader, in the reader's language and on the reader's clocks:
pure, so rules may use it as well as what people read.

Every message names a time with its weekday and its zone, so a text read days later or in another
state is still unambiguous. Dates come from CLDR through Babel, in each language's own "full" date
(without the year) and "short" time formats, joined as that language joins them::

    en  Fri 27 Nov 2026, 3:00 PM EST              (the office's own short form, as before)
    es  viernes, 27 de noviembre, 15:00 EST
    fr  vendredi 27 novembre, 15:00 EST
    zh  11月27日星期五 15:00 EST
    vi  15:00 EST Thứ Sáu, 27 tháng 11           (Vietnamese puts the time first)
    ht  vandredi 27 novanm, 15:00 EST             (``bot.i18n.kreyol``: CLDR's ht is a stub)

Decisions:

- Texts in other languages than English carry no year: a weekday with a day and a month's full
  name already fix a date within the year around it (the bot texts about calls and tasks days or
  weeks ahead), and the year would cost a segment in Portuguese and Russian invitations, which
  travel as UCS-2 (67 characters a segment). English keeps the form staff and contacts have read
  from the start, with the year.

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

import re
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
ENGLISH_DAY_MONTH = "d MMM"
YEAR = re.compile(r"y+[年년]\s*|[,،]?\s*(?:'de'\s*)?y+(?:[\s\u202f]*'г'\.)?")  # in a CLDR pattern
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


@cache
def _day_pattern(tag: str) -> str:
    """The language's full date pattern without its year: ``EEEE, d 'de' MMMM``."""
    return YEAR.sub("", _locale(tag).date_formats["full"].pattern).strip()


def day(when: date, language: str = ENGLISH) -> str:
    """The date with its weekday: ``viernes, 27 de noviembre`` (English: ``Fri 27 Nov 2026``)."""
    tag = language_tag(language)
    if tag == KREYOL:
        return kreyol.day(when, year=False)
    if tag == ENGLISH:
        return format_date(when, ENGLISH_DAY, locale=ENGLISH)
    return _plain(format_date(when, _day_pattern(tag), locale=_locale(tag)))


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


def days_in_a_row(days: Sequence[date], language: str = ENGLISH) -> str:
    """Dates of a series, in order: ``sáb, 28 nov, dom, 29 nov y lun, 30 nov`` (the language's own
    list). Each date has its year when they span two years; in English the year also ends a list
    within one year, as the English full form has it (``Sat 28 Nov, Sun 29 Nov 2026``)."""
    tag = language_tag(language)
    spans_years = len({day.year for day in days}) > 1
    last = len(days) - 1
    dates = [short_day(day, tag, year=spans_years or (tag == ENGLISH and index == last))
             for index, day in enumerate(days)]
    if tag in (ENGLISH, KREYOL):
        return ", ".join(dates)
    return _plain(format_list(dates, locale=_locale(tag)))


def local_time(instant: datetime, zone: str, language: str = ENGLISH) -> str:
    """``instant`` on the clocks of ``zone`` for a reader of ``language``:
    ``Fri 27 Nov 2026, 3:00 PM EST``, ``viernes, 27 de noviembre, 15:00 EST``."""
    local = instant.astimezone(ZoneInfo(zone))
    return join(day(local.date(), language), clock(local, language), language)


def short_local_time(instant: datetime, zone: str, language: str = ENGLISH) -> str:
    """A time named beside another that is written in full, as the former time of a moved call
    (only there to say which call moved): ``16 sept, 10:30 EDT``, ``16 Sep, 10:30 AM EDT``."""
    local = instant.astimezone(ZoneInfo(zone))
    tag = language_tag(language)
    if tag == KREYOL:
        date_text = f"{local.day} {kreyol.MONTHS[local.month - 1]}"
    elif tag == ENGLISH:
        date_text = format_date(local.date(), ENGLISH_DAY_MONTH, locale=ENGLISH)
    else:
        date_text = _plain(format_skeleton("MMMd", local.date(), locale=_locale(tag)))
    return join(date_text, clock(local, language), language)


def _plain(text: str) -> str:
    return text.translate(NO_BREAK_SPACES)
