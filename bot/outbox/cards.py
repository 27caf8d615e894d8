"""The shared start of senders for Slack messages that are posted once, then edited in place.

A card's first post carries its row's key, so that after a lost answer the post is found (by
``reconcile``, or by the row's next attempt) and remembered instead of being posted again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from bot.clock import Clock
from bot.config import Settings
from bot.db.models import OutboxMessage
from bot.db.unit_of_work import Database, UnitOfWork
from bot.outbox.contract import Deferred, Delivered, Sender
from bot.outbox.slack_failures import SlackSender, incident_channel
from bot.ports import PostedMessage, SlackPort

# How much earlier than the row's creation a post may carry Slack's ts (clocks differ).
CLOCK_SLACK = timedelta(minutes=2)


class SlackCards:
    def __init__(self, *, db: Database, slack: SlackPort, settings: Settings, clock: Clock):
        self._db = db
        self._slack = slack
        self._settings = settings
        self._clock = clock

    def senders(self) -> dict[str, Sender]:
        raise NotImplementedError

    def sender(self, send: Callable[[OutboxMessage], Delivered],
               reconcile: Callable[[OutboxMessage], Delivered | None]) -> SlackSender:
        return SlackSender(send, clock=self._clock, reconcile=reconcile)

    def show(self, message: OutboxMessage, text: str, blocks: list[dict], *,
             posted: tuple[str | None, str | None], post_to: str | None,
             before_first: Callable[[], None],
             remember: Callable[[UnitOfWork, PostedMessage], None],
             looking: bool = False) -> Delivered | None:
        """Edits the card where it was ``posted`` (channel, ts); else posts it to ``post_to``.

        Only the row marked ``first`` posts; the others call ``before_first``, which raises
        (``Deferred`` to wait for the post). ``remember`` stores where the new post is.
        ``looking`` (reconciling a lost answer) only looks for this row's post: Delivered when
        it is there (and remembered), None when it is not or the row only edits (edit again).
        """
        channel, ts = posted
        if looking:
            found = None if ts or post_to is None else self.find(message, post_to)
            if found is not None:
                self._remember(remember, found)
            return None if found is None else Delivered(found.ts)
        if ts:
            self._slack.update(channel, ts, text, blocks)
            return Delivered(ts)
        if not message.payload.get("first"):
            before_first()
        if post_to is None:
            self._wait_for_channel(message)
        new = (self.find(message, post_to) if message.attempts > 1 else None) or self._slack.post(
            post_to, text, blocks, key=message.idempotency_key)
        self._remember(remember, new)
        return Delivered(new.ts)

    def find(self, message: OutboxMessage, channel: str) -> PostedMessage | None:
        """This row's post in ``channel``, found by its key."""
        return self._slack.find_post(channel, message.idempotency_key,
                                     since=message.created_at - CLOCK_SLACK)

    def _remember(self, remember: Callable[[UnitOfWork, PostedMessage], None],
                  new: PostedMessage) -> None:
        with self._db.unit_of_work() as uow:
            remember(uow, new)
            uow.commit()

    def _wait_for_channel(self, message: OutboxMessage) -> None:
        """Raises: ``Deferred`` while the channel may still come, a permanent error once the
        incident's channel could not be created."""
        with self._db.unit_of_work(read_only=True) as uow:
            incident = (uow.incidents.get(message.incident_id)
                        if message.incident_id is not None else None)
            if incident is not None and not incident.channel_id:
                incident_channel(uow, incident)
        raise Deferred("the card's channel does not exist yet")
