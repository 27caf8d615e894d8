"""Incident use cases: declare, find, list, update, close, reopen."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.db.models import Incident, TimelineEntry
from bot.db.unit_of_work import UnitOfWork
from bot.dispatch.grammar import SUBCOMMANDS
from bot.errors import InvalidInput, NotFound
from bot.incidents import blocks as incident_blocks
from bot.incidents.rules import IncidentDraft, Status, check_transition, format_key
from bot.outbox.kinds import Kind
from bot.outbox.worker import enqueue
from bot.records import audit


def declare(uow: UnitOfWork, *, actor: str, draft: IncidentDraft, now: datetime) -> Incident:
    """Creates the incident and queues the creation of its channel."""
    year = now.year
    number = uow.incidents.next_number(year)
    incident = Incident(
        key=format_key(year, number), year=year, number=number, type=draft.type.value,
        title=draft.title.strip(),
        regions=list(draft.regions), severity=draft.severity.value, summary=draft.summary,
        status=Status.ACTIVE.value, declared_by=actor, declared_at=now,
    )
    uow.incidents.add(incident)
    audit.record(uow, at=now, actor=actor, action="incident.declared", incident_id=incident.id,
                 key=incident.key, type=incident.type, title=incident.title,
                 regions=incident.regions, severity=incident.severity)
    enqueue(uow, key=provision_key(incident.id), kind=Kind.PROVISION_CHANNEL, purpose="incident_channel",
            payload={"incident_id": incident.id}, now=now, incident_id=incident.id)
    return incident


def provision_key(incident_id: int) -> str:
    """The outbox key of the creation of the incident's channel."""
    return f"provision:{incident_id}"


def update_key(entry_id: int) -> str:
    """The outbox key of a timeline entry's post in the incident channel."""
    return f"update:{entry_id}"


def find(uow: UnitOfWork, *, key: str | None, channel_id: str | None, example: str) -> Incident:
    """The incident named by ``key``, or else the one whose channel this is."""
    if key:
        incident = uow.incidents.by_key(key)
        if incident is None:
            raise NotFound(f"There is no incident {key}. `/incident list all` shows them all.")
        return incident
    incident = uow.incidents.by_channel(channel_id) if channel_id else None
    if incident is None:
        raise InvalidInput("This channel is not an incident channel: name the incident.", example)
    return incident


def list_incidents(uow: UnitOfWork, *, which: str = "active") -> Sequence[Incident]:
    return uow.incidents.list(status=None if which == "all" else which)


def add_update(uow: UnitOfWork, *, actor: str, incident: Incident, text: str, now: datetime,
               zone: str) -> TimelineEntry:
    text = text.strip()
    if not text:
        raise InvalidInput("Say what the update is.", SUBCOMMANDS["update"].example)
    if len(text) > 3000:
        raise InvalidInput("The update is too long: keep it under 3,000 characters.")
    entry = TimelineEntry(incident=incident, author=actor, text=text, created_at=now)
    uow.session.add(entry)
    uow.session.flush()
    audit.record(uow, at=now, actor=actor, action="incident.updated", incident_id=incident.id,
                 entry_id=entry.id, text=text)
    _post_to_channel(uow, incident, key=update_key(entry.id), purpose="timeline_update",
                     text=incident_blocks.update_post(incident, entry, zone), now=now)
    return entry


def close(uow: UnitOfWork, *, actor: str, incident: Incident, now: datetime, zone: str) -> None:
    check_transition(Status(incident.status), Status.CLOSED, incident.key)
    incident.status = Status.CLOSED.value
    incident.closed_at = now
    _change_status(uow, actor=actor, incident=incident, now=now, zone=zone, closed=True)


def reopen(uow: UnitOfWork, *, actor: str, incident: Incident, now: datetime, zone: str) -> None:
    check_transition(Status(incident.status), Status.ACTIVE, incident.key)
    incident.status = Status.ACTIVE.value
    _change_status(uow, actor=actor, incident=incident, now=now, zone=zone, closed=False)


def recent_updates(incident: Incident, count: int = 5) -> list[TimelineEntry]:
    return list(incident.timeline[-count:])


def _change_status(uow: UnitOfWork, *, actor: str, incident: Incident, now: datetime,
                   zone: str, closed: bool) -> None:
    action = "incident.closed" if closed else "incident.reopened"
    audit.record(uow, at=now, actor=actor, action=action, incident_id=incident.id)
    uow.session.flush()
    sequence = len(uow.audit.list(incident_id=incident.id))
    _post_to_channel(uow, incident, key=f"{action}:{incident.id}:{sequence}", purpose=action,
                     text=incident_blocks.status_change_post(incident, actor, zone, closed=closed),
                     now=now)


def _post_to_channel(uow: UnitOfWork, incident: Incident, *, key: str, purpose: str, text: str,
                     now: datetime, blocks: list[dict] | None = None, pin: bool = False,
                     channel: str | None = None) -> None:
    """Queues a post to ``channel`` or, if none is given, to the incident's own channel.

    The incident's channel may not exist yet; the sender then waits for it.
    """
    enqueue(uow, key=key, kind=Kind.POST, purpose=purpose, now=now, incident_id=incident.id,
            recipient=channel or incident.channel_id,
            payload={"channel": channel, "text": text, "blocks": blocks, "pin": pin})
