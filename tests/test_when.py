"""Reading call times, lengths and repeats: pure functions, every `now` fixed (no clock reads)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bot.calls.rules.when import (
    Recurrence,
    ScheduleRequest,
    format_local,
    parse_duration,
    parse_recurrence,
    parse_schedule,
    parse_when,
)
from bot.errors import InvalidInput

NY = "America/New_York"
CHICAGO = "America/Chicago"
NOW = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)  # Fri 27 Nov 2026, 3:00 PM EST
FRIDAY_MORNING = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)  # 9:00 AM EST
BEFORE_FALL_BACK = datetime(2026, 10, 25, 12, 0, tzinfo=UTC)
BEFORE_SPRING_FORWARD = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def when(text: str, now: datetime = NOW, zone: str = NY) -> datetime:
    return parse_when(text, now=now, default_zone=zone)


def problem(call, *args, **kwargs) -> str:
    with pytest.raises(InvalidInput) as caught:
        call(*args, **kwargs)
    return caught.value.problem


# --- parse_when: accepted forms -------------------------------------------------------------

@pytest.mark.parametrize(("text", "zone", "expected"), [
    ("tomorrow 3pm ET", CHICAGO, utc(2026, 11, 28, 20, 0)),
    ("tomorrow at 3pm", NY, utc(2026, 11, 28, 20, 0)),
    ("tomorrow at 3pm", CHICAGO, utc(2026, 11, 28, 21, 0)),
    ("Tomorrow 3 PM", NY, utc(2026, 11, 28, 20, 0)),
    ("3pm tomorrow", NY, utc(2026, 11, 28, 20, 0)),
    ("tomorrow 3 p.m.", NY, utc(2026, 11, 28, 20, 0)),
    ("in 2 hours", CHICAGO, utc(2026, 11, 27, 22, 0)),
    ("in 90 minutes", NY, utc(2026, 11, 27, 21, 30)),
    ("in 1h30m", NY, utc(2026, 11, 27, 21, 30)),
    ("in an hour", NY, utc(2026, 11, 27, 21, 0)),
    ("2026-12-01 15:00 America/Chicago", NY, utc(2026, 12, 1, 21, 0)),
    ("2026-12-01 3pm CT", NY, utc(2026, 12, 1, 21, 0)),
    ("2026-12-01 3pm america/chicago", NY, utc(2026, 12, 1, 21, 0)),
    ("fri 10:30", NY, utc(2026, 12, 4, 15, 30)),  # it is Friday 3pm: next week's Friday
    ("monday 9am", NY, utc(2026, 11, 30, 14, 0)),
    ("Mon 9am", CHICAGO, utc(2026, 11, 30, 15, 0)),
    ("today 17:00", NY, utc(2026, 11, 27, 22, 0)),
    ("3pm", NY, utc(2026, 11, 27, 20, 0)),  # exactly now is not in the past
    ("4pm", NY, utc(2026, 11, 27, 21, 0)),
    ("dec 15 9am", NY, utc(2026, 12, 15, 14, 0)),
    ("15 December 9:00", NY, utc(2026, 12, 15, 14, 0)),
    ("jan 5 9am", NY, utc(2027, 1, 5, 14, 0)),  # no year: the nearest Jan 5
    ("Fri 4 Dec 2026, 3:00 PM EST", CHICAGO, utc(2026, 12, 4, 20, 0)),  # our own format, pasted back
    ("2026-12-01 15:00 -05:00", CHICAGO, utc(2026, 12, 1, 20, 0)),
])
def test_accepted_forms(text, zone, expected):
    assert when(text, zone=zone) == expected


def test_a_bare_time_or_weekday_is_today_while_it_is_still_ahead():
    assert when("fri 10:30", FRIDAY_MORNING) == utc(2026, 11, 27, 15, 30)
    assert when("noon", FRIDAY_MORNING) == utc(2026, 11, 27, 17, 0)
    assert when("3pm", FRIDAY_MORNING) == utc(2026, 11, 27, 20, 0)


def test_a_bare_time_already_gone_today_is_an_error_not_tomorrow():
    assert problem(when, "noon") == "That time has passed: I read it as Fri 27 Nov 2026, 12:00 PM EST."
    later = NOW + timedelta(hours=1)
    assert problem(when, "3pm", later) == "That time has passed: I read it as Fri 27 Nov 2026, 3:00 PM EST."


@pytest.mark.parametrize(("abbreviation", "expected"), [
    ("ET", utc(2026, 12, 1, 20)), ("EST", utc(2026, 12, 1, 20)), ("EDT", utc(2026, 12, 1, 20)),
    ("CT", utc(2026, 12, 1, 21)), ("cst", utc(2026, 12, 1, 21)), ("CDT", utc(2026, 12, 1, 21)),
    ("MT", utc(2026, 12, 1, 22)), ("MST", utc(2026, 12, 1, 22)), ("AZ", utc(2026, 12, 1, 22)),
    ("PT", utc(2026, 12, 1, 23)), ("PST", utc(2026, 12, 1, 23)), ("PDT", utc(2026, 12, 1, 23)),
    ("AKT", utc(2026, 12, 2, 0)), ("HT", utc(2026, 12, 2, 1)), ("HST", utc(2026, 12, 2, 1)),
    ("AST", utc(2026, 12, 1, 19)), ("PR", utc(2026, 12, 1, 19)), ("ChST", utc(2026, 12, 1, 5)),
    ("UTC", utc(2026, 12, 1, 15)), ("Z", utc(2026, 12, 1, 15)), ("Europe/Madrid", utc(2026, 12, 1, 14)),
])
def test_zone_abbreviations_and_iana_names(abbreviation, expected):
    assert when(f"2026-12-01 3pm {abbreviation}", zone=CHICAGO) == expected


def test_an_abbreviation_means_local_time_whatever_the_season():
    summer = datetime(2027, 6, 1, tzinfo=UTC)
    assert when("2027-07-01 3pm EST", summer) == utc(2027, 7, 1, 19)  # New York's 3pm EDT
    assert when("2027-07-01 3pm MST", summer) == utc(2027, 7, 1, 21)  # Denver's 3pm MDT
    assert when("2027-07-01 3pm AZ", summer) == utc(2027, 7, 1, 22)  # Phoenix has no DST


# --- parse_when: errors ---------------------------------------------------------------------

def test_past_times_show_how_they_were_read_in_the_zone_they_were_read_in():
    assert problem(when, "nov 26 3pm") == "That time has passed: I read it as Thu 26 Nov 2026, 3:00 PM EST."
    assert problem(when, "today 9am PT") == (
        "That time has passed: I read it as Fri 27 Nov 2026, 9:00 AM PST.")


def test_more_than_a_year_ahead_is_refused_with_the_reading():
    assert problem(when, "2027-12-01 3pm") == (
        "That is more than a year ahead: I read it as Wed 1 Dec 2027, 3:00 PM EST.")
    assert "2099" in problem(when, "dec 15 99 3pm")
    assert when("2027-11-27 2:59pm") == utc(2027, 11, 27, 19, 59)


@pytest.mark.parametrize(("text", "says"), [
    ("banana", "“banana”"),
    ("tomorrow banana 3pm", "“banana”"),
    ("1 2 3pm", "“1 2”"),  # dateparser would read 1 2 as January 2
    ("sometime dec 15 3pm", "“sometime dec 15”"),
    ("3", "“3”"),
    ("tomorrow", "Say what time"),
    ("", "Say when"),
    ("13pm", "“13pm” is not a time of day"),
    ("25:00", "“25:00” is not a time of day"),
    ("2027-02-30 3pm", "“2027-02-30” is not a date"),
    ("in a while", "“in a while”"),
    ("tomorrow 3pm ET PT", "Give one time zone"),
    ("tomorrow 2026-12-01 3pm", "Give one date"),
    ("tomorrow friday 3pm", "28 Nov 2026 is a Saturday, not a Friday"),
    ("3pm 4pm", "Give one time of day"),
    ("sat 4 dec 2026 3pm", "4 Dec 2026 is a Friday, not a Saturday"),
])
def test_unreadable_text_says_what_was_not_understood(text, says):
    error = problem(when, text)
    assert says in error


def test_the_error_shown_to_the_coordinator_has_an_example():
    with pytest.raises(InvalidInput) as caught:
        when("banana")
    assert str(caught.value).endswith("Example: `/incident call schedule tomorrow 3pm ET for 1h`")


def test_a_wall_time_skipped_by_daylight_saving_is_refused():
    error = problem(when, "2027-03-14 02:30 America/New_York", BEFORE_SPRING_FORWARD)
    assert error.startswith("2:30 AM on Sun 14 Mar 2027 does not exist in America/New_York")
    assert "clocks jump forward" in error and "3:30 AM" in error
    assert when("2027-03-14 03:30", BEFORE_SPRING_FORWARD) == utc(2027, 3, 14, 7, 30)


def test_a_wall_time_that_happens_twice_asks_which_and_shows_both_readings():
    error = problem(when, "2026-11-01 01:30", BEFORE_FALL_BACK)
    assert "happens twice in America/New_York" in error
    assert "Sun 1 Nov 2026, 1:30 AM EDT or Sun 1 Nov 2026, 1:30 AM EST" in error
    assert "Add EDT or EST" in error and "-0400" in error
    assert "happens twice" in problem(when, "2026-11-01 01:30 ET", BEFORE_FALL_BACK)


def test_edt_and_est_pick_the_two_readings_of_an_ambiguous_time():
    edt = when("2026-11-01 01:30 EDT", BEFORE_FALL_BACK)
    est = when("2026-11-01 1:30am EST", BEFORE_FALL_BACK)
    assert edt == utc(2026, 11, 1, 5, 30) and est == utc(2026, 11, 1, 6, 30)
    assert when("2026-11-01 01:30 -05:00", BEFORE_FALL_BACK) == est
    assert when("2026-11-01 01:30 CDT", BEFORE_FALL_BACK) == utc(2026, 11, 1, 6, 30)


@given(st.integers(min_value=10, max_value=100_000),
       st.sampled_from([NOW, BEFORE_FALL_BACK, BEFORE_SPRING_FORWARD]))
def test_any_future_chicago_wall_time_reads_back_as_that_instant(minutes, now):
    zone = ZoneInfo(CHICAGO)
    local = (now + timedelta(minutes=minutes)).astimezone(zone)
    wall = local.replace(tzinfo=None, fold=0)  # the wall time as typed: no fold
    first, second = wall.replace(tzinfo=zone), wall.replace(tzinfo=zone, fold=1)
    assume(first.utcoffset() == second.utcoffset())  # neither skipped nor repeated
    text = f"{local:%Y-%m-%d %H:%M} America/Chicago"
    assert parse_when(text, now=now, default_zone=NY) == now + timedelta(minutes=minutes)


# --- parse_duration -------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "minutes"), [
    ("1h", 60), ("90m", 90), ("1h30m", 90), ("1.5 hours", 90), ("45 minutes", 45), ("2 hrs", 120),
    ("1 hour 30 minutes", 90), ("5m", 5), ("8h", 480), ("30 min", 30),
])
def test_durations(text, minutes):
    assert parse_duration(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize("text", ["4m", "8h1m", "9 hours", "0h"])
def test_durations_outside_five_minutes_to_eight_hours_are_refused(text):
    assert problem(parse_duration, text) == "A call lasts between 5 minutes and 8 hours."


@pytest.mark.parametrize("text", ["90", "an eternity", "", "1 fortnight", "1h tomorrow"])
def test_unreadable_durations(text):
    assert "length of time" in problem(parse_duration, text)


@given(st.integers(0, 8), st.integers(0, 59))
def test_hours_and_minutes_read_back(hours, minutes):
    length = timedelta(hours=hours, minutes=minutes)
    assume(timedelta(minutes=5) <= length <= timedelta(hours=8))
    assert parse_duration(f"{hours}h{minutes}m") == length


# --- recurrence -----------------------------------------------------------------------------

def recurrence(text: str, start: datetime, now: datetime = NOW, zone: str = NY):
    return parse_recurrence(text, start=start, zone=zone, now=now)


def test_daily_calls_keep_the_local_wall_time_across_the_dst_switch():
    start = utc(2027, 3, 11, 20, 0)  # Thu 11 Mar 2027, 3:00 PM EST
    repeat = recurrence("every day until 2027-03-16", start, BEFORE_SPRING_FORWARD)
    assert repeat == Recurrence("daily", date(2027, 3, 16), NY)
    calls = repeat.occurrences(start)
    assert [c.astimezone(ZoneInfo(NY)).strftime("%a %H:%M") for c in calls] == [
        "Thu 15:00", "Fri 15:00", "Sat 15:00", "Sun 15:00", "Mon 15:00", "Tue 15:00"]
    assert calls[0] == start and calls[2] == utc(2027, 3, 13, 20) and calls[3] == utc(2027, 3, 14, 19)
    assert all(c.tzinfo is UTC for c in calls)


def test_a_daily_call_in_the_skipped_hour_moves_an_hour_later_that_day_only():
    start = utc(2027, 3, 13, 7, 30)  # Sat 13 Mar 2027, 2:30 AM EST
    calls = Recurrence("daily", date(2027, 3, 15), NY).occurrences(start)
    assert calls == [utc(2027, 3, 13, 7, 30), utc(2027, 3, 14, 7, 30), utc(2027, 3, 15, 6, 30)]
    assert format_local(calls[1], NY) == "Sun 14 Mar 2027, 3:30 AM EDT"


def test_weekday_calls_skip_weekends():
    start = utc(2026, 12, 4, 20, 0)  # Fri 4 Dec 2026, 3:00 PM EST
    calls = recurrence("every weekday until 2026-12-10", start).occurrences(start)
    assert [c.date().day for c in calls] == [4, 7, 8, 9, 10]
    assert problem(recurrence, "every weekday until dec 10", utc(2026, 12, 5, 20)).startswith(
        "The first call is on a Saturday")


def test_weekly_calls_and_the_ways_to_say_until():
    start = utc(2026, 11, 30, 14, 0)  # Mon 30 Nov 2026, 9:00 AM EST
    assert recurrence("every week until dec 15", start).until == date(2026, 12, 15)
    assert recurrence("every week until 2026-12-15", start).until == date(2026, 12, 15)
    assert recurrence("every day until friday", start).until == date(2026, 12, 4)
    today_4pm = NOW + timedelta(hours=1)
    assert len(recurrence("Every Day Until Tomorrow", today_4pm).occurrences(today_4pm)) == 2
    calls = recurrence("every week until dec 21", start).occurrences(start)
    assert [c.date() for c in calls] == [date(2026, 11, 30), date(2026, 12, 7), date(2026, 12, 14),
                                         date(2026, 12, 21)]


def test_recurrence_limits_and_errors():
    start = utc(2026, 11, 30, 14, 0)
    assert recurrence("", start) is None and recurrence("   ", start) is None
    assert len(recurrence("every day until 2027-01-28", start).occurrences(start)) == 60
    assert "more than 60 times" in problem(recurrence, "every day until 2027-01-29", start)
    assert problem(recurrence, "every day until nov 29", start) == (
        "The repeats end (Sun 29 Nov 2026) before the first call (Mon 30 Nov 2026, 9:00 AM EST).")
    assert "Repeat with" in problem(recurrence, "every month until dec 15", start)
    assert "Repeat with" in problem(recurrence, "every day", start)
    assert "as a date" in problem(recurrence, "every day until whenever", start)
    assert len(recurrence("every day until nov 30", start).occurrences(start)) == 1


# --- parse_schedule -------------------------------------------------------------------------

def schedule(text: str, now: datetime = NOW, zone: str = NY) -> ScheduleRequest:
    return parse_schedule(text, now=now, default_zone=zone)


def test_when_alone_gets_the_defaults():
    assert schedule("tomorrow 3pm", zone=CHICAGO) == ScheduleRequest(
        starts_at=utc(2026, 11, 28, 21), duration=None, agenda="", bridge=None,
        recurrence=None, zone=CHICAGO)


def test_every_option_in_any_order():
    full = schedule('tomorrow 3pm PT for 90m agenda "Shelter staffing" '
                    "bridge https://meet.example.org/abc every day until dec 4")
    assert full.starts_at == utc(2026, 11, 28, 23) and full.zone == "America/Los_Angeles"
    assert full.duration == timedelta(minutes=90) and full.agenda == "Shelter staffing"
    assert full.bridge == "https://meet.example.org/abc"
    assert full.recurrence == Recurrence("daily", date(2026, 12, 4), "America/Los_Angeles")
    assert len(full.recurrence.occurrences(full.starts_at)) == 7
    shuffled = schedule('mon 9am every day until dec 3 bridge twilio agenda “Who goes for supplies” '
                        "for 1.5 hours")
    assert shuffled.starts_at == utc(2026, 11, 30, 14) and shuffled.bridge == "twilio"
    assert shuffled.agenda == "Who goes for supplies" and shuffled.duration == timedelta(minutes=90)
    assert shuffled.recurrence == Recurrence("daily", date(2026, 12, 3), NY)
    assert schedule("in 2 hours bridge <https://meet.example.org/x|meet.example.org/x>").bridge == (
        "https://meet.example.org/x")


def test_weekday_repeats_from_a_weekend_start_are_refused_in_the_schedule():
    assert "first call is on a Saturday" in problem(
        schedule, "tomorrow 3pm every weekday until dec 4")


@pytest.mark.parametrize(("text", "says"), [
    ("tomorrow 3pm bridge ftp://files.example.org", "must be a web address"),
    ("tomorrow 3pm bridge meet.example.org/abc", "must be a web address"),
    ("tomorrow 3pm agenda Shelter staffing", "Put the agenda in quotes"),
    ("tomorrow 3pm for 1h for 2h", "`for` is given twice"),
    ("for 1h", "Say when"),
    ("tomorrow 3pm for 10h", "between 5 minutes and 8 hours"),
    ("tomorrow 3pm for 1h please", "“1h please”"),
    ('tomorrow 3pm agenda "x" please', "I did not understand “please”"),
    ("tomorrow 3pm every day until 2027-12-01", "within a year"),
    ("yesterday 3pm for 1h", "“yesterday”"),
])
def test_schedule_errors(text, says):
    assert says in problem(schedule, text)


def test_format_local_matches_the_shared_renderer():
    assert format_local(NOW, NY) == "Fri 27 Nov 2026, 3:00 PM EST"
    assert format_local(utc(2027, 7, 1, 19), NY) == "Thu 1 Jul 2027, 3:00 PM EDT"
