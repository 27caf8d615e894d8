"""The action-item card in the incident channel: posted once, then edited as the item changes.

Each change queues a ``slack.action_card`` row keyed by the item's version; the sender renders
the item as it is now, so cards never show a stale state even if rows are retried.
"""

from __future__ import annotations

from bot.db.models import OutboxMessage
from bot.messages import action_blocks

from .outbox import Deferred, Delivered, Sender
from .ports import DeliveryError
from .slack_cards import SlackCards

CARD_KIND = "slack.action_card"


class ActionCards(SlackCards):
    def senders(self) -> dict[str, Sender]:
        return {CARD_KIND: self.card}

    def card(self, message: OutboxMessage) -> Delivered:
        action_id = message.payload["action_id"]
        with self._db.unit_of_work(read_only=True) as uow:
            item = uow.actions.get(action_id)
            if item is None:
                raise DeliveryError("action_not_found", str(action_id), permanent=True)
            incident = uow.incidents.get(item.incident_id)
            call = uow.calls.get(item.call_id) if item.call_id else None
            text, blocks = action_blocks.card(item, self._settings.timezone,
                                              call.number if call else None)
            channel, ts = item.post_channel, item.post_ts
            incident_channel = incident.channel_id
        if ts:
            self._slack.update(channel, ts, text, blocks)
            return Delivered(ts)
        if not message.payload.get("first"):
            raise Deferred(f"action {action_id} is not posted yet")
        if incident_channel is None:
            raise Deferred(f"{incident.key} has no channel yet")
        posted = self._slack.post(incident_channel, text, blocks)
        with self._db.unit_of_work() as uow:
            item = uow.actions.get(action_id)
            item.post_channel, item.post_ts = posted.channel, posted.ts
            uow.commit()
        return Delivered(posted.ts)
