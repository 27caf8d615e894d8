"""A series' one invitation stays within ``sms.max_segments`` in every language, with the longest
localised dates and zones: as many calls listed as fit, then "and N more until <last date>"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import product

import pytest

from bot.calls.text import occurrences, occurrences_that_fit, starts_listed
from bot.directory.rules.contacts import ContactRecord
from bot.i18n.catalog import render
from bot.i18n.languages import LANGUAGES
from bot.sms.rules.segments import fits, segments
from tests.support.scenario import call, declared_with_contacts
from tests.test_catalogs import longest_zone, sample

MAX_SEGMENTS = 4  # sms.max_segments' default, the invitation's budget
# Wednesdays at 22:30 UTC, in September and December (the longest names), one crossing the year.
FIRSTS = (datetime(2026, 9, 30, 22, 30, tzinfo=UTC), datetime(2026, 12, 30, 22, 30, tzinfo=UTC))


def invitation(tag: str, when: str) -> str:
    return render("call_invite", tag, **sample("call_invite", tag, when))


def daily(first: datetime, count: int) -> list[datetime]:
    return [first + timedelta(days=n) for n in range(count)]


@pytest.mark.parametrize("tag", list(LANGUAGES))
@pytest.mark.parametrize("count", [2, 3, 5, 14, 60])
def test_a_series_invitation_fits_in_every_language(tag, count):
    """In the zone with the longest label (an offset, "UTC+0530") and the longest abbreviation,
    starting on Wednesdays of September and December."""
    for zone, first in product((longest_zone(), longest_zone(named=True)), FIRSTS):
        starts = daily(first, count)
        when = occurrences_that_fit(starts, zone, tag,
                                    lambda w: fits(invitation(tag, w), MAX_SEGMENTS))
        text = invitation(tag, when)
        assert segments(text).segments <= MAX_SEGMENTS, (tag, count, zone, first, text)
        if when != occurrences(starts, zone, tag):  # shortened: the first ones, how many more
            assert any(when == render("call_series_more", tag, count=str(count - n),
                                      first=starts_listed(starts[:n], zone, tag))
                       for n in range(1, count)), (tag, when)


def test_portuguese_is_shortened_where_the_full_list_would_not_fit():
    zone, starts = longest_zone(), daily(FIRSTS[1], 4)
    assert segments(invitation("pt", occurrences(starts, zone, "pt"))).segments > MAX_SEGMENTS
    when = occurrences_that_fit(starts, zone, "pt",
                                lambda w: fits(invitation("pt", w), MAX_SEGMENTS))
    assert when == "qui., 31 de dez. 04:00 UTC+0530, e mais 3"  # the first call, then 3 more


def test_a_short_series_is_listed_in_full():
    starts = daily(FIRSTS[0], 2)
    assert occurrences_that_fit(starts, "America/New_York", "en", lambda w: True) == \
        "Wed 30 Sep, Thu 1 Oct 2026, 6:30 PM EDT"


PEOPLE = [
    ContactRecord(name="Joana Silva", phone="+12025550111", language="pt", regions=("FL",),
                  timezone="America/New_York"),
    ContactRecord(name="Staff Member", slack_user_id="USTAFF001", regions=("FL",)),
]


def test_a_two_week_series_texts_one_invitation_within_the_budget(container, sms, slack):
    commands = declared_with_contacts(container, PEOPLE)
    reply = call(commands, "schedule 2026-12-02 18:30 America/New_York every day until 2026-12-15")
    assert "13 more in the series" in reply
    container.worker.drain()
    [text] = [m["body"] for m in sms.sent if m["to"] == "+12025550111"]
    assert segments(text).segments <= container.settings.sms.max_segments
    assert ", e mais " in text
    [dm] = [p["text"] for p in slack.posts if p["channel"] == "USTAFF001"]
    assert "more" not in dm and "Tue 15 Dec" in dm  # Slack has room for every date
