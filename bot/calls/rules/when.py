"""Reading the times coordinators type for calls: ``tomorrow 3pm ET``, ``in 2 hours``, ``fri 10:30``.

Pure: ``now`` is always a parameter (an aware UTC datetime) and every instant returned is aware UTC.
A zone abbreviation names a place's *local* time, not a fixed offset: ``3pm EST`` in July is 3pm on
New York's clocks (EDT). Only where a wall time happens twice (the night clocks go back) does a
season abbreviation such as EDT or EST pick one of the two readings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import cache
from typing import Literal
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, available_timezones

from bot.errors import InvalidInput
from bot.i18n.rules import local_time

EXAMPLE = "/incident call schedule tomorrow 3pm ET for 1h"
RECURRENCE_EXAMPLE = "/incident call schedule mon 9am ET for 30m every weekday until dec 18"
MAX_AHEAD = timedelta(days=365)
MIN_CALL, MAX_CALL = timedelta(minutes=5), timedelta(hours=8)
MAX_OCCURRENCES = 60

ZONE_ABBREVIATIONS = {word: zone for zone, words in (
    ("America/New_York", "et est edt"), ("America/Chicago", "ct cst cdt"),
    ("America/Denver", "mt mst mdt"), ("America/Phoenix", "az"), ("America/Los_Angeles", "pt pst pdt"),
    ("America/Anchorage", "akt akst akdt"), ("Pacific/Honolulu", "ht hst"),
    ("America/Puerto_Rico", "ast pr"), ("Pacific/Guam", "chst"), ("UTC", "utc z gmt"),
) for word in words.split()}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_WORDS = {"tues": 1, "weds": 2, "thur": 3, "thurs": 3}
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = re.compile(r"\b(" + "|".join(_MONTHS) + r")[a-z]*\b", re.I)
_CLOCK = re.compile(r"(\d{1,2})(?::(\d{2}))?([ap]m)?")
_ISO_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")
_OFFSET = re.compile(r"(?:utc|gmt)?([+-])(1[0-4]|0?\d)(?::?([0-5]\d))?")
_UNITS = {"m": 1, "min": 1, "mins": 1, "minute": 1, "minutes": 1, "h": 60, "hr": 60, "hrs": 60,
          "hour": 60, "hours": 60, "d": 1440, "day": 1440, "days": 1440}
_DURATION = re.compile(r"(?:\s*\d+(?:\.\d+)?\s*[a-z]+)+\s*")
_KEYWORD = re.compile(r"(?:^|\s)(for|agenda|bridge|every|transcribe)(?=\s|$)", re.I)
_OPTION = re.compile(r"\s*(for|agenda|bridge|every|transcribe)\b\s*", re.I)
_QUOTED = re.compile(r'"([^"]*)"')
_FREQUENCIES = {"day": "daily", "weekday": "weekdays", "week": "weekly"}


def format_local(instant: datetime, zone: str) -> str:
    """``Fri 27 Nov 2026, 3:00 PM EST``: ``instant`` on the clocks of ``zone``."""
    return local_time(instant, zone)


def parse_when(text: str, *, now: datetime, default_zone: str) -> datetime:
    """The instant (aware UTC) that ``text`` names; a text without a zone is read in ``default_zone``.

    The abbreviation EST (or ET, EDT) means New York's local time whatever the season; EDT/EST
    only choose between the two readings of a wall time that happens twice.
    """
    return _read_when(text, now, default_zone)[0]


def _read_when(text: str, now: datetime, default_zone: str) -> tuple[datetime, str]:
    words = _words(text)
    if not words:
        raise InvalidInput("Say when the call starts.", EXAMPLE)
    zone, hint, offset, words = _take_zone(words, default_zone)
    if words and words[0] == "in":
        ahead = _read_duration(" ".join(words[1:]))
        if ahead is None:
            raise InvalidInput(f"I could not read “{' '.join(words)}”: write e.g. `in 2 hours`.", EXAMPLE)
        instant = now + ahead
    else:
        tz = ZoneInfo(zone)
        instant = _localize(_wall_time(words, now.astimezone(tz)), tz, hint, offset)
    if instant < now:
        raise InvalidInput(f"That time has passed: I read it as {format_local(instant, zone)}.", EXAMPLE)
    if instant > now + MAX_AHEAD:
        raise InvalidInput("That is more than a year ahead: I read it as "
                           f"{format_local(instant, zone)}.", EXAMPLE)
    return instant, zone


def _words(text: str) -> list[str]:
    text = re.sub(r"(?i)(?<=[\d\s])([ap])\.m\.?", r"\1m", text)  # 3 p.m. -> 3 pm
    text = re.sub(r"(?i)(\d)\s+([ap]m)\b", r"\1\2", text)  # 3 pm -> 3pm
    return [w for w in text.lower().replace(",", " ").split() if w not in ("at", "on")]


def _take_zone(words: list[str], default_zone: str):
    """(zone, abbreviation or None, fixed UTC offset or None, the other words)."""
    zone, hint, offset, rest, found = default_zone, None, None, [], 0
    for word in words:
        if word in ZONE_ABBREVIATIONS:
            zone, hint = ZONE_ABBREVIATIONS[word], word
        elif word in _iana_zones():
            zone = _iana_zones()[word]
        elif match := _OFFSET.fullmatch(word):
            sign = -1 if match[1] == "-" else 1
            offset = sign * timedelta(hours=int(match[2]), minutes=int(match[3] or 0))
        else:
            rest.append(word)
            continue
        found += 1
    if found > 1:
        raise InvalidInput("Give one time zone.", EXAMPLE)
    return zone, hint, offset, rest


@cache
def _iana_zones() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def _wall_time(words: list[str], local_now: datetime) -> datetime:
    """The naive local date and time the words name (a bare weekday: its next occurrence)."""
    day: date | None = None
    weekday = clock = None
    rest = []
    for word in words:
        if (this_clock := _clock(word)) is not None:
            clock = _only(clock, this_clock, "time of day")
        elif word in ("today", "tomorrow"):
            day = _only(day, local_now.date() + timedelta(days=word == "tomorrow"), "date")
        elif (this_weekday := _weekday(word)) is not None:
            weekday = _only(weekday, this_weekday, "weekday")
        elif (this_day := _iso_date(word)) is not None:
            day = _only(day, this_day, "date")
        else:
            rest.append(word)
    if rest:
        day = _only(day, _month_date(" ".join(rest), local_now.date(), "a date or time"), "date")
    if clock is None:
        raise InvalidInput("Say what time, e.g. 3pm or 15:30.", EXAMPLE)
    if weekday is not None and day is None:
        ahead = (weekday - local_now.weekday()) % 7
        day = local_now.date() + timedelta(days=7 if ahead == 0 and clock <= local_now.time() else ahead)
    elif weekday is not None and day.weekday() != weekday:
        raise InvalidInput(f"{day.day} {day:%b %Y} is a {day:%A}, not a {WEEKDAYS[weekday].title()}.",
                           EXAMPLE)
    return datetime.combine(day or local_now.date(), clock)


def _only(current, new, what: str):
    if current is not None:
        raise InvalidInput(f"Give one {what}.", EXAMPLE)
    return new


def _clock(word: str) -> time | None:
    if word in ("noon", "midday"):
        return time(12)
    match = _CLOCK.fullmatch(word)
    if not match or not (match[2] or match[3]):
        return None
    hour, minute = int(match[1]), int(match[2] or 0)
    if match[3]:
        hour = hour % 12 + (12 if match[3] == "pm" else 0) if 1 <= hour <= 12 else 99
    if hour > 23 or minute > 59:
        raise InvalidInput(f"“{word}” is not a time of day.", EXAMPLE)
    return time(hour, minute)


def _weekday(word: str) -> int | None:
    if word in _WEEKDAY_WORDS:
        return _WEEKDAY_WORDS[word]
    matches = [i for i, name in enumerate(WEEKDAYS) if len(word) >= 3 and name.startswith(word)]
    return matches[0] if matches else None


def _iso_date(word: str) -> date | None:
    if not (match := _ISO_DATE.fullmatch(word)):
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise InvalidInput(f"“{word}” is not a date.", EXAMPLE) from None


def _month_date(text: str, near: date, what: str) -> date:
    """A date with a month name ("Dec 15", "15 december 2026"); without a year, the nearest to ``near``.

    dateparser reads the words, and is checked: it must agree on the month and every number.
    """
    import dateparser  # here: only commands read dates; the worker's start-up skips it

    month = _MONTH.search(text)
    found = month and dateparser.parse(text, languages=["en"], settings={
        "PREFER_DATES_FROM": "future", "REQUIRE_PARTS": ["day", "month"],
        "RELATIVE_BASE": datetime.combine(near - timedelta(days=182), time())})
    numbers = {int(n) for n in re.findall(r"\d+", text)}
    if (not found or found.month != _MONTHS.index(month[1].lower()) + 1 or found.time() != time()
            or not numbers <= {found.day, found.year, found.year % 100}):
        raise InvalidInput(f"I could not read “{text}” as {what}. Write times like 3pm or 15:30 and "
                           "dates like 2026-12-01, Dec 1 or friday.", EXAMPLE)
    return found.date()


def _localize(wall: datetime, zone: ZoneInfo, hint: str | None, offset: timedelta | None) -> datetime:
    if offset is not None:
        return wall.replace(tzinfo=timezone(offset)).astimezone(UTC)
    first, second = wall.replace(tzinfo=zone), wall.replace(tzinfo=zone, fold=1)
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall:
        later = _wall_text(wall + timedelta(hours=1))
        raise InvalidInput(f"{_wall_text(wall)} does not exist in {zone.key}: the clocks jump forward "
                           f"that night and skip it. Pick another time, e.g. {later}.", EXAMPLE)
    if first.utcoffset() == second.utcoffset():
        return first.astimezone(UTC)
    for reading in (first, second):
        if (reading.tzname() or "").lower() == hint:
            return reading.astimezone(UTC)
    raise InvalidInput(
        f"{_wall_text(wall)} happens twice in {zone.key} (the clocks go back that night): "
        f"{format_local(first, zone.key)} or {format_local(second, zone.key)}. Add {first.tzname()} or "
        f"{second.tzname()} (or the UTC offset, {first:%z} or {second:%z}) to say which.", EXAMPLE)


def _wall_text(wall: datetime) -> str:
    return f"{wall:%I:%M %p}".lstrip("0") + f" on {wall:%a} {wall.day} {wall:%b %Y}"


def _read_duration(text: str) -> timedelta | None:
    text = re.sub(r"\ban?\b", "1", text.lower().replace(",", " ").replace(" and ", " "))
    if not _DURATION.fullmatch(text):
        return None
    minutes = 0.0
    for number, unit in re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]+)", text):
        if unit not in _UNITS:
            return None
        minutes += float(number) * _UNITS[unit]
    return timedelta(minutes=minutes)


def parse_duration(text: str) -> timedelta:
    """``1h``, ``90m``, ``1h30m``, ``1.5 hours``, ``45 minutes``, ``2 hrs``: 5 minutes to 8 hours."""
    length = _read_duration(text)
    if length is None:
        raise InvalidInput(f"I could not read “{text}” as a length of time: write e.g. 1h30m.", EXAMPLE)
    if not MIN_CALL <= length <= MAX_CALL:
        raise InvalidInput("A call lasts between 5 minutes and 8 hours.", EXAMPLE)
    return length


@dataclass(frozen=True)
class Recurrence:
    """A call repeated at the same wall time in ``zone`` (so 3pm stays 3pm across DST changes)."""

    frequency: Literal["daily", "weekdays", "weekly"]
    until: date
    zone: str

    def occurrences(self, start: datetime) -> list[datetime]:
        """Every occurrence's start (aware UTC), ``start`` first, up to and including ``until``.

        On a day when the wall time does not exist (clocks jump forward) the call is an hour later.
        """
        zone = ZoneInfo(self.zone)
        local = start.astimezone(zone)
        day, found = local.date(), []
        while day <= self.until:
            if self.frequency != "weekdays" or day.weekday() < 5:
                found.append(datetime.combine(day, local.time(), zone).astimezone(UTC))
            if len(found) > MAX_OCCURRENCES:
                raise InvalidInput(f"That repeats more than {MAX_OCCURRENCES} times: pick an earlier "
                                   "`until` date.", RECURRENCE_EXAMPLE)
            day += timedelta(days=7 if self.frequency == "weekly" else 1)
        return found

    def rrule(self) -> str:
        """The same series as an RFC 5545 ``RRULE`` value, for a ``DTSTART`` on the wall clock of
        ``zone``: ``FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20261216T045900Z``. ``UNTIL`` (in
        UTC, as the RFC requires with a zoned start) is the last minute of ``until`` there."""
        last = datetime.combine(self.until, time(23, 59), ZoneInfo(self.zone)).astimezone(UTC)
        frequency = {"daily": "FREQ=DAILY", "weekly": "FREQ=WEEKLY",
                     "weekdays": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"}[self.frequency]
        return f"{frequency};UNTIL={last:%Y%m%dT%H%M00Z}"


def parse_recurrence(text: str, *, start: datetime, zone: str, now: datetime) -> Recurrence | None:
    """``every day|weekday|week until <date>`` (``2026-12-15``, ``dec 15``, ``friday``); blank: None."""
    if not text.strip():
        return None
    match = re.fullmatch(r"every\s+(day|weekday|week)s?\s+until\s+(.+)", text.strip(), re.I)
    if not match:
        raise InvalidInput("Repeat with `every day`, `every weekday` or `every week`, then `until` "
                           "and a date.", RECURRENCE_EXAMPLE)
    local_start = start.astimezone(ZoneInfo(zone))
    until = _until_date(match[2].strip(), local_start, now.astimezone(ZoneInfo(zone)))
    if until < local_start.date():
        raise InvalidInput(f"The repeats end ({until:%a} {until.day} {until:%b %Y}) before the first call "
                           f"({format_local(start, zone)}).", RECURRENCE_EXAMPLE)
    if until > (now + MAX_AHEAD).date():
        raise InvalidInput("The repeats must end within a year.", RECURRENCE_EXAMPLE)
    recurrence = Recurrence(_FREQUENCIES[match[1].lower()], until, zone)
    if recurrence.frequency == "weekdays" and local_start.weekday() >= 5:
        raise InvalidInput(f"The first call is on a {local_start:%A} but the call repeats on weekdays: "
                           "start it on a weekday.", RECURRENCE_EXAMPLE)
    recurrence.occurrences(start)
    return recurrence


def _until_date(text: str, local_start: datetime, local_now: datetime) -> date:
    word = text.lower()
    if word in ("today", "tomorrow"):
        return local_now.date() + timedelta(days=word == "tomorrow")
    if (weekday := _weekday(word)) is not None:
        return local_start.date() + timedelta(days=(weekday - local_start.weekday()) % 7)
    return _iso_date(word) or _month_date(text, local_start.date(), "a date")


@dataclass(frozen=True)
class ScheduleRequest:
    """What the coordinator wrote; ``duration`` is None when they gave none, and the service
    then uses the office's ``calls.default_duration_min``."""

    starts_at: datetime
    duration: timedelta | None
    agenda: str
    bridge: str | None
    recurrence: Recurrence | None
    zone: str
    transcribe: bool | None = None  # None: the office's ``calls.transcribe_default``


def parse_schedule(text: str, *, now: datetime, default_zone: str) -> ScheduleRequest:
    """``<when> [for <duration>] [agenda "<text>"] [bridge <url>|twilio] [every … until <date>]
    [transcribe [on|off]]``."""
    text = text.translate(str.maketrans({"“": '"', "”": '"'})).strip()
    first = _KEYWORD.search(text)
    options = _options(text[first.start():] if first else "")
    starts_at, zone = _read_when(text[:first.start()] if first else text, now, default_zone)
    recurrence = options.get("every")
    return ScheduleRequest(
        starts_at=starts_at,
        duration=parse_duration(options["for"]) if "for" in options else None,
        agenda=options.get("agenda", ""),
        bridge=_bridge(options["bridge"]) if "bridge" in options else None,
        recurrence=parse_recurrence(f"every {recurrence}", start=starts_at, zone=zone, now=now)
        if recurrence is not None else None,
        zone=zone,
        transcribe=_transcribe(options["transcribe"]) if "transcribe" in options else None,
    )


def _options(text: str) -> dict[str, str]:
    options: dict[str, str] = {}
    position = 0
    while position < len(text):
        match = _OPTION.match(text, position)
        if not match:
            raise InvalidInput(f"I did not understand “{text[position:].strip()}”.", EXAMPLE)
        name = match[1].lower()
        if name in options:
            raise InvalidInput(f"`{name}` is given twice.", EXAMPLE)
        if name == "agenda":
            quoted = _QUOTED.match(text, match.end())
            if not quoted:
                raise InvalidInput('Put the agenda in quotes.', EXAMPLE + ' agenda "Shelter staffing"')
            options[name], position = quoted[1].strip(), quoted.end()
            continue
        following = _KEYWORD.search(text, match.start(1) + len(name))  # a bare `transcribe`
        end = following.start() if following else len(text)
        options[name], position = text[match.end():end].strip(), end
    return options


def _transcribe(value: str) -> bool:
    word = value.strip().lower()
    if word in ("", "on", "yes"):
        return True
    if word in ("off", "no"):
        return False
    raise InvalidInput(f"`transcribe` takes `on` or `off`, not “{value.strip()}”.",
                       EXAMPLE + " transcribe on")


def _bridge(value: str) -> str:
    value = value.strip("<>").split("|")[0]  # Slack may send links as <url|label>
    if value.lower() == "twilio":
        return "twilio"
    url = urlparse(value)
    if url.scheme.lower() not in ("http", "https") or not url.netloc or any(c.isspace() for c in value):
        raise InvalidInput("The bridge must be a web address starting with https:// (or `twilio` "
                           "for a phone bridge).", EXAMPLE + " bridge https://meet.example.org/xyz")
    return value
