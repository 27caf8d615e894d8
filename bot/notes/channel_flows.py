"""Messages and reactions seen in incident channels: events, so their flows reply nothing."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.directory.service import people
from bot.dispatch.dispatcher import Actor, Context, Ports, Route
from bot.notes.commands import RecordChannelMessage, RecordReaction
from bot.notes.service import marks as channel_marks

log = logging.getLogger(__name__)


def _author_name(command: RecordChannelMessage, actor: Actor, ports: Ports) -> str | None:
    return ports.name_of(command.user)


def record_message(command: RecordChannelMessage, context: Context) -> None:
    if channel_marks.record_message(context.uow, channel=command.channel, ts=command.ts,
                                    user=command.user, text=command.text,
                                    subtype=command.subtype, now=context.now):
        people.remember(context.uow, command.user, context.prepared, context.now)


@dataclass(frozen=True)
class Marked:
    text: str
    name: str | None  # the reactor's
    author_name: str | None


def _marked_text(command: RecordReaction, actor: Actor, ports: Ports) -> Marked | None:
    """The message's text when this reaction marks it (asked of Slack outside any transaction)."""
    settings = ports.settings
    if channel_marks.reaction_mark(command.reaction, settings) is None:
        return None
    with ports.db.unit_of_work(read_only=True) as uow:
        if not channel_marks.wants_reaction(uow, channel=command.channel, ts=command.ts,
                                            reaction=command.reaction, settings=settings):
            return None
    text = ports.slack.message_text(command.channel, command.ts)
    if text is None:
        log.info("no message %s in %s to mark with :%s:", command.ts, command.channel,
                 command.reaction)
        return None
    return Marked(text, ports.name_of(command.user),
                  ports.name_of(command.author) if command.author else None)


def record_reaction(command: RecordReaction, context: Context) -> None:
    marked: Marked | None = context.prepared
    if marked is None:
        return
    if channel_marks.record_reaction(context.uow, channel=command.channel, ts=command.ts,
                                     reaction=command.reaction, text=marked.text,
                                     author=command.author, marker=command.user,
                                     now=context.now, settings=context.settings):
        people.remember(context.uow, command.user, marked.name, context.now)
        if command.author:
            people.remember(context.uow, command.author, marked.author_name, context.now)


ROUTES = (
    Route(RecordChannelMessage, record_message, before=_author_name),
    Route(RecordReaction, record_reaction, before=_marked_text),
)
