"""The shared start of senders for Slack messages that are posted once, then edited in place."""

from __future__ import annotations

from collections.abc import Callable

from bot.clock import Clock
from bot.config import Settings
from bot.db.models import OutboxMessage
from bot.db.unit_of_work import Database, UnitOfWork
from bot.outbox.worker import Deferred, Delivered, Sender
from bot.ports import PostedMessage, SlackPort


class SlackCards:
    def __init__(self, *, db: Database, slack: SlackPort, settings: Settings, clock: Clock):
        self._db = db
        self._slack = slack
        self._settings = settings
        self._clock = clock

    def senders(self) -> dict[str, Sender]:
        raise NotImplementedError

    def show(self, message: OutboxMessage, text: str, blocks: list[dict], *,
             posted: tuple[str | None, str | None], post_to: str | None,
             before_first: Callable[[], None],
             remember: Callable[[UnitOfWork, PostedMessage], None]) -> Delivered:
        """Edits the card where it was ``posted`` (channel, ts); else posts it to ``post_to``.

        Only the row marked ``first`` posts; the others call ``before_first``, which raises
        (``Deferred`` to wait for the post). ``remember`` stores where the new post is.
        """
        channel, ts = posted
        if ts:
            self._slack.update(channel, ts, text, blocks)
            return Delivered(ts)
        if not message.payload.get("first"):
            before_first()
        if post_to is None:
            raise Deferred("the card's channel does not exist yet")
        new = self._slack.post(post_to, text, blocks)
        with self._db.unit_of_work() as uow:
            remember(uow, new)
            uow.commit()
        return Delivered(new.ts)
