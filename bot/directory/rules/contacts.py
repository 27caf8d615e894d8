"""A stakeholder contact as the directory keeps it, and validation of one imported row."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.directory.rules.phones import parse_phone_and_extension
from bot.directory.rules.regions import NATIONAL, US_REGIONS
from bot.errors import InvalidInput
from bot.i18n.languages import parse_home_language, parse_sms_language, sms_language_for
from bot.incidents.rules import IncidentType

ALL_TYPES = "all"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
TAG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")

COLUMNS = ("name", "organisation", "organisation_type", "role", "phone", "email",
           "slack_user_id", "language", "timezone", "regions", "incident_types", "tags",
           "sms_consent", "active", "sms_language", "channel")
# What ``channel`` may say: how the person asked to be reached ("voice": a phone call reads them
# each message; empty: their number and Slack id decide, and a landline is called).
CHANNELS = ("sms", "voice", "slack")


class Consent(StrEnum):
    UNKNOWN = "unknown"
    OPTED_IN = "opted_in"
    OPTED_OUT = "opted_out"


@dataclass(frozen=True)
class ContactRecord:
    """A validated contact, ready to store; lists are sorted and de-duplicated.

    ``home_language`` is the language the person speaks (any ISO 639 language; the file's
    ``language`` column); ``language`` is the catalog their SMS and voice prompts are in (the
    file's ``sms_language`` column, else the stated fallback for their language). They differ
    only for a language without a catalog, and then the person needs an interpreter on calls.
    """

    name: str
    organisation: str = ""
    organisation_type: str = ""
    role: str = ""
    phone: str | None = None
    phone_extension: str | None = None
    email: str | None = None
    slack_user_id: str | None = None
    language: str = "en"
    timezone: str = "America/New_York"
    regions: tuple[str, ...] = ()
    incident_types: tuple[str, ...] = (ALL_TYPES,)
    tags: tuple[str, ...] = ()
    sms_consent: Consent = Consent.UNKNOWN
    active: bool = True
    home_language: str = ""  # empty: the same as ``language``
    channel: str = ""  # sms, voice, slack, or "" (not said)

    def __post_init__(self) -> None:
        if not self.home_language:
            object.__setattr__(self, "home_language", self.language)


@dataclass(frozen=True)
class FieldError:
    column: str
    value: str
    why: str


@dataclass
class RowInvalid(Exception):
    errors: list[FieldError] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(f"{e.column}={e.value!r}: {e.why}" for e in self.errors)


def validate_row(raw: Mapping[str, str | None], *, default_region: str = "US",
                 default_timezone: str = "America/New_York") -> ContactRecord:
    """Turns one row of text fields into a record, or raises ``RowInvalid`` listing every problem."""
    values = {k: (v or "").strip() for k, v in raw.items() if k in COLUMNS}
    errors: list[FieldError] = []
    parsed: dict[str, object] = {}

    def check(column: str, parse: Callable[[str], object]) -> None:
        text = values.get(column, "")
        if not text:
            return
        try:
            parsed[column] = parse(text)
        except InvalidInput as error:
            errors.append(FieldError(column, text, str(error)))

    if not values.get("name"):
        errors.append(FieldError("name", "", "a name is required"))
    check("phone", lambda t: parse_phone_and_extension(t, default_region=default_region))
    check("email", _email)
    check("slack_user_id", _slack_user)
    check("language", parse_home_language)
    check("sms_language", parse_sms_language)
    check("timezone", _timezone)
    check("regions", parse_contact_regions)
    check("incident_types", parse_incident_types)
    check("tags", parse_tags)
    check("sms_consent", _consent)
    check("active", _boolean)
    check("channel", _channel)
    if not any(values.get(c) for c in ("phone", "email", "slack_user_id")) and values.get("name"):
        errors.append(FieldError("phone", "", "give at least a phone, an email or a Slack user id"))
    if errors:
        raise RowInvalid(errors)
    if "phone" in parsed:
        parsed["phone"], parsed["phone_extension"] = parsed["phone"]  # type: ignore[misc]
    _languages(parsed)
    return ContactRecord(
        name=values["name"], organisation=values.get("organisation", ""),
        organisation_type=values.get("organisation_type", "").lower(),
        role=values.get("role", ""), timezone=parsed.get("timezone", default_timezone),  # type: ignore[arg-type]
        **{k: v for k, v in parsed.items() if k != "timezone"},  # type: ignore[arg-type]
    )


def _languages(parsed: dict[str, object]) -> None:
    """The file's ``language`` is what the person speaks and ``sms_language`` the catalog they
    are texted in; either one alone sets both as far as it can (English when neither is given)."""
    home = parsed.pop("language", None)
    sms = parsed.pop("sms_language", None)
    home = home or sms or "en"
    parsed["home_language"] = home
    parsed["language"] = sms or sms_language_for(home)  # type: ignore[arg-type]


def split_list(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;,|]", text) if part.strip()]


def parse_contact_regions(text: str) -> tuple[str, ...]:
    codes = [c.upper() if c.lower() != NATIONAL else NATIONAL for c in split_list(text)]
    unknown = [c for c in codes if c != NATIONAL and c not in US_REGIONS]
    if unknown:
        raise InvalidInput(f"unknown region(s) {', '.join(unknown)}; use US state or territory "
                           "codes (FL, PR …) or 'national'")
    return tuple(sorted(set(codes)))


def parse_incident_types(text: str) -> tuple[str, ...]:
    words = [w.lower() for w in split_list(text)]
    if not words or ALL_TYPES in words:
        return (ALL_TYPES,)
    return tuple(sorted({IncidentType.parse(w, example="").value for w in words}))


def parse_tags(text: str) -> tuple[str, ...]:
    tags = [t.lower().replace(" ", "-") for t in split_list(text)]
    bad = [t for t in tags if not TAG.match(t)]
    if bad:
        raise InvalidInput(f"tags must be short words of letters, digits and '-': {', '.join(bad)}")
    return tuple(sorted(set(tags)))


def _email(text: str) -> str:
    if not EMAIL.match(text):
        raise InvalidInput("not an email address")
    return text.lower()


def _slack_user(text: str) -> str:
    if not SLACK_USER.match(text):
        raise InvalidInput("not a Slack user id (like U0123ABCD)")
    return text


MAX_ZONE = 64  # the longest IANA name is 32 characters; the column holds 64


def _timezone(text: str) -> str:
    """An IANA zone name. ``ZoneInfo`` opens a file named after the text: an over-long name was
    an ``OSError`` (file name too long), a path one another, so those are refused first."""
    unknown = "unknown time zone; use an IANA name like America/Chicago"
    if len(text) > MAX_ZONE or not text.isascii() or text.startswith(("/", ".")) or ".." in text:
        raise InvalidInput(unknown)
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidInput(unknown) from None
    return text


def _consent(text: str) -> Consent:
    words = {"yes": Consent.OPTED_IN, "opted_in": Consent.OPTED_IN, "y": Consent.OPTED_IN,
             "no": Consent.OPTED_OUT, "opted_out": Consent.OPTED_OUT, "n": Consent.OPTED_OUT,
             "unknown": Consent.UNKNOWN}
    try:
        return words[text.lower().replace("-", "_").replace(" ", "_")]
    except KeyError:
        raise InvalidInput("use yes, no or unknown") from None


def _channel(text: str) -> str:
    word = text.strip().lower()
    if word not in CHANNELS:
        raise InvalidInput(f"not a channel; use one of {', '.join(CHANNELS)} (or leave it empty)")
    return word


def _boolean(text: str) -> bool:
    words = {"yes": True, "true": True, "1": True, "y": True, "no": False, "false": False,
             "0": False, "n": False}
    try:
        return words[text.lower()]
    except KeyError:
        raise InvalidInput("use yes or no") from None
