"""What each action-item command does; the dispatcher runs them (role, transaction, reply).

Slack owners (``<@U…>``, ``@name``), their names and time zones and the user's time zone are
looked up before the transaction; directory owners (a contact, an organisation) inside it. A due
date without a time ("due thursday") is the end of that day on the owner's clocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.actions import blocks as action_blocks
from bot.actions import service as actions
from bot.actions.commands import (
    AddAction,
    AddActionFromMessage,
    AddActionFromSuggestion,
    ListActions,
    MarkActionDone,
    MarkActionDoneById,
    ReassignAction,
    ReassignActionById,
    SetActionDue,
)
from bot.actions.rules import DUE_EXAMPLE, mention, parse_due
from bot.actions.service import Owner
from bot.directory.service import people
from bot.dispatch.dispatcher import Actor, Context, Ports, Route
from bot.dispatch.reply import Reply, queued
from bot.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from bot.incidents import service as incidents
from bot.incidents.where import incident_for as find
from bot.notes.service import suggestion_review
from bot.slack_ui.text import escape


@dataclass(frozen=True)
class Asked:
    zone: str
    due: str = ""
    slack_owner: Owner | None = None
    slack_owner_zone: str | None = None  # the Slack owner's zone, when a due date needs it


def _ask(command, actor: Actor, ports: Ports) -> Asked:
    """Only dates need time zones (Slack calls): done and reassign do not."""
    due = (getattr(command, "due", "") or "").strip()
    zone = ports.zone_of(actor.user) if due else ports.settings.timezone
    owner = getattr(command, "owner", None)
    slack_owner = _slack_owner(owner, ports) if owner else None
    owner_user = slack_owner.ref if slack_owner else _slack_owner_of_item(command, actor, ports)
    owner_zone = ports.zone_of(owner_user) if due and owner_user else None
    return Asked(zone, due, slack_owner, owner_zone)


def _ask_zone(command, actor: Actor, ports: Ports) -> Asked:
    return Asked(ports.zone_of(actor.user))


def _slack_owner_of_item(command, actor: Actor, ports: Ports) -> str | None:
    """For a new due date: the Slack user who owns the item already, if one does (an unknown
    incident or item is the flow's to report)."""
    if not isinstance(command, SetActionDue):
        return None
    with ports.db.unit_of_work(read_only=True) as uow:
        try:
            incident = incidents.find(uow, key=command.key, channel_id=actor.channel, example="")
        except DomainError:
            return None
        item = uow.actions.by_number(incident.id, command.number)
        return item.owner_ref if item is not None and item.owner_kind == actions.SLACK else None


def _due_at(context: Context, owner_kind: str, owner_ref: str) -> datetime | None:
    """The due instant the command asked for, read as the module docstring says."""
    asked = context.prepared
    if not asked.due:
        return None
    settings = context.settings
    owner_zone = (asked.slack_owner_zone if owner_kind == actions.SLACK
                  else _contact_zone(context, owner_ref) if owner_kind == actions.CONTACT
                  else None) or asked.zone
    try:
        return parse_due(asked.due, now=context.now, zone=asked.zone, owner_zone=owner_zone,
                         end_of_day=settings.actions.default_due_time)
    except InvalidInput as error:
        problem = error.problem.replace("Say when the call starts.", "Say when it is due.")
        raise InvalidInput(f"Due date: {problem}", DUE_EXAMPLE) from None


def _contact_zone(context: Context, contact_id: str) -> str | None:
    contact = context.uow.contacts.get(int(contact_id))
    return contact.timezone if contact is not None else None


def _slack_owner(reference: str, ports: Ports) -> Owner | None:
    """A Slack user named as ``<@U…>`` or ``@name``, with their one display name (Slack's
    profile name; the mention's label only when Slack has none); None for other owners."""
    named = mention(reference)
    if named is None:
        return None
    user_id = named.user_id or ports.slack.find_user(named.name)
    if user_id is None:
        raise NotFound(f"No Slack user is called @{named.name}. Pick them from Slack's "
                       "@-mention list, or name a contact or an organisation.")
    return actions.slack_owner(user_id, ports.name_of(user_id))


def _owner(context: Context, reference: str) -> Owner:
    """The owner named. A Slack user is named as Slack shows them (the name is kept for later
    documents); one Slack has no name for, as the directory knows them, else by the label they
    were mentioned with."""
    owner = context.prepared.slack_owner
    if owner is None:
        return actions.directory_owner(context.uow, reference,
                                       default_region=context.settings.directory.default_region)
    if owner.label != owner.ref:
        people.remember(context.uow, owner.ref, owner.label, context.now)
        return owner
    known = people.name_of(context.uow, owner.ref)
    named = mention(reference)
    label = known if known != owner.ref else (named.name if named else None)
    return actions.slack_owner(owner.ref, label)


def _told(owner: Owner) -> str:
    return {actions.SLACK: "; a direct message to them is queued",
            actions.CONTACT: "; an SMS to them in their language (or a Slack message) is queued",
            }.get(owner.kind, "")


def add(command: AddAction, context: Context) -> Reply:
    incident = find(context, command.key, "action")
    owner, asked = _owner(context, command.owner), context.prepared
    due_at = _due_at(context, owner.kind, owner.ref)
    item = actions.add(context.uow, incident=incident, owner=owner, text=command.text,
                       due_at=due_at, actor=context.user, now=context.now,
                       settings=context.settings)
    due = f", {action_blocks.due_text(item, asked.zone)}" if due_at else ""
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
                       due_at=_due_at(context, owner.kind, owner.ref), actor=context.user,
                       now=context.now, settings=context.settings, source="message",
                       source_ts=command.message_ts)
    return _added(item, f"Added *A-{item.number}* for {escape(owner.label)}{_told(owner)}.",
                  incident)


def add_from_suggestion(command: AddActionFromSuggestion, context: Context) -> Reply:
    """A reviewer accepted a suggestion from a call's transcript as an action item: one item,
    however often the form is sent (the suggestion is decided once)."""
    def create(suggestion, incident):
        owner = _owner(context, command.owner)
        return actions.add(context.uow, incident=incident, owner=owner,
                           text=command.text or suggestion.text,
                           due_at=_due_at(context, owner.kind, owner.ref), actor=context.user,
                           now=context.now, settings=context.settings, source="transcript",
                           source_ts=f"suggestion:{suggestion.id}")

    item = suggestion_review.accept_as_action(
        context.uow, suggestion_id=command.suggestion_id, actor=context.user,
        roles=context.ports.roles, now=context.now, settings=context.settings, create=create)
    incident = context.uow.incidents.get(item.incident_id)
    return _added(item, f"Accepted as *A-{item.number}* for {escape(item.owner_label)}"
                        f"{_told(actions.Owner(item.owner_kind, item.owner_ref, item.owner_label))};"
                        " it is in the notes' action items, with your name.", incident)


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
    due_at = _due_at(context, item.owner_kind, item.owner_ref)
    actions.set_due(context.uow, item=item, due_at=due_at, actor=context.user, now=context.now,
                    settings=context.settings)
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
    Route(AddActionFromSuggestion, add_from_suggestion, before=_ask),
    Route(MarkActionDone, done),
    Route(MarkActionDoneById, done_by_id),
    Route(ReassignAction, reassign, "coordinator", CHANGE, before=_ask),
    Route(ReassignActionById, reassign_by_id, "coordinator", "reassign action items", before=_ask),
    Route(SetActionDue, set_due, "coordinator", CHANGE, before=_ask),
    Route(ListActions, list_actions, read_only=True, before=_ask_zone),
)
