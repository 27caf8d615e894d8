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
    assemble,
    summarise,
)
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
    scope = scope_of(incident, always_include_tags)
    changes = overrides(uow, incident.id)
    rows = uow.contacts.audience_candidates(
        regions=[*incident.regions, NATIONAL], incident_type=incident.type,
        tags=list(scope.always_include_tags),
        extra_ids=[cid for cid, o in changes.items() if o.action == ADD])
    return assemble((_candidate(row) for row in rows), scope, changes)


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
     consent, phone_status, active, home_language, channel) = row
    return Candidate(cid, name, organisation, org_type, language, _tuple(regions), _tuple(types),
                     _tuple(tags), phone, slack_id, consent, phone_status, active, home_language,
                     channel)


@functools.lru_cache(maxsize=4096)
def _tuple(json_list: str | None) -> tuple[str, ...]:
    return tuple(json.loads(json_list)) if json_list else ()
