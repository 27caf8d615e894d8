"""A conversation's card and thread in Slack: the card posted once, then edited; replies under it.

The card is rendered from the conversation as it is when the row is sent, so a retried or late
row never shows a stale state. A thread post learns the card's ``ts`` when it is sent: it waits
(``Deferred``) while the card is not posted yet, and fails with it when the card's post failed
for good (it would wait forever otherwise).
"""

from __future__ import annotations

from bot.db.models import Conversation, OutboxMessage
from bot.db.unit_of_work import UnitOfWork
from bot.directory.service.people import name_of
from bot.outbox.cards import CLOCK_SLACK, SlackCards
from bot.outbox.contract import Deferred, Delivered, Sender
from bot.outbox.kinds import Kind
from bot.ports import DeliveryError, PostedMessage
from bot.sms import blocks as sms_blocks
from bot.sms.service.conversations import HANDLED, card_key


class ConversationCards(SlackCards):
    def senders(self) -> dict[str, Sender]:
        return {Kind.CONVERSATION_CARD: self.sender(self.card, self.reconcile_card),
                Kind.CONVERSATION_THREAD: self.sender(self.thread, self.reconcile_thread)}

    def card(self, message: OutboxMessage) -> Delivered:
        return self._card(message, looking=False)

    def reconcile_card(self, message: OutboxMessage) -> Delivered | None:
        return self._card(message, looking=True)

    def _card(self, message: OutboxMessage, *, looking: bool) -> Delivered | None:
        conversation_id = message.payload["conversation_id"]
        with self._db.unit_of_work(read_only=True) as uow:
            conversation = _conversation(uow, conversation_id)
            text, blocks = sms_blocks.conversation_card(self._facts(uow, conversation))
            posted = conversation.post_channel, conversation.post_ts
            post_to = self._channel(uow, conversation)

        def remember(uow: UnitOfWork, new: PostedMessage) -> None:
            current = _conversation(uow, conversation_id)
            current.post_channel, current.post_ts = new.channel, new.ts

        return self.show(message, text, blocks, posted=posted, post_to=post_to,
                         before_first=lambda: self._not_posted_yet(conversation_id),
                         remember=remember, looking=looking)

    def thread(self, message: OutboxMessage) -> Delivered:
        channel, ts = self._thread_of(message)
        found = self._find_reply(message, channel, ts) if message.attempts > 1 else None
        posted = found or self._slack.post(channel, message.payload["text"], thread_ts=ts,
                                           key=message.idempotency_key)
        return Delivered(posted.ts)

    def reconcile_thread(self, message: OutboxMessage) -> Delivered | None:
        channel, ts = self._thread_of(message)
        found = self._find_reply(message, channel, ts)
        return Delivered(found.ts) if found else None

    def _thread_of(self, message: OutboxMessage) -> tuple[str, str]:
        conversation_id = message.payload["conversation_id"]
        with self._db.unit_of_work(read_only=True) as uow:
            conversation = _conversation(uow, conversation_id)
            channel, ts = conversation.post_channel, conversation.post_ts
        if not (channel and ts):
            self._not_posted_yet(conversation_id)
        return channel, ts  # type: ignore[return-value]

    def _find_reply(self, message: OutboxMessage, channel: str, ts: str) -> PostedMessage | None:
        return self._slack.find_post(channel, message.idempotency_key,
                                     since=message.created_at - CLOCK_SLACK, thread_ts=ts)

    def _not_posted_yet(self, conversation_id: int) -> None:
        """Raises: ``Deferred`` until the card is posted, a permanent error once it failed."""
        with self._db.unit_of_work(read_only=True) as uow:
            first = uow.outbox.by_key(card_key(conversation_id, 1))
            failed = first is not None and first.status == "failed"
        if failed:
            raise DeliveryError("card_not_posted", f"conversation {conversation_id}",
                                permanent=True)
        raise Deferred(f"conversation {conversation_id}'s card is not posted yet")

    def _channel(self, uow: UnitOfWork, conversation: Conversation) -> str | None:
        """The incident's channel (None while it is being created), else announcements."""
        if conversation.incident_id is None:
            return self._settings.slack.announcements_channel
        return uow.incidents.get(conversation.incident_id).channel_id

    def _facts(self, uow: UnitOfWork, conversation: Conversation) -> sms_blocks.CardFacts:
        first = uow.sms.inbound(conversation.first_message_id)
        contact = uow.contacts.get(conversation.contact_id) if conversation.contact_id else None
        invitation = (uow.calls.open_invitation(contact.id, now=self._clock.now())
                      if contact else None)
        call = uow.calls.get(invitation.call_id) if invitation else None
        return sms_blocks.CardFacts(
            conversation_id=conversation.id,
            sender=sms_blocks.sender_line(contact.name if contact else None,
                                          contact.organisation if contact else "",
                                          contact.language if contact else "",
                                          conversation.phone),
            body=first.body if first else "", language=conversation.language,
            handled=conversation.status == HANDLED,
            claimed_by=name_of(uow, conversation.claimed_by) if conversation.claimed_by else None,
            handled_by=name_of(uow, conversation.handled_by) if conversation.handled_by else None,
            contact_id=contact.id if contact else None,
            call=(call.id, call.number) if call else None)


def _conversation(uow: UnitOfWork, conversation_id: int) -> Conversation:
    conversation = uow.sms.conversation(conversation_id)
    if conversation is None:
        raise DeliveryError("conversation_not_found", str(conversation_id), permanent=True)
    return conversation
