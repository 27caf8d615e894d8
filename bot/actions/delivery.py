"""The action-item card in the incident channel: posted once, then edited as the item changes.

Each change queues a ``slack.action_card`` row keyed by the item's version; the sender renders
the item as it is now, so cards never show a stale state even if rows are retried.
"""

from __future__ import annotations

from bot.actions import blocks as action_blocks
from bot.db.models import OutboxMessage
from bot.db.unit_of_work import UnitOfWork
from bot.outbox.cards import SlackCards
from bot.outbox.contract import Deferred, Delivered, Sender
from bot.outbox.kinds import Kind
from bot.ports import DeliveryError, PostedMessage


class ActionCards(SlackCards):
    def senders(self) -> dict[str, Sender]:
        return {Kind.ACTION_CARD: self.sender(self.card, self.reconcile_card)}

    def card(self, message: OutboxMessage) -> Delivered:
        return self._card(message, looking=False)

    def reconcile_card(self, message: OutboxMessage) -> Delivered | None:
        return self._card(message, looking=True)

    def _card(self, message: OutboxMessage, *, looking: bool) -> Delivered | None:
        action_id = message.payload["action_id"]
        with self._db.unit_of_work(read_only=True) as uow:
            item = uow.actions.get(action_id)
            if item is None:
                raise DeliveryError("action_not_found", str(action_id), permanent=True)
            call = uow.calls.get(item.call_id) if item.call_id else None
            text, blocks = action_blocks.card(item, self._settings.timezone,
                                              call.number if call else None)
            posted = item.post_channel, item.post_ts
            incident_channel = uow.incidents.get(item.incident_id).channel_id

        def not_posted_yet() -> None:
            # An edit waits for the card's first post, unless that post failed for good (the
            # edit would wait forever; an administrator may retry the post, which shows the
            # latest state).
            with self._db.unit_of_work(read_only=True) as uow:
                first = uow.outbox.by_key(f"action-card:{action_id}:v1")
                failed = first is not None and first.status == "failed"
            if failed:
                raise DeliveryError("card_not_posted", f"action {action_id}", permanent=True)
            raise Deferred(f"action {action_id} is not posted yet")

        def remember(uow: UnitOfWork, new: PostedMessage) -> None:
            item = uow.actions.get(action_id)
            item.post_channel, item.post_ts = new.channel, new.ts

        return self.show(message, text, blocks, posted=posted, post_to=incident_channel,
                         before_first=not_posted_yet, remember=remember, looking=looking)
