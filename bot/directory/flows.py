"""What each audience command does; the dispatcher runs them (role, transaction, reply)."""

from __future__ import annotations

from bot.directory import blocks as audience_blocks
from bot.directory.commands import ChangeAudience, ExplainContact, ExportAudience, ShowAudience
from bot.directory.rules.audience import ADD, REMOVE
from bot.directory.service import audience
from bot.directory.service import contacts as directory
from bot.dispatch.dispatcher import Context, Route
from bot.dispatch.reply import Reply, queued
from bot.incidents.where import incident_for as find
from bot.outbox.kinds import Kind
from bot.outbox.queue import enqueue
from bot.records import access, audit
from bot.slack_ui.text import escape


def _members(context: Context, incident):
    return audience.members(context.uow, incident, context.settings.directory.always_include_tags)


def _contact(context: Context, reference: str):
    return directory.find_contact(context.uow, reference,
                                  default_region=context.settings.directory.default_region)


def show(command: ShowAudience, context: Context) -> Reply:
    incident = find(context, command.key, "contacts")
    members = _members(context, incident)
    totals = audience.summary(context.uow, incident, members,
                              context.settings.directory.always_include_tags)
    shown = audience.names(context.uow, members[:audience_blocks.SHOWN])
    return Reply(audience_blocks.summary(incident, members, totals, shown))


def explain(command: ExplainContact, context: Context) -> Reply:
    incident = find(context, command.key, "contacts")
    contact = _contact(context, command.reference)
    member = next((m for m in _members(context, incident) if m.id == contact.id), None)
    removed = audience.overrides(context.uow, incident.id).get(contact.id)
    return Reply(audience_blocks.why(incident, contact.name, contact.organisation, member,
                                     bool(removed and removed.action == REMOVE)))


def change(command: ChangeAudience, context: Context) -> Reply:
    incident = find(context, command.key, "contacts")
    contact = _contact(context, command.reference)
    audience.change(context.uow, incident=incident, contact=contact, action=command.action,
                    actor=context.user, now=context.now)
    verb = "added to" if command.action == ADD else "removed from"
    return Reply(f"{escape(contact.name)} {verb} {incident.key}'s audience.")


def export(command: ExportAudience, context: Context) -> Reply:
    """A CSV file in the channel (or the user's DM); phones masked: full numbers only by CLI."""
    incident = find(context, command.key, "contacts")
    members = _members(context, incident)
    actor = context.actor
    key = f"audience-export:{incident.id}:{actor.user}:{context.now.isoformat()}"
    audit.record(context.uow, at=context.now, actor=actor.user, action=access.AUDIENCE_EXPORTED,
                 incident_id=incident.id, contacts=len(members))
    enqueue(context.uow, key=key,
            kind=Kind.UPLOAD, purpose="audience_export", now=context.now, incident_id=incident.id,
            payload={"channel": actor.channel or actor.user,
                     "filename": f"{incident.key.lower()}-audience.csv",
                     "title": f"{incident.key} audience",
                     "comment": f"Audience of {incident.key} for <@{actor.user}> (phone numbers masked).",
                     "content": audience_blocks.export_csv(
                         members, audience.names(context.uow, members),
                         bom=context.settings.directory.csv_bom)})
    return queued(f"{incident.key}'s audience ({len(members)} contacts) is ready as a CSV file.",
                  key=key, what="the file", channel=actor.channel or actor.user)


ROUTES = (
    Route(ShowAudience, show, read_only=True),
    Route(ExplainContact, explain, read_only=True),
    Route(ChangeAudience, change, "coordinator", "change an incident's audience"),
    Route(ExportAudience, export),
)
