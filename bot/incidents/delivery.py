"""The pinned summary in the incident channel: posted with the channel, then edited in place.

The first post is the channel set-up's ``summary:{id}`` row (``bot.outbox.slack_senders``),
which remembers its ts as ``incident.summary_ts``. Every later change queues a
``slack.incident_card`` row keyed by the incident's version; the sender renders the incident as
it is now (``chat.update``), so a retried or late row never shows an older state.
"""

from __future__ import annotations

from bot.db.models import OutboxMessage
from bot.db.unit_of_work import UnitOfWork
from bot.incidents import blocks as incident_blocks
from bot.outbox.cards import SlackCards
from bot.outbox.contract import Deferred, Delivered, Sender
from bot.outbox.kinds import Kind
from bot.ports import DeliveryError, PostedMessage


class IncidentCards(SlackCards):
    def senders(self) -> dict[str, Sender]:
        return {Kind.INCIDENT_CARD: self.sender(self.card, self.reconcile_card)}

    def card(self, message: OutboxMessage) -> Delivered:
        return self._card(message, looking=False)

    def reconcile_card(self, message: OutboxMessage) -> Delivered | None:
        """An edit has nothing to look for: None, so it is made again (edits are idempotent)."""
        return self._card(message, looking=True)

    def _card(self, message: OutboxMessage, *, looking: bool) -> Delivered | None:
        incident_id = message.payload["incident_id"]
        with self._db.unit_of_work(read_only=True) as uow:
            incident = uow.incidents.get(incident_id)
            if incident is None:
                raise DeliveryError("incident_not_found", str(incident_id), permanent=True)
            text, blocks = incident_blocks.summary(incident, self._settings.timezone)
            posted = incident.channel_id, incident.summary_ts

        def not_posted_yet() -> None:
            # The edit waits for the summary's first post, unless that post failed for good.
            with self._db.unit_of_work(read_only=True) as uow:
                first = uow.outbox.by_key(f"summary:{incident_id}")
                failed = first is not None and first.status == "failed"
            if failed:
                raise DeliveryError("card_not_posted", f"incident {incident_id}", permanent=True)
            raise Deferred(f"incident {incident_id}'s summary is not posted yet")

        def remember(uow: UnitOfWork, new: PostedMessage) -> None:
            uow.incidents.get(incident_id).summary_ts = new.ts

        return self.show(message, text, blocks, posted=posted, post_to=posted[0],
                         before_first=not_posted_yet, remember=remember, looking=looking)
