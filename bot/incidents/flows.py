"""What each ``/incident`` subcommand does, as one call per subcommand for the Slack handlers.

Each method checks the caller's role, runs the use case in one unit of work, commits, wakes the
outbox worker, and returns the reply to show the caller (text and optional blocks).
"""

from __future__ import annotations

from bot.bootstrap import Container
from bot.directory import blocks as audience_blocks
from bot.directory.rules.audience import ADD, REMOVE
from bot.directory.service import audience
from bot.directory.service import contacts as directory
from bot.dispatch.grammar import SUBCOMMANDS, Invocation, parse_contacts_action, parse_declare
from bot.dispatch.reply import Reply
from bot.incidents import blocks as incident_blocks
from bot.incidents import service as incidents
from bot.incidents.rules import IncidentDraft
from bot.sms import blocks as sms_blocks
from bot.sms.service import notices


class IncidentCommands:
    def __init__(self, container: Container):
        self._c = container

    @property
    def _zone(self) -> str:
        return self._c.settings.timezone

    def require_coordinator(self, user: str, doing: str) -> None:
        self._c.roles.require("coordinator", user, doing)

    def run(self, invocation: Invocation, *, user: str, channel: str | None) -> Reply:
        """Runs a parsed subcommand other than ``declare`` with no text (that opens a form)."""
        name = invocation.name
        if name == "help":
            return Reply(incident_blocks.help_text(invocation.text or None))
        if name == "list":
            return self.list(invocation.text or "active")
        if name == "declare":
            return self.declare(parse_declare(invocation.text), user=user)
        handler = {"status": self.status, "update": self.update, "close": self.ask_close,
                   "reopen": self.reopen, "contacts": self.contacts, "notify": self.notify,
                   "call": self.call, "action": self.action, "actions": self.actions,
                   "notes": self.notes}[name]
        return handler(invocation, user=user, channel=channel)

    def list(self, which: str) -> Reply:
        with self._c.db.unit_of_work(read_only=True) as uow:
            found = incidents.list_incidents(uow, which=which.lower())
            return Reply(incident_blocks.incident_list(found, which.lower(), self._zone))

    def status(self, invocation: Invocation, *, user: str, channel: str | None) -> Reply:
        with self._c.db.unit_of_work(read_only=True) as uow:
            incident = self._find(uow, invocation, channel)
            recent = incidents.recent_updates(incident)
            return Reply(incident_blocks.status(incident, recent, self._zone))

    def declare(self, draft: IncidentDraft, *, user: str) -> Reply:
        self.require_coordinator(user, "declare incidents")
        with self._c.db.unit_of_work() as uow:
            incident = incidents.declare(uow, actor=user, draft=draft, now=self._c.clock.now())
            uow.commit()
            key, title = incident.key, incident.title
        self._c.wakeup.notify()
        return Reply(f"Declared *{key}: {title}*. Its channel is being created; "
                     "you and the coordinators will be invited.")

    def update(self, invocation: Invocation, *, user: str, channel: str | None) -> Reply:
        self.require_coordinator(user, "post incident updates")
        with self._c.db.unit_of_work() as uow:
            incident = self._find(uow, invocation, channel)
            incidents.add_update(uow, actor=user, incident=incident, text=invocation.text,
                                 now=self._c.clock.now(), zone=self._zone)
            uow.commit()
            key = incident.key
        self._c.wakeup.notify()
        return Reply(f"Update added to {key} and posted to its channel.")

    def ask_close(self, invocation: Invocation, *, user: str, channel: str | None) -> Reply:
        self.require_coordinator(user, "close incidents")
        with self._c.db.unit_of_work(read_only=True) as uow:
            incident = self._find(uow, invocation, channel)
            if incident.status == "closed":
                return Reply(f"{incident.key} is already closed.")
            text, blocks = incident_blocks.close_confirmation(incident)
            return Reply(text, blocks)

    def confirm_close(self, key: str, *, user: str) -> Reply:
        self.require_coordinator(user, "close incidents")
        with self._c.db.unit_of_work() as uow:
            incident = self._find(uow, Invocation("close", key=key), None)
            incidents.close(uow, actor=user, incident=incident, now=self._c.clock.now(),
                            zone=self._zone)
            uow.commit()
        self._c.wakeup.notify()
        return Reply(f"{key} is closed. `/incident reopen {key}` reopens it.")

    def reopen(self, invocation: Invocation, *, user: str, channel: str | None) -> Reply:
        self.require_coordinator(user, "reopen incidents")
        with self._c.db.unit_of_work() as uow:
            incident = self._find(uow, invocation, channel)
            incidents.reopen(uow, actor=user, incident=incident, now=self._c.clock.now(),
                             zone=self._zone)
            uow.commit()
            key = incident.key
        self._c.wakeup.notify()
        return Reply(f"{key} is active again.")

    def contacts(self, invocation: Invocation, *, user: str, channel: str | None) -> Reply:
        action, reference = parse_contacts_action(invocation.text)
        if action in (ADD, REMOVE):
            self.require_coordinator(user, "change an incident's audience")
        tags = self._c.settings.directory.always_include_tags
        with self._c.db.unit_of_work() as uow:
            incident = self._find(uow, invocation, channel)
            if action in (ADD, REMOVE):
                contact = directory.find_contact(
                    uow, reference, default_region=self._c.settings.directory.default_region)
                audience.change(uow, incident=incident, contact=contact, action=action,
                                actor=user, now=self._c.clock.now())
                uow.commit()
                verb = "added to" if action == ADD else "removed from"
                return Reply(f"{contact.name} {verb} {incident.key}'s audience.")
            members = audience.members(uow, incident, tags)
            if action == "why":
                return self._why(uow, incident, members, reference)
            if action == "export":
                return self._export(incident, members, user=user, channel=channel)
            totals = audience.summary(uow, incident, members, tags)
            return Reply(audience_blocks.summary(incident, members, totals))

    def call(self, invocation: Invocation, *, user: str, channel: str | None) -> Reply:
        from bot.calls.flows import CallCommands

        return CallCommands(self._c).run(invocation, user=user, channel=channel)

    def action(self, invocation: Invocation, *, user: str, channel: str | None) -> Reply:
        from bot.actions.flows import ActionCommands

        return ActionCommands(self._c).run(invocation, user=user, channel=channel)

    def actions(self, invocation: Invocation, *, user: str, channel: str | None) -> Reply:
        from bot.actions.flows import ActionCommands

        return ActionCommands(self._c).list(invocation, user=user, channel=channel)

    def notes(self, invocation: Invocation, *, user: str, channel: str | None) -> Reply:
        from bot.notes.flows import NotesCommands

        return NotesCommands(self._c).run(invocation, user=user, channel=channel)

    def record_channel_message(self, channel: str, ts: str, user: str | None, text: str | None,
                               subtype: str | None = None) -> None:
        """A message in a channel (an event): kept for the call notes if it is marked."""
        from bot.notes.channel_flows import ChannelCommands

        ChannelCommands(self._c).record_channel_message(channel, ts, user, text, subtype)

    def record_reaction(self, channel: str, ts: str, reaction: str, user: str) -> None:
        from bot.notes.channel_flows import ChannelCommands

        ChannelCommands(self._c).record_reaction(channel, ts, reaction, user)

    def notify(self, invocation: Invocation, *, user: str, channel: str | None) -> Reply:
        self.require_coordinator(user, "send SMS notices")
        with self._c.db.unit_of_work() as uow:
            incident = self._find(uow, invocation, channel)
            preview = notices.create(uow, incident=incident, text=invocation.text, actor=user,
                                     now=self._c.clock.now(), settings=self._c.settings)
            uow.commit()
            key = incident.key
        self._c.wakeup.notify()
        text, blocks = sms_blocks.preview(key, preview)
        return Reply(text, blocks)

    def confirm_notice(self, notice_id: str, *, user: str) -> Reply:
        self.require_coordinator(user, "send SMS notices")
        with self._c.db.unit_of_work() as uow:
            notice = notices.confirm(uow, notice_id=int(notice_id), actor=user,
                                     now=self._c.clock.now(), settings=self._c.settings)
            uow.commit()
            recipients = notice.recipients
        self._c.wakeup.notify()
        return Reply(f"Sending the notice to {recipients} contacts. Delivery progress will "
                     "appear in the incident channel.")

    def cancel_notice(self, notice_id: str, *, user: str) -> Reply:
        self.require_coordinator(user, "send SMS notices")
        with self._c.db.unit_of_work() as uow:
            notices.cancel(uow, notice_id=int(notice_id), actor=user, now=self._c.clock.now())
            uow.commit()
        return Reply("Cancelled: nothing was sent.")

    def _why(self, uow, incident, members, reference: str) -> Reply:
        contact = directory.find_contact(uow, reference,
                                         default_region=self._c.settings.directory.default_region)
        member = next((m for m in members if m.contact.id == contact.id), None)
        removed = audience.overrides(uow, incident.id).get(contact.id)
        return Reply(audience_blocks.why(incident, contact.name, member,
                                         bool(removed and removed.action == REMOVE)))

    def _export(self, incident, members, *, user: str, channel: str | None) -> Reply:
        # Phone numbers stay masked in Slack; full numbers only through the administrators' CLI.
        self._c.slack.upload_file(
            channel or user, filename=f"{incident.key.lower()}-audience.csv",
            content=audience_blocks.export_csv(members), title=f"{incident.key} audience",
            comment=f"Audience of {incident.key} for <@{user}> (phone numbers masked).")
        return Reply(f"Posted {incident.key}'s audience ({len(members)} contacts) as a CSV file.")

    def _find(self, uow, invocation: Invocation, channel: str | None):
        return incidents.find(uow, key=invocation.key, channel_id=channel,
                              example=SUBCOMMANDS[invocation.name].example)
