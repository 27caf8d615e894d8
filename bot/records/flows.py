"""``/incident audit``: the trail read back in Slack, for coordinators and officials only; and
``/incident hold``: an incident's legal hold, for officials.

Times are shown in the reader's Slack time zone, looked up before the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.dispatch.dispatcher import Actor, Context, Ports, Route
from bot.dispatch.reply import Reply
from bot.errors import PermissionDenied
from bot.incidents.where import incident_for
from bot.records import service as records
from bot.records import text as audit_text
from bot.records.commands import SetLegalHold, ShowAudit

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


def hold(command: SetLegalHold, context: Context) -> Reply:
    incident = incident_for(context, command.key, "hold")
    changed = records.set_legal_hold(context.uow, incident, hold=command.hold, actor=context.user,
                                     now=context.now)
    state = "on legal hold" if command.hold else "released from legal hold"
    if not changed:
        return Reply(f"{incident.key} is already on legal hold." if command.hold else
                     f"{incident.key} is not on legal hold.")
    what = ("nothing of it will be purged or redacted until an official releases it"
            if command.hold else "retention applies to it again")
    return Reply(f"{incident.key} is {state}: {what}. Recorded in the audit trail.")


ROUTES = (
    Route(ShowAudit, show, read_only=True, before=_allowed_reader),
    Route(SetLegalHold, hold, "official", "put an incident on legal hold or release it"),
)
