"""An incident's audience: the directory query, the rules, and coordinators' changes."""

from __future__ import annotations

import functools
import json
from datetime import datetime

from bot.db.models import AudienceChange, Contact, Incident
from bot.db.unit_of_work import UnitOfWork
from bot.directory.rules.audience import (
    ADD,
    REMOVE,
    Candidate,
    Member,
    Override,
    Scope,
    Summary,
    channel_for,
    directory_reasons,
    summarise,
)
from bot.directory.rules.contacts import ALL_TYPES
from bot.directory.rules.regions import NATIONAL
from bot.errors import InvalidInput
from bot.i18n.languages import LANGUAGES
from bot.i18n.review import unreviewed_languages
from bot.records import audit


def scope_of(incident: Incident, always_include_tags: list[str]) -> Scope:
    return Scope(incident_type=incident.type, regions=tuple(incident.regions),
                 always_include_tags=tuple(always_include_tags))


def overrides(uow: UnitOfWork, incident_id: int) -> dict[int, Override]:
    latest: dict[int, Override] = {}
    for change in uow.contacts.audience_changes(incident_id):
        latest[change.contact_id] = Override(change.action, change.actor)
    return latest


def members(uow: UnitOfWork, incident: Incident, always_include_tags: list[str]) -> list[Member]:
    """The audience, sorted as ``assemble`` sorts it, with the same reasons and channels.

    The query finds the candidates by index and says, for each, which of the incident's
    regions, which always-include tags and whether type ``all`` matched. The reasons and the
    channel then come from the rules once per distinct combination (a large directory has few),
    not once per contact; the rules stay the one statement of both (tests compare the two).
    """
    scope = scope_of(incident, always_include_tags)
    changes = overrides(uow, incident.id)
    regions = [*scope.regions, NATIONAL]
    rows = uow.contacts.audience_candidates(regions=regions, incident_type=incident.type,
                                            tags=list(scope.always_include_tags),
                                            incident_id=incident.id)
    found = _Matcher(scope, regions).members(rows, changes)
    found.sort(key=_order)
    return found


def summary(uow: UnitOfWork, incident: Incident, found: list[Member],
            always_include_tags: list[str]) -> Summary:
    """The totals, with the warnings a coordinator needs before the first send: languages with
    no interpreter in the directory, and SMS languages whose catalog no translator reviewed."""
    return summarise(found, scope_of(incident, always_include_tags),
                     uow.contacts.interpreter_languages(), unreviewed_languages(LANGUAGES))


def change(uow: UnitOfWork, *, incident: Incident, contact: Contact, action: str, actor: str,
           now: datetime) -> None:
    if action not in (ADD, REMOVE):
        raise InvalidInput(f"Unknown audience change {action!r}: use add or remove.")
    if not contact.active and action == ADD:
        raise InvalidInput(f"{contact.name} is marked inactive in the directory; reactivate "
                           "the contact before adding them.")
    uow.contacts.add_audience_change(AudienceChange(
        incident_id=incident.id, contact_id=contact.id, action=action, actor=actor, at=now))
    audit.record(uow, at=now, actor=actor, action=f"audience.{action}", incident_id=incident.id,
                 contact_id=contact.id)


def _candidate(row) -> Candidate:
    """A row of ``audience_candidates`` (positional; lists as JSON text) as a Candidate."""
    (cid, name, organisation, org_type, language, regions, types, tags, phone, slack_id,
     consent, phone_status, active, home_language, channel) = row[:15]
    return Candidate(cid, name, organisation, org_type, language, _tuple(regions), _tuple(types),
                     _tuple(tags), phone, slack_id, consent, phone_status, active, home_language,
                     channel)


class _Matcher:
    """Turns candidate rows into members, with the reasons and channel of each distinct
    match and reachability looked up rather than worked out again."""

    def __init__(self, scope: Scope, regions: list[str]):
        self._scope, self._regions = scope, regions
        self._reasons: dict[tuple, tuple[str, ...]] = {}
        self._channels: dict[tuple, str] = {}

    def members(self, rows, changes: dict[int, Override]) -> list[Member]:
        found: list[Member] = []
        keep = found.append
        for row in rows:
            contact = _candidate(row)
            reasons = self._reasons.get(row[15:17])
            if reasons is None:
                reasons = self._reasons_of(*row[15:17])
            change = changes.get(contact.id) if changes else None
            if change is not None and change.action == REMOVE:
                continue
            if change is not None and change.action == ADD:
                reasons += (f"added by <@{change.actor}>",)
            if reasons:
                reach = (contact.channel, bool(contact.slack_user_id), bool(contact.phone),
                         contact.phone_status, contact.sms_consent)
                channel = self._channels.get(reach) or self._channel_of(reach, contact)
                keep(_new(Member, (contact, channel, reasons)))
        return found

    def _reasons_of(self, area: int, tagged: int) -> tuple[str, ...]:
        """``reasons_for`` given only what matched: the served regions (national among them),
        type ``all`` or the incident's, the always-include tags carried."""
        scope, kinds = self._scope, len(self._regions)
        served = tuple(r for i, r in enumerate(self._regions) if area >> i & 1)
        types = (ALL_TYPES,) if area >> kinds & 1 else (scope.incident_type,)
        tags = tuple(t for i, t in enumerate(scope.always_include_tags) if tagged >> i & 1)
        reasons = directory_reasons(served, types, tags, scope)
        self._reasons[area, tagged] = reasons
        return reasons

    def _channel_of(self, reach: tuple, contact: Candidate) -> str:
        channel = self._channels[reach] = channel_for(contact)
        return channel


def _order(member: Member) -> tuple[str, str, int]:
    contact = member.contact
    return contact.organisation.lower(), contact.name.lower(), contact.id


_new = tuple.__new__  # a Member from a ready tuple, without NamedTuple's keyword handling


@functools.lru_cache(maxsize=4096)
def _tuple(json_list: str | None) -> tuple[str, ...]:
    return tuple(json.loads(json_list)) if json_list else ()
