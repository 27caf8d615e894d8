"""Dates and times in the reader's language (Babel/CLDR), the Kreyòl fallback, the zone
abbreviation, and every SMS text of every language at a fixed instant against its golden file.

Set ``COORDBOT_UPDATE_GOLDEN=1`` to rewrite the golden files from the current output (then read
them: they are what each contact reads).
"""

from __future__ import annotations

import difflib
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from babel import Locale
from babel.dates import format_date, get_timezone, get_timezone_name

from bot.calls.text import occurrences
from bot.i18n import kreyol
from bot.i18n.catalog import render
from bot.i18n.languages import LANGUAGES
from bot.i18n.rules import day, local_time, short_local_time, zone_label
from bot.sms.rules.segments import encoding
from tests.test_catalogs import KEYS, sample

GOLDEN = Path(__file__).with_name("golden") / "sms"
NEW_YORK = "America/New_York"
FRIDAY = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)  # Fri 27 Nov 2026, 3:00 PM EST
THURSDAY = FRIDAY - timedelta(days=1)  # the call's former time, when it moves
DUE = datetime(2026, 12, 2, 22, 0, tzinfo=UTC)  # Wed 2 Dec 2026, 5:00 PM EST
SERIES = [FRIDAY + timedelta(days=n) for n in range(3)]
FRIDAY_IN = {
    "en": "Fri 27 Nov 2026, 3:00 PM EST",
    "es": "viernes, 27 de noviembre, 15:00 EST",
    "zh": "11月27日星期五 15:00 EST",
    "vi": "15:00 EST Thứ Sáu, 27 tháng 11",
    "ko": "11월 27일 금요일 오후 3:00 EST",
    "tl": "Biyernes, Nobyembre 27, 3:00 PM EST",
    "ar": "الجمعة، 27 نوفمبر، 3:00 م EST",
    "ht": "vandredi 27 novanm, 15:00 EST",
    "fr": "vendredi 27 novembre, 15:00 EST",
    "pt": "sexta-feira, 27 de novembro 15:00 EST",
    "ru": "пятница, 27 ноября, 15:00 EST",
}


def test_every_language_has_its_expected_date():
    assert set(FRIDAY_IN) == set(LANGUAGES)


@pytest.mark.parametrize("tag", list(LANGUAGES))
def test_a_date_in_each_language(tag):
    assert local_time(FRIDAY, NEW_YORK, tag) == FRIDAY_IN[tag]


def test_a_spanish_invitation_reads_the_date_in_spanish():
    text = render("call_invite", "es", **sample("call_invite", "es", local_time(FRIDAY, NEW_YORK, "es")))
    assert " el viernes, 27 de noviembre, 15:00 EST. " in text
    assert "Fri" not in text and "PM" not in text


def test_english_keeps_the_offices_form_for_staff_and_contacts():
    assert local_time(FRIDAY, NEW_YORK) == local_time(FRIDAY, NEW_YORK, "en") == \
        "Fri 27 Nov 2026, 3:00 PM EST"
    assert local_time(datetime(2026, 7, 1, 4, 5, tzinfo=UTC), NEW_YORK) == "Wed 1 Jul 2026, 12:05 AM EDT"


@pytest.mark.parametrize("language", ["de", "xx", "", "German", "mix"])
def test_a_language_without_texts_gets_english_dates(language):
    assert local_time(FRIDAY, NEW_YORK, language) == FRIDAY_IN["en"]


@pytest.mark.parametrize(("language", "tag"), [("es-US", "es"), ("fil", "tl"), ("zh-Hant", "zh")])
def test_language_tags_are_parsed(language, tag):
    assert local_time(FRIDAY, NEW_YORK, language) == FRIDAY_IN[tag]


# ---------------------------------------------------------------- the zone
@pytest.mark.parametrize("tag", list(LANGUAGES))
def test_the_zone_is_the_abbreviation_people_hear_on_the_radio(tag):
    """CLDR's short names are offsets or city names in most languages (checked here, so a Babel
    that one day gives "EST" everywhere would show this decision is no longer needed)."""
    assert local_time(FRIDAY, NEW_YORK, tag).count("EST") == 1
    assert "EDT" in local_time(datetime(2026, 9, 30, 14, 30, tzinfo=UTC), NEW_YORK, tag)
    assert "CST" in local_time(FRIDAY, "America/Chicago", tag)
    assert "HST" in local_time(FRIDAY, "Pacific/Honolulu", tag)


def test_cldr_would_not_write_est():
    names = {tag: get_timezone_name(get_timezone(NEW_YORK), "short", locale=Locale.parse(
        "fil" if tag == "tl" else tag)) for tag in LANGUAGES if tag != "ht"}
    assert names["en"] == "ET" and all("EST" not in name for name in names.values())


def test_a_zone_without_an_abbreviation_is_written_as_its_offset():
    assert local_time(FRIDAY, "America/Sao_Paulo", "pt") == "sexta-feira, 27 de novembro 17:00 UTC-03"
    assert zone_label(FRIDAY.astimezone(get_timezone("Pacific/Marquesas"))) == "UTC-0930"


def test_the_hour_is_the_readers_whatever_the_machines_zone(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    assert local_time(FRIDAY, NEW_YORK, "es") == FRIDAY_IN["es"]


# ---------------------------------------------------------------- SMS encodings
@pytest.mark.parametrize("tag", list(LANGUAGES))
def test_no_no_break_spaces(tag):
    """CLDR writes "3:00\\u202fPM" in Tagalog; one such space would make a whole text UCS-2."""
    for text in (local_time(FRIDAY, NEW_YORK, tag), occurrences(SERIES, NEW_YORK, tag),
                 short_local_time(THURSDAY, NEW_YORK, tag)):
        assert not {"\u00a0", "\u202f", "\u2009"} & set(text), (tag, text)


@pytest.mark.parametrize("tag", ["en", "tl", "ht"])
def test_dates_keep_latin_languages_in_gsm7(tag):
    assert encoding(local_time(FRIDAY, NEW_YORK, tag) + occurrences(SERIES, NEW_YORK, tag)) == "GSM-7"


# ---------------------------------------------------------------- Haitian Creole
def test_cldr_has_no_haitian_creole_names():
    """Babel knows ``ht`` only as a stub: its dates fall back to CLDR's root, in English."""
    assert format_date(date(2026, 11, 27), "full", locale="ht") == "2026 M11 27, Fri"


def test_kreyol_names_every_weekday_and_month():
    monday = date(2026, 11, 30)
    assert [day(monday + timedelta(days=n), "ht").split()[0] for n in range(7)] == \
        ["lendi", "madi", "mèkredi", "jedi", "vandredi", "samdi", "dimanch"]
    assert [day(date(2026, month, 1), "ht").split()[-1] for month in range(1, 13)] == \
        ["janvye", "fevriye", "mas", "avril", "me", "jen", "jiyè", "out", "septanm", "oktòb",
         "novanm", "desanm"]
    assert kreyol.day(date(2026, 12, 30)) == "mèkredi 30 desanm 2026"


def test_kreyol_uses_the_24_hour_clock():
    assert local_time(datetime(2026, 12, 31, 3, 5, tzinfo=UTC), NEW_YORK, "ht") == \
        "mèkredi 30 desanm, 22:05 EST"


# ---------------------------------------------------------------- lists and moved calls
def test_a_series_is_listed_in_the_readers_language():
    assert occurrences(SERIES, NEW_YORK, "en") == "Fri 27 Nov, Sat 28 Nov, Sun 29 Nov 2026, 3:00 PM EST"
    assert occurrences(SERIES, NEW_YORK, "es") == "vie, 27 nov, sáb, 28 nov y dom, 29 nov, 15:00 EST"
    assert occurrences(SERIES, NEW_YORK, "ht") == \
        "vandredi 27 novanm, samdi 28 novanm, dimanch 29 novanm, 15:00 EST"


def test_a_series_across_new_year_names_each_year():
    starts = [datetime(2026, 12, 31, 20, tzinfo=UTC), datetime(2027, 1, 1, 20, tzinfo=UTC)]
    assert occurrences(starts, NEW_YORK, "fr") == "jeu. 31 déc. 2026 et ven. 1 janv. 2027, 15:00 EST"


def test_a_dst_change_splits_a_series_by_its_clock():
    starts = [datetime(2026, 10, 31, 19, tzinfo=UTC), datetime(2026, 11, 1, 20, tzinfo=UTC)]
    assert occurrences(starts, NEW_YORK, "es") == "sáb, 31 oct, 15:00 EDT; dom, 1 nov, 15:00 EST"


def test_a_moved_calls_former_time_is_short():
    assert short_local_time(THURSDAY, NEW_YORK, "es") == "26 nov, 15:00 EST"
    assert short_local_time(THURSDAY, NEW_YORK, "en") == "26 Nov, 3:00 PM EST"
    assert short_local_time(THURSDAY, NEW_YORK, "ht") == "26 novanm, 15:00 EST"


# ---------------------------------------------------------------- golden files
def rendered(tag: str) -> str:
    """Every SMS text in ``tag`` at the fixed instants, the dates as the bot writes them."""
    when, old_when = local_time(FRIDAY, NEW_YORK, tag), short_local_time(THURSDAY, NEW_YORK, tag)
    due = {"due": local_time(DUE, NEW_YORK, tag)}
    parts = [f"[{key}]\n{render(key, tag, **(sample(key, tag, when, old_when) | due))}"
             for key in sorted(KEYS)]
    series = sample("call_invite", tag, occurrences(SERIES, NEW_YORK, tag))
    parts.append(f"[call_invite, a series]\n{render('call_invite', tag, **series)}")
    return "\n\n".join(parts) + "\n"


@pytest.mark.parametrize("tag", list(LANGUAGES))
def test_every_text_matches_its_golden_file(tag):
    text, golden = rendered(tag), GOLDEN / f"{tag}.txt"
    if os.environ.get("COORDBOT_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    expected = golden.read_text(encoding="utf-8")
    if text != expected:
        diff = difflib.unified_diff(expected.splitlines(keepends=True), text.splitlines(keepends=True),
                                    fromfile=str(golden), tofile=tag)
        pytest.fail(f"{tag} texts differ from the golden file (COORDBOT_UPDATE_GOLDEN=1 rewrites "
                    "it):\n" + "".join(diff), pytrace=False)


@pytest.mark.parametrize("tag", list(LANGUAGES))
def test_golden_files_show_the_localised_date(tag):
    text = (GOLDEN / f"{tag}.txt").read_text(encoding="utf-8")
    assert FRIDAY_IN[tag] in text and local_time(DUE, NEW_YORK, tag) in text
    assert tag == "en" or ("Fri" not in text and "Wed 2 Dec" not in text)
