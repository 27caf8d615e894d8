"""What each action-item command does; the dispatcher runs them (role, transaction, reply).

Slack owners (``<@U…>``, ``@name``) and the user's time zone are looked up before the
transaction; directory owners (a contact, an organisation) inside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.actions import blocks as action_blocks
from bot.actions import service as actions
from bot.actions.commands import (
    AddAction,
    AddActionFromMessage,
    ListActions,
    MarkActionDone,
    MarkActionDoneById,
    ReassignAction,
    ReassignActionById,
    SetActionDue,
)
from bot.actions.rules import mention
from bot.actions.service import Owner
from bot.calls.rules.when import parse_when
from bot.dispatch.dispatcher import Actor, Context, Ports, Route
from bot.dispatch.reply import Reply, queued
from bot.errors import InvalidInput, NotFound, PermissionDenied
from bot.incidents.where import incident_for as find
from bot.slack_ui.text import escape


@dataclass(frozen=True)
class Asked:
    zone: str
    due_at: datetime | None = None
    slack_owner: Owner | None = None


def _ask(command, actor: Actor, ports: Ports) -> Asked:
    """Only dates need the person's time zone (a Slack call): done and reassign do not."""
    due = getattr(command, "due", "")
    zone = ports.zone_of(actor.user) if due.strip() else ports.settings.timezone
    due_at = _due(due, ports.clock.now(), zone) if due.strip() else None
    owner = getattr(command, "owner", None)
    return Asked(zone, due_at, _slack_owner(owner, ports) if owner else None)


def _ask_zone(command, actor: Actor, ports: Ports) -> Asked:
    return Asked(ports.zone_of(actor.user))


def _due(text: str, now: datetime, zone: str) -> datetime:
    try:
        return parse_when(text, now=now, default_zone=zone)
    except InvalidInput as error:
        problem = error.problem.replace("Say when the call starts.", "Say when it is due.")
        raise InvalidInput(f"Due date: {problem}", "/incident action due 3 friday 5pm") from None


def _slack_owner(reference: str, ports: Ports) -> Owner | None:
    """A Slack user named as ``<@U…>`` or ``@name``; None for any other kind of owner."""
    named = mention(reference)
    if named is None:
        return None
    slack = ports.slack
    if named.user_id:
        return actions.slack_owner(named.user_id, named.name or slack.user_name(named.user_id))
    user_id = slack.find_user(named.name)
    if user_id is None:
        raise NotFound(f"No Slack user is called @{named.name}. Pick them from Slack's "
                       "@-mention list, or name a contact or an organisation.")
    return actions.slack_owner(user_id, slack.user_name(user_id) or named.name)


def _owner(context: Context, reference: str) -> Owner:
    return context.prepared.slack_owner or actions.directory_owner(
        context.uow, reference, default_region=context.settings.directory.default_region)


def _told(owner: Owner) -> str:
    return {actions.SLACK: "; a direct message to them is queued",
            actions.CONTACT: "; an SMS to them in their language (or a Slack message) is queued",
            }.get(owner.kind, "")


def add(command: AddAction, context: Context) -> Reply:
    incident = find(context, command.key, "action")
    owner, asked = _owner(context, command.owner), context.prepared
    item = actions.add(context.uow, incident=incident, owner=owner, text=command.text,
                       due_at=asked.due_at, actor=context.user, now=context.now,
                       settings=context.settings)
    due = f", {action_blocks.due_text(item, asked.zone)}" if asked.due_at else ""
    return _added(item, f"Added *A-{item.number}* for {escape(owner.label)}{due}{_told(owner)}.",
                  incident)


def _added(item, lead: str, incident) -> Reply:
    return queued(lead, key=actions.card_key(item.id), what="its card",
                  channel=incident.channel_id)


def add_from_message(command: AddActionFromMessage, context: Context) -> Reply:
    incident = context.uow.incidents.by_channel(command.channel)
    if incident is None:
        raise NotFound("Action items are made from messages in an incident's channel; "
                       "this channel belongs to no incident.")
    owner = _owner(context, command.owner)
    item = actions.add(context.uow, incident=incident, owner=owner, text=command.text,
                       due_at=context.prepared.due_at, actor=context.user, now=context.now,
                       settings=context.settings, source="message", source_ts=command.message_ts)
    return _added(item, f"Added *A-{item.number}* for {escape(owner.label)}{_told(owner)}.",
                  incident)


def _numbered(context: Context, key: str | None, number: int):
    return actions.find(context.uow, find(context, key, "action"), number)


def _by_id(context: Context, action_id: int):
    item = context.uow.actions.get(action_id)
    if item is None:
        raise NotFound("That action item no longer exists.")
    return item


def _done(context: Context, item) -> Reply:
    label = action_blocks.label(item)
    if not (context.ports.roles.has("coordinator", context.user)
            or actions.owned_by_user(context.uow, item, context.user)):
        raise PermissionDenied(f"Only {label}'s owner or a coordinator can mark it done.")
    changed = actions.done(context.uow, item=item, actor=context.user, now=context.now)
    return Reply(f"{label} is done." if changed else f"{label} was already done.")


def done(command: MarkActionDone, context: Context) -> Reply:
    return _done(context, _numbered(context, command.key, command.number))


def done_by_id(command: MarkActionDoneById, context: Context) -> Reply:
    return _done(context, _by_id(context, command.action_id))


def _reassign(context: Context, item, reference: str) -> Reply:
    owner = _owner(context, reference)
    actions.reassign(context.uow, item=item, owner=owner, actor=context.user, now=context.now,
                     settings=context.settings)
    return Reply(f"{action_blocks.label(item)} now belongs to {escape(owner.label)}{_told(owner)}.")


def reassign(command: ReassignAction, context: Context) -> Reply:
    return _reassign(context, _numbered(context, command.key, command.number), command.owner)


def reassign_by_id(command: ReassignActionById, context: Context) -> Reply:
    return _reassign(context, _by_id(context, command.action_id), command.owner)


def set_due(command: SetActionDue, context: Context) -> Reply:
    item = _numbered(context, command.key, command.number)
    asked = context.prepared
    actions.set_due(context.uow, item=item, due_at=asked.due_at, actor=context.user,
                    now=context.now, settings=context.settings)
    return Reply(f"{action_blocks.label(item)} is now {action_blocks.due_text(item, asked.zone)}.")


def list_actions(command: ListActions, context: Context) -> Reply:
    incident = find(context, command.key, "actions")
    uow = context.uow
    items = uow.actions.for_incident(incident.id,
                                     status=None if command.which == "all" else actions.OPEN)
    if command.which == "mine":
        items = [i for i in items if actions.owned_by_user(uow, i, context.user)]
    return Reply(action_blocks.listing(incident.key, items, command.which, context.prepared.zone,
                                       context.now))


CHANGE = "add or change action items"
ROUTES = (
    Route(AddAction, add, "coordinator", CHANGE, before=_ask),
    Route(AddActionFromMessage, add_from_message, "coordinator", "add action items", before=_ask),
    Route(MarkActionDone, done),
    Route(MarkActionDoneById, done_by_id),
    Route(ReassignAction, reassign, "coordinator", CHANGE, before=_ask),
    Route(ReassignActionById, reassign_by_id, "coordinator", "reassign action items", before=_ask),
    Route(SetActionDue, set_due, "coordinator", CHANGE, before=_ask),
    Route(ListActions, list_actions, read_only=True, before=_ask_zone),
)
