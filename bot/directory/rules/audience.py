"""Who to reach for an incident, why, and through which channel. Pure rules, no I/O.

A contact is in an incident's audience when it is active and
  (serves one of the incident's regions, or is national) and follows the incident's type,
  or carries an always-include tag, or a coordinator added it;
and a coordinator did not remove it. Each member keeps every reason that applied.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from bot.directory.rules.contacts import ALL_TYPES, Consent
from bot.directory.rules.names import order_key
from bot.directory.rules.regions import NATIONAL
from bot.i18n.languages import language_name as language_name  # re-exported for bot.sms.blocks

SLACK, SMS, VOICE, UNREACHABLE = "slack", "sms", "voice", "unreachable"
CHANNELS = (SMS, VOICE, SLACK)  # what a directory's ``channel`` column may ask for
# Numbers a phone call still reaches: a landline takes calls, not texts.
CALLABLE = ("ok", "landline")
ADD, REMOVE = "add", "remove"


class Candidate(NamedTuple):  # a NamedTuple: a large directory makes thousands per query
    id: int
    name: str
    organisation: str
    organisation_type: str
    language: str
    regions: tuple[str, ...]
    incident_types: tuple[str, ...]
    tags: tuple[str, ...]
    phone: str | None
    slack_user_id: str | None
    sms_consent: str
    phone_status: str = "ok"
    active: bool = True
    home_language: str = ""  # the language spoken, when it is not ``language`` (the SMS one)
    channel: str = ""  # the directory's ``channel`` (sms, voice, slack), "" when it says none

    @property
    def spoken(self) -> str:
        return self.home_language or self.language


@dataclass(frozen=True)
class Override:
    action: str  # ADD or REMOVE
    actor: str


class Member(NamedTuple):
    """A person in an audience: how and in which language to reach them, and why they are in
    it. Names are not carried (the directory has them, for the few members a page shows)."""

    id: int
    channel: str
    reasons: tuple[str, ...]
    language: str  # the catalog their texts and calls are in
    spoken: str  # the language they speak
    phone: str | None
    organisation_type: str
    regions: tuple[str, ...]  # every region they serve


@dataclass(frozen=True)
class Scope:
    incident_type: str
    regions: tuple[str, ...]
    always_include_tags: tuple[str, ...] = ()


def reasons_for(contact: Candidate, scope: Scope, override: Override | None) -> tuple[str, ...]:
    """Why ``contact`` is in the audience; empty when it is not."""
    if not contact.active or (override and override.action == REMOVE):
        return ()
    reasons = directory_reasons(contact.regions, contact.incident_types, contact.tags, scope)
    if override and override.action == ADD:
        reasons += (f"added by <@{override.actor}>",)
    return reasons


@functools.lru_cache(maxsize=8192)
def directory_reasons(regions: tuple[str, ...], types: tuple[str, ...], tags: tuple[str, ...],
                      scope: Scope) -> tuple[str, ...]:
    """The reasons a contact serving ``regions``, following ``types`` and tagged ``tags`` is in
    the audience of ``scope``, but for a coordinator's addition."""
    # Cached: a large directory repeats the same few region/type/tag combinations.
    reasons = []
    served = sorted(set(regions) & set(scope.regions))
    follows = ALL_TYPES in types or scope.incident_type in types
    if follows and (served or NATIONAL in regions):
        where = f"serves {', '.join(served)}" if served else "national organisation"
        what = "" if ALL_TYPES in types else f", follows {scope.incident_type}"
        reasons.append(where + what)
    matched = sorted(set(tags) & set(scope.always_include_tags))
    if matched:
        reasons.append(f"always included ({', '.join(matched)})")
    return tuple(reasons)


def channel_for(contact: Candidate) -> str:
    """Slack for people on Slack; SMS for a usable number with no STOP; a phone call (voice) for
    a person who asked for calls and for a number marked as a landline; otherwise unreachable.

    A STOP texted stops texts only: a person who asked for calls is still called (pressing 0 on a
    call stops calls, checked when each call is placed)."""
    return channel_of(contact.channel, bool(contact.slack_user_id), bool(contact.phone),
                      contact.phone_status, contact.sms_consent)


@functools.lru_cache(maxsize=256)
def channel_of(wants: str, on_slack: bool, has_phone: bool, phone_status: str,
               sms_consent: str) -> str:
    """``channel_for`` from only what it depends on (few combinations: cached)."""
    callable_number = has_phone and phone_status in CALLABLE
    if wants == VOICE and callable_number:
        return VOICE
    if on_slack and wants != SMS:
        return SLACK
    if has_phone and phone_status == "ok" and sms_consent != Consent.OPTED_OUT:
        return SMS
    if on_slack:
        return SLACK
    if callable_number and phone_status == "landline":
        return VOICE
    return UNREACHABLE


def assemble(candidates: Iterable[Candidate], scope: Scope,
             overrides: Mapping[int, Override] | None = None) -> list[Member]:
    """The audience in the directory's order (``names.order_key``: by organisation, then name,
    accents and case aside), then id."""
    overrides = overrides or {}
    chosen = []
    for contact in candidates:
        reasons = reasons_for(contact, scope, overrides.get(contact.id))
        if reasons:
            chosen.append((contact, reasons))
    chosen.sort(key=lambda pair: (order_key(pair[0].organisation, pair[0].name), pair[0].id))
    return [Member(contact.id, channel_for(contact), reasons, contact.language, contact.spoken,
                   contact.phone, contact.organisation_type, contact.regions)
            for contact, reasons in chosen]


@dataclass(frozen=True)
class Summary:
    total: int
    by_channel: Counter
    by_language: Counter
    by_organisation_type: Counter
    by_region: Counter
    languages_without_interpreter: tuple[str, ...]
    catalogs_not_reviewed: tuple[str, ...] = ()  # SMS languages no translator has reviewed


def summarise(members: list[Member], scope: Scope, interpreters: Iterable[str],
              unreviewed_catalogs: Iterable[str] = ()) -> Summary:
    """Totals for the coordinator by the languages people speak; ``interpreters`` are the
    languages interpreter contacts speak, ``unreviewed_catalogs`` the catalogs a translator has
    not reviewed in full (of those, the ones SMS members are texted in are named)."""
    reachable = [m for m in members if m.channel != UNREACHABLE]
    by_language = Counter(m.spoken for m in reachable)
    by_region: Counter = Counter()
    for member in members:
        served = set(member.regions) & set(scope.regions)
        for region in served or ({NATIONAL} if NATIONAL in member.regions else set()):
            by_region[region] += 1
    covered = set(interpreters) | {"en"}
    missing = tuple(sorted(lang for lang in by_language if lang not in covered))
    texted = {m.language for m in members if m.channel == SMS}
    return Summary(
        total=len(members),
        by_channel=Counter(m.channel for m in members),
        by_language=by_language,
        by_organisation_type=Counter(m.organisation_type or "unspecified" for m in members),
        by_region=by_region,
        languages_without_interpreter=missing,
        catalogs_not_reviewed=tuple(sorted(texted & set(unreviewed_catalogs))),
    )
