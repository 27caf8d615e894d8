"""What each incident command does; the dispatcher runs them (role, transaction, reply)."""

from __future__ import annotations

from bot.dispatch.dispatcher import Context, Route
from bot.dispatch.reply import FollowUp, Reply, queued
from bot.incidents import blocks as incident_blocks
from bot.incidents import service as incidents
from bot.incidents.commands import (
    AnswerMention,
    AskToClose,
    CloseIncident,
    DeclareIncident,
    ListIncidents,
    PostUpdate,
    ReopenIncident,
    ShowIncident,
)
from bot.incidents.where import incident_for as find
from bot.outbox.kinds import Kind
from bot.outbox.worker import enqueue
from bot.slack_ui.text import escape


def declare(command: DeclareIncident, context: Context) -> Reply:
    incident = incidents.declare(context.uow, actor=context.user, draft=command.draft,
                                 now=context.now)
    lead = f"Declared *{incident.key}: {escape(incident.title)}*."
    return Reply(f"{lead} Its channel is queued to be created; you and the coordinators will be "
                 "invited to it once it exists.",
                 follow_up=FollowUp(incidents.provision_key(incident.id), lead, "its channel"))


def list_incidents(command: ListIncidents, context: Context) -> Reply:
    which = command.which.lower()
    found = incidents.list_incidents(context.uow, which=which)
    return Reply(incident_blocks.incident_list(found, which, context.settings.timezone))


def show(command: ShowIncident, context: Context) -> Reply:
    incident = find(context, command.key, "status")
    return Reply(incident_blocks.status(incident, incidents.recent_updates(incident),
                                        context.settings.timezone))


def update(command: PostUpdate, context: Context) -> Reply:
    incident = find(context, command.key, "update")
    entry = incidents.add_update(context.uow, actor=context.user, incident=incident,
                                 text=command.text, now=context.now,
                                 zone=context.settings.timezone)
    return queued(f"Update added to {incident.key}'s timeline.", key=incidents.update_key(entry.id),
                  what="the update", channel=incident.channel_id)


def ask_to_close(command: AskToClose, context: Context) -> Reply:
    incident = find(context, command.key, "close")
    if incident.status == "closed":
        return Reply(f"{incident.key} is already closed.")
    return Reply(*incident_blocks.close_confirmation(incident))


def close(command: CloseIncident, context: Context) -> Reply:
    incident = find(context, command.key, "close")
    incidents.close(context.uow, actor=context.user, incident=incident, now=context.now,
                    zone=context.settings.timezone)
    return Reply(f"{command.key} is closed. `/incident reopen {command.key}` reopens it.")


def reopen(command: ReopenIncident, context: Context) -> Reply:
    incident = find(context, command.key, "reopen")
    incidents.reopen(context.uow, actor=context.user, incident=incident, now=context.now,
                     zone=context.settings.timezone)
    return Reply(f"{incident.key} is active again.")


def answer_mention(command: AnswerMention, context: Context) -> None:
    enqueue(context.uow, key=f"mention:{command.channel}:{command.ts}", kind=Kind.POST,
            purpose="mention_help", now=context.now,
            payload={"channel": command.channel, "thread_ts": command.ts,
                     "text": incident_blocks.help_text()})


COORDINATOR = "coordinator"
ROUTES = (
    Route(DeclareIncident, declare, COORDINATOR, "declare incidents"),
    Route(ListIncidents, list_incidents, read_only=True),
    Route(ShowIncident, show, read_only=True),
    Route(PostUpdate, update, COORDINATOR, "post incident updates"),
    Route(AskToClose, ask_to_close, COORDINATOR, "close incidents", read_only=True),
    Route(CloseIncident, close, COORDINATOR, "close incidents"),
    Route(ReopenIncident, reopen, COORDINATOR, "reopen incidents"),
    Route(AnswerMention, answer_mention),
)
