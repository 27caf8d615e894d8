"""``/incident action …``, ``/incident actions …``, the "Make action item" shortcut and buttons."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.actions import blocks as action_blocks
from bot.actions import service as actions
from bot.actions.rules import ADD, DONE, DUE, REASSIGN, mention, parse_action, parse_filter
from bot.actions.service import Owner
from bot.calls.rules.when import parse_when
from bot.dispatch.grammar import SUBCOMMANDS, Invocation
from bot.dispatch.reply import Reply
from bot.errors import InvalidInput, NotFound, PermissionDenied
from bot.incidents import service as incidents

if TYPE_CHECKING:
    from bot.bootstrap import Container


class ActionCommands:
    def __init__(self, container: Container):
        self._c = container

    def run(self, invocation: Invocation, *, user: str, channel: str | None) -> Reply:
        request = parse_action(invocation.text)
        if request.verb != DONE:
            self._c.roles.require("coordinator", user, "add or change action items")
        # Only dates need the person's time zone (a Slack call): done and reassign do not.
        zone = self._zone(user) if request.due else self._c.settings.timezone
        now = self._c.clock.now()
        due_at = _due(request.due, now, zone) if request.due else None
        mentioned = self._slack_owner(request.owner) if request.owner else None
        with self._c.db.unit_of_work() as uow:
            incident = self._incident(uow, invocation.key, channel, "action")
            owner = mentioned or (self._directory_owner(uow, request.owner) if request.owner
                                  else None)
            if request.verb == ADD:
                item = actions.add(uow, incident=incident, owner=owner, text=request.text,
                                   due_at=due_at, actor=user, now=now, settings=self._c.settings)
                reply = (f"Added *A-{item.number}* for {owner.label}"
                         f"{', ' + action_blocks.due_text(item, zone) if due_at else ''}. "
                         "It is posted in the incident channel"
                         f"{self._told(owner)}.")
            else:
                item = actions.find(uow, incident, request.number)
                reply = self._change(uow, item, request.verb, owner, due_at, user, zone)
            uow.commit()
        self._c.wakeup.notify()
        return Reply(reply)

    def list(self, invocation: Invocation, *, user: str, channel: str | None) -> Reply:
        which = parse_filter(invocation.text)
        now = self._c.clock.now()
        with self._c.db.unit_of_work(read_only=True) as uow:
            incident = self._incident(uow, invocation.key, channel, "actions")
            items = uow.actions.for_incident(incident.id,
                                             status=None if which == "all" else actions.OPEN)
            if which == "mine":
                items = [i for i in items if actions.owned_by_user(uow, i, user)]
            return Reply(action_blocks.listing(incident.key, items, which, self._zone(user), now))

    def add_from_message(self, channel: str, message_ts: str, text: str, owner: str, due: str,
                         *, user: str) -> Reply:
        """The "Make action item" shortcut, once its form is submitted."""
        self._c.roles.require("coordinator", user, "add action items")
        now = self._c.clock.now()
        due_at = _due(due, now, self._zone(user)) if due.strip() else None
        mentioned = self._slack_owner(owner)
        with self._c.db.unit_of_work() as uow:
            incident = uow.incidents.by_channel(channel)
            if incident is None:
                raise NotFound("Action items are made from messages in an incident's channel; "
                               "this channel belongs to no incident.")
            resolved = mentioned or self._directory_owner(uow, owner)
            item = actions.add(uow, incident=incident, owner=resolved, text=text, due_at=due_at,
                               actor=user, now=now, settings=self._c.settings, source="message",
                               source_ts=message_ts)
            uow.commit()
        self._c.wakeup.notify()
        return Reply(f"Added *A-{item.number}* for {resolved.label}{self._told(resolved)}.")

    def done_by_id(self, action_id: int, *, user: str) -> Reply:
        with self._c.db.unit_of_work() as uow:
            item = self._item(uow, action_id)
            reply = self._change(uow, item, DONE, None, None, user, self._c.settings.timezone)
            uow.commit()
        self._c.wakeup.notify()
        return Reply(reply)

    def reassign_by_id(self, action_id: int, owner: str, *, user: str) -> Reply:
        self._c.roles.require("coordinator", user, "reassign action items")
        mentioned = self._slack_owner(owner)
        with self._c.db.unit_of_work() as uow:
            item = self._item(uow, action_id)
            resolved = mentioned or self._directory_owner(uow, owner)
            reply = self._change(uow, item, REASSIGN, resolved, None, user,
                                 self._c.settings.timezone)
            uow.commit()
        self._c.wakeup.notify()
        return Reply(reply)

    def _change(self, uow, item, verb: str, owner: Owner | None, due_at, user: str,
                zone: str) -> str:
        now, settings = self._c.clock.now(), self._c.settings
        label = action_blocks.label(item)
        if verb == DONE:
            if not (self._c.roles.has("coordinator", user) or actions.owned_by_user(uow, item, user)):
                raise PermissionDenied(f"Only {label}'s owner or a coordinator can mark it done.")
            changed = actions.done(uow, item=item, actor=user, now=now)
            return f"{label} is done." if changed else f"{label} was already done."
        if verb == REASSIGN:
            actions.reassign(uow, item=item, owner=owner, actor=user, now=now, settings=settings)
            return f"{label} now belongs to {owner.label}{self._told(owner)}."
        if verb == DUE:
            actions.set_due(uow, item=item, due_at=due_at, actor=user, now=now, settings=settings)
            return f"{label} is now {action_blocks.due_text(item, zone)}."
        raise AssertionError(verb)

    def _slack_owner(self, reference: str) -> Owner | None:
        """A Slack user named as ``<@U…>`` or ``@name`` (looked up before any transaction)."""
        named = mention(reference)
        if named is None:
            return None
        if named.user_id:
            return actions.slack_owner(named.user_id,
                                       named.name or self._c.slack.user_name(named.user_id))
        user_id = self._c.slack.find_user(named.name)
        if user_id is None:
            raise NotFound(f"No Slack user is called @{named.name}. Pick them from Slack's "
                           "@-mention list, or name a contact or an organisation.")
        return actions.slack_owner(user_id, self._c.slack.user_name(user_id) or named.name)

    def _directory_owner(self, uow, reference: str) -> Owner:
        return actions.directory_owner(uow, reference,
                                       default_region=self._c.settings.directory.default_region)

    @staticmethod
    def _told(owner: Owner) -> str:
        return {actions.SLACK: "; they get a direct message",
                actions.CONTACT: "; they get an SMS in their language (or a Slack message)",
                }.get(owner.kind, "")

    def _item(self, uow, action_id: int):
        item = uow.actions.get(action_id)
        if item is None:
            raise NotFound("That action item no longer exists.")
        return item

    def _incident(self, uow, key: str | None, channel: str | None, name: str):
        return incidents.find(uow, key=key, channel_id=channel, example=SUBCOMMANDS[name].example)

    def _zone(self, user: str) -> str:
        return self._c.slack.user_timezone(user) or self._c.settings.timezone


def _due(text: str, now, zone: str):
    try:
        return parse_when(text, now=now, default_zone=zone)
    except InvalidInput as error:
        problem = error.problem.replace("Say when the call starts.", "Say when it is due.")
        raise InvalidInput(f"Due date: {problem}", "/incident action due 3 friday 5pm") from None
