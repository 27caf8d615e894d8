"""Incident use cases: declare, find, list, update, edit the facts, close, reopen.

The pinned summary (the card) is edited through the outbox whenever the facts or the status
change: one ``slack.incident_card`` row per incident version (``incident-card:{id}:v{n}``, n
counting the incident's audit events), rendered from the incident as it is when it is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.calls.service import calls as call_service
from bot.config import Settings
from bot.db.models import Call, Incident, TimelineEntry
from bot.db.unit_of_work import UnitOfWork
from bot.dispatch.grammar import SUBCOMMANDS
from bot.errors import InvalidInput, NotFound
from bot.incidents import blocks as incident_blocks
from bot.incidents.rules import (
    IncidentChanges,
    IncidentDraft,
    Status,
    check_transition,
    format_key,
)
from bot.outbox.kinds import Kind
from bot.outbox.queue import enqueue
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


def edit(uow: UnitOfWork, *, actor: str, by: str, incident: Incident, changes: IncidentChanges,
         now: datetime) -> list[tuple[str, object, object]]:
    """Applies the facts that differ; returns ``(field, old, new)`` for each.

    Raises (and changes nothing) when no asked fact differs from the incident's. The change is
    kept in the timeline and the audit trail, announced in the channel, and the card edited.
    """
    changed = [(field, _fact(incident, field), _stored(new))
               for field, new in changes.asked().items() if _stored(new) != _fact(incident, field)]
    if not changed:
        raise InvalidInput(f"Nothing to change: {incident.key} already has those facts.",
                           SUBCOMMANDS["edit"].example)
    for field, _, new in changed:
        setattr(incident, field, new)
    text = "; ".join(incident_blocks.change_lines(changed))
    uow.session.add(TimelineEntry(incident=incident, author=actor, text=text, created_at=now))
    audit.record(uow, at=now, actor=actor, action="incident.edited", incident_id=incident.id,
                 changes={field: [old, new] for field, old, new in changed})
    version = _version(uow, incident)
    _post_to_channel(uow, incident, key=f"incident-edit:{incident.id}:v{version}",
                     purpose="incident_edit", now=now,
                     text=incident_blocks.facts_change_post(incident, changed, by))
    _refresh_card(uow, incident, version, now)
    return changed


def close(uow: UnitOfWork, *, actor: str, by: str, incident: Incident, now: datetime,
          settings: Settings) -> list[Call]:
    """Closes the incident and cancels its upcoming calls (their reminders with them); returns
    the calls cancelled. Each call's invitees are told once, by the calls service."""
    check_transition(Status(incident.status), Status.CLOSED, incident.key)
    incident.status = Status.CLOSED.value
    incident.closed_at = now
    cancelled = [call for call in uow.calls.for_incident(incident.id, include_past=False, now=now)
                 if call.status == "scheduled"]
    for call in cancelled:
        call_service.cancel(uow, incident=incident, call=call, actor=actor, now=now,
                            settings=settings)
    _change_status(uow, actor=actor, by=by, incident=incident, now=now, zone=settings.timezone,
                   closed=True, cancelled=cancelled)
    return cancelled


def reopen(uow: UnitOfWork, *, actor: str, by: str, incident: Incident, now: datetime,
           zone: str) -> None:
    check_transition(Status(incident.status), Status.ACTIVE, incident.key)
    incident.status = Status.ACTIVE.value
    _change_status(uow, actor=actor, by=by, incident=incident, now=now, zone=zone, closed=False)


def recent_updates(incident: Incident, count: int = 5) -> list[TimelineEntry]:
    return list(incident.timeline[-count:])


def _change_status(uow: UnitOfWork, *, actor: str, by: str, incident: Incident, now: datetime,
                   zone: str, closed: bool, cancelled: Sequence[Call] = ()) -> None:
    action = "incident.closed" if closed else "incident.reopened"
    audit.record(uow, at=now, actor=actor, action=action, incident_id=incident.id,
                 **({"cancelled_calls": [c.id for c in cancelled]} if closed else {}))
    sequence = _version(uow, incident)
    _post_to_channel(uow, incident, key=f"{action}:{incident.id}:{sequence}", purpose=action,
                     text=incident_blocks.status_change_post(incident, by, zone, closed=closed,
                                                             cancelled=cancelled),
                     now=now)
    _refresh_card(uow, incident, sequence, now)


def _version(uow: UnitOfWork, incident: Incident) -> int:
    """The incident's version: how many audit events it has (each change records one)."""
    uow.session.flush()
    return len(uow.audit.list(incident_id=incident.id))


def _refresh_card(uow: UnitOfWork, incident: Incident, version: int, now: datetime) -> None:
    """Queues the edit of the pinned summary; it waits for the summary's first post."""
    enqueue(uow, key=f"incident-card:{incident.id}:v{version}", kind=Kind.INCIDENT_CARD,
            purpose="incident_card", now=now, incident_id=incident.id,
            payload={"incident_id": incident.id})


def _fact(incident: Incident, field: str) -> object:
    value = getattr(incident, field)
    return list(value) if field == "regions" else value


def _stored(value: object) -> object:
    """A changed fact as the incident stores it (enums as their value, regions as a list)."""
    if isinstance(value, tuple):
        return list(value)
    return str(value.value) if hasattr(value, "value") else value


def _post_to_channel(uow: UnitOfWork, incident: Incident, *, key: str, purpose: str, text: str,
                     now: datetime, blocks: list[dict] | None = None, pin: bool = False,
                     channel: str | None = None) -> None:
    """Queues a post to ``channel`` or, if none is given, to the incident's own channel.

    The incident's channel may not exist yet; the sender then waits for it.
    """
    enqueue(uow, key=key, kind=Kind.POST, purpose=purpose, now=now, incident_id=incident.id,
            recipient=channel or incident.channel_id,
            payload={"channel": channel, "text": text, "blocks": blocks, "pin": pin})
