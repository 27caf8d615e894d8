"""``/incident audit``: the trail read back in Slack, for coordinators and officials only.

Times are shown in the reader's Slack time zone, looked up before the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.dispatch.dispatcher import Actor, Context, Ports, Route
from bot.dispatch.reply import Reply
from bot.errors import PermissionDenied
from bot.incidents.where import incident_for
from bot.records import text as audit_text
from bot.records.commands import ShowAudit

READERS = ("coordinator", "official")


@dataclass(frozen=True)
class Asked:
    zone: str


def _allowed_reader(command: ShowAudit, actor: Actor, ports: Ports) -> Asked:
    """Either role may read (a route checks one): refused before any lookup or transaction."""
    if not any(ports.roles.has(role, actor.user) for role in READERS):
        raise PermissionDenied("Only coordinators and officials can read the audit trail. Ask "
                               "one of them, or ask an administrator to add you to "
                               "`roles.coordinators` or `roles.officials`.")
    return Asked(ports.zone_of(actor.user))


def show(command: ShowAudit, context: Context) -> Reply:
    """An incident's events when one is named or this is its channel, else the whole trail's."""
    uow = context.uow
    channel = context.actor.channel
    if command.key is None and not (channel and uow.incidents.by_channel(channel)):
        incident_id, title = None, "Audit trail (all incidents and the directory)"
    else:
        incident = incident_for(context, command.key, "audit")
        incident_id, title = incident.id, f"Audit trail of {incident.key}"
    events = uow.audit.latest(incident_id=incident_id, limit=command.last)
    total = uow.audit.count(incident_id=incident_id)
    return Reply(audit_text.trail(title, events, context.prepared.zone, total=total))


ROUTES = (Route(ShowAudit, show, read_only=True, before=_allowed_reader),)
