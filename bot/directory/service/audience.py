"""An incident's audience: the directory query, the rules, and coordinators' changes."""

from __future__ import annotations

import contextlib
import functools
import gc
import json
from collections.abc import Iterator
from datetime import datetime

from bot.db.models import AudienceChange, Contact, Incident
from bot.db.reach import read_profile
from bot.db.unit_of_work import UnitOfWork
from bot.directory.rules.audience import (
    ADD,
    REMOVE,
    Candidate,
    Member,
    Override,
    Scope,
    Summary,
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

    The query finds the candidates by index, in the directory's order, and says for each entry
    which of the incident's regions, whether type ``all`` and which always-include tags
    matched, and the channel (the query's copy of ``channel_of``). The reasons come from the
    rules once per distinct match (a large directory has few), not once per contact; tests
    compare the query's channels and reasons with the rules'.
    """
    scope = scope_of(incident, always_include_tags)
    changes = overrides(uow, incident.id)
    regions = [*scope.regions, NATIONAL]
    with _no_collection():
        rows, matches = uow.contacts.audience_candidates(
            regions=regions, incident_type=incident.type, tags=list(scope.always_include_tags),
            incident_id=incident.id)
        return _Matcher(scope, regions).members(rows, matches, changes)


@contextlib.contextmanager
def _no_collection() -> Iterator[None]:
    """Python's cyclic garbage collector paused while the rows and members are made.

    They are tuples of strings and numbers (no cycles to find), but making a few hundred
    thousand of them set off collections that walked the whole growing heap: a third of the
    call's CPU with 15,000 members. The collector is left as it was found (a caller, or
    another thread in such a call, may have paused it).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def names(uow: UnitOfWork, found: list[Member]) -> dict[int, tuple[str, str]]:
    """The name and organisation of each of ``found``, for the members a page or a file shows."""
    return uow.contacts.names(m.id for m in found)


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
    """A row of every contact's columns (positional; lists as JSON text) as a Candidate."""
    (cid, name, organisation, org_type, language, regions, types, tags, phone, slack_id,
     consent, phone_status, active, home_language, channel) = row
    return Candidate(cid, name, organisation, org_type, language, _tuple(regions), _tuple(types),
                     _tuple(tags), phone, slack_id, consent, phone_status, active, home_language,
                     channel)


class _Matcher:
    """Turns candidate rows into members, with the reasons of each distinct match, and each
    distinct profile and list of regions, looked up rather than worked out again."""

    def __init__(self, scope: Scope, regions: list[str]):
        self._scope, self._regions = scope, regions
        self._reasons: dict[int, tuple[str, ...]] = {}

    def members(self, rows, matches: list[int], changes: dict[int, Override]) -> list[Member]:
        found: list[Member] = []
        keep, known = found.append, self._reasons.get
        last, last_matched, kept = None, 0, False
        for cid, phone, profile, regions, part, _ in rows:
            matched = matches[part]
            if cid == last:  # another entry of the contact just seen: together, one match
                matched |= last_matched
                if kept:
                    found.pop()
            last, last_matched, kept = cid, matched, False
            reasons = known(matched)
            if reasons is None:
                reasons = self._reasons_of(matched)
            change = changes.get(cid) if changes else None
            if change is not None:
                if change.action == REMOVE:
                    continue
                if change.action == ADD:
                    reasons += (f"added by <@{change.actor}>",)
            if reasons:
                language, spoken, org_type, channel = read_profile(profile)
                keep(_new(Member, (cid, channel, reasons, language, spoken, phone, org_type,
                                   _tuple(regions))))
                kept = True
        return found

    def _reasons_of(self, matched: int) -> tuple[str, ...]:
        """``reasons_for`` given only what matched: the served regions (national among them),
        type ``all`` or the incident's, the always-include tags carried."""
        scope, kinds = self._scope, len(self._regions)
        served = tuple(r for i, r in enumerate(self._regions) if matched >> i & 1)
        types = (ALL_TYPES,) if matched >> kinds & 1 else (scope.incident_type,)
        tags = tuple(t for i, t in enumerate(scope.always_include_tags)
                     if matched >> (kinds + 1 + i) & 1)
        reasons = directory_reasons(served, types, tags, scope)
        self._reasons[matched] = reasons
        return reasons


_new = tuple.__new__  # a Member from a ready tuple, without NamedTuple's keyword handling


@functools.lru_cache(maxsize=16384)
def _tuple(json_list: str | None) -> tuple[str, ...]:
    return tuple(json.loads(json_list)) if json_list else ()
