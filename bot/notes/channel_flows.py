"""Worker-side jobs for messages and reactions seen in channels (no reply: they are events)."""

from __future__ import annotations

import logging

from bot.bootstrap import Container
from bot.directory.service import people
from bot.notes.service import marks as channel_marks

log = logging.getLogger(__name__)


class ChannelCommands:
    def __init__(self, container: Container):
        self._c = container

    def record_channel_message(self, channel: str, ts: str, user: str | None, text: str | None,
                               subtype: str | None = None) -> None:
        name = self._c.names.lookup(user) if self._c.names else None
        with self._c.db.unit_of_work() as uow:
            if channel_marks.record_message(uow, channel=channel, ts=ts, user=user, text=text,
                                            subtype=subtype, now=self._c.clock.now()):
                people.remember(uow, user, name, self._c.clock.now())
                uow.commit()

    def record_reaction(self, channel: str, ts: str, reaction: str, user: str) -> None:
        settings = self._c.settings
        if channel_marks.reaction_mark(reaction, settings) is None:
            return
        with self._c.db.unit_of_work(read_only=True) as uow:
            if not channel_marks.wants_reaction(uow, channel=channel, ts=ts, reaction=reaction,
                                                settings=settings):
                return
        text = self._c.slack.message_text(channel, ts)  # outside any transaction
        if text is None:
            log.info("no message %s in %s to mark with :%s:", ts, channel, reaction)
            return
        name = self._c.names.lookup(user) if self._c.names else None
        with self._c.db.unit_of_work() as uow:
            if channel_marks.record_reaction(uow, channel=channel, ts=ts, reaction=reaction,
                                             text=text, user=user, now=self._c.clock.now(),
                                             settings=settings):
                people.remember(uow, user, name, self._c.clock.now())
                uow.commit()
