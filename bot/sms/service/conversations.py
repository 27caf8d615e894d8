"""Conversations with people who text in: one Slack thread per number and incident.

A message that is not a keyword, an RSVP or ``DONE 3`` starts a conversation: a card in the
incident's channel (the announcements channel for a number no incident has texted) with what
staff can do about it. Later messages from the same number join the card's thread while the
conversation is open, or within ``REJOIN`` of its last message; a message after "handled"
reopens it in the same thread. Staff answer with *Reply*: the text goes by SMS, as typed, to
that number, and is shown in the thread under the name of who sent it.

The card is rendered when it is sent (``bot.sms.conversation_cards``), so every edit shows the
conversation as it is then; each change bumps ``version``, which keys the edit's outbox row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import Settings
from bot.db.models import Contact, Conversation, InboundMessage
from bot.db.unit_of_work import UnitOfWork
from bot.directory.rules.contacts import RowInvalid, validate_row
from bot.directory.rules.phones import mask
from bot.directory.service.contacts import import_records
from bot.errors import InvalidInput, NotFound
from bot.outbox.kinds import Kind
from bot.outbox.queue import enqueue
from bot.records import audit
from bot.slack_ui.text import escape
from bot.sms import blocks as sms_blocks
from bot.sms.rules.language_guess import guess_language
from bot.sms.rules.segments import check_fits, segments

log = logging.getLogger(__name__)
REJOIN = timedelta(days=7)
OPEN, HANDLED = "open", "handled"


@dataclass(frozen=True)
class Routed:
    conversation: Conversation
    started: bool  # a new conversation (a new card)
    reopened: bool  # a handled conversation the message opened again


def card_key(conversation_id: int, version: int) -> str:
    return f"conversation-card:{conversation_id}:v{version}"


def route(uow: UnitOfWork, stored: InboundMessage, contact: Contact | None, *,
          settings: Settings, now: datetime) -> Routed | None:
    """Puts ``stored`` in front of a person: a new card, or a reply in its conversation's thread.

    None when there is nowhere to post it (no incident and no announcements channel)."""
    if stored.incident_id is None and not settings.slack.announcements_channel:
        log.warning("inbound SMS %s has no incident and no announcements channel", stored.sid)
        return None
    phone = stored.from_phone
    uow.sms.lock_message(f"conversation:{phone}")  # two webhooks at once: one conversation
    current = uow.sms.latest_conversation(phone, stored.incident_id)
    if current is not None and (current.status == OPEN or now - current.last_message_at <= REJOIN):
        return _join(uow, current, stored, contact, now)
    conversation = Conversation(
        phone=phone, incident_id=stored.incident_id, contact_id=contact.id if contact else None,
        first_message_id=stored.id, language=(contact.language if contact else None)
        or guess_language(stored.body) or "", status=OPEN, version=1, replies=0,
        created_at=now, last_message_at=now)
    uow.sms.add_conversation(conversation)
    _queue_card(uow, conversation, now, first=True)
    return Routed(conversation, started=True, reopened=False)


def _join(uow: UnitOfWork, conversation: Conversation, stored: InboundMessage,
          contact: Contact | None, now: datetime) -> Routed:
    conversation.last_message_at = now
    if contact is not None and conversation.contact_id is None:
        conversation.contact_id = contact.id
    sender = contact.name if contact else mask(stored.from_phone)
    _thread_post(uow, conversation, key=f"conversation-message:{stored.sid}", now=now,
                 text=sms_blocks.thread_message(escape(sender), stored.body))
    reopened = conversation.status == HANDLED
    if reopened:
        conversation.status, conversation.handled_by = OPEN, None
        audit.record(uow, at=now, actor="coordbot", action="conversation.reopened",
                     incident_id=conversation.incident_id, conversation_id=conversation.id)
        _changed(uow, conversation, now)
    return Routed(conversation, started=False, reopened=reopened)


def get(uow: UnitOfWork, conversation_id: int) -> Conversation:
    conversation = uow.sms.conversation(conversation_id)
    if conversation is None:
        raise NotFound("That conversation no longer exists.")
    return conversation


def claim(uow: UnitOfWork, conversation: Conversation, *, actor: str, now: datetime) -> str | None:
    """``actor`` takes the conversation; returns who had it before (None: nobody)."""
    before = conversation.claimed_by
    if before == actor:
        return actor
    conversation.claimed_by = actor
    audit.record(uow, at=now, actor=actor, action="conversation.claimed",
                 incident_id=conversation.incident_id, conversation_id=conversation.id,
                 **({"taken_from": before} if before else {}))
    _changed(uow, conversation, now)
    return before


def mark_handled(uow: UnitOfWork, conversation: Conversation, *, actor: str,
                 now: datetime) -> bool:
    """False when it was handled already."""
    if conversation.status == HANDLED:
        return False
    conversation.status, conversation.handled_by = HANDLED, actor
    audit.record(uow, at=now, actor=actor, action="conversation.handled",
                 incident_id=conversation.incident_id, conversation_id=conversation.id)
    _changed(uow, conversation, now)
    return True


def reply(uow: UnitOfWork, conversation: Conversation, text: str, *, actor: str, name: str,
          settings: Settings, now: datetime) -> None:
    """Texts ``text``, as typed, to the conversation's number, and shows it in the thread.

    Refused before anything is queued when the number opted out (only the person undoes that,
    by texting START) or when the text would not go as one SMS within ``sms.max_segments``."""
    text = text.strip()
    if not text:
        raise InvalidInput("Write the reply first: the text is empty.")
    if uow.sms.is_opted_out(conversation.phone):
        raise InvalidInput(f"Not sent: {mask(conversation.phone)} texted STOP, so the office may "
                           "not text them. Only they can undo it, by texting START.")
    check_fits({conversation.language or "as typed": text}, settings.sms.max_segments,
               what="The reply")
    conversation.replies += 1
    number = conversation.replies
    enqueue(uow, key=f"conversation-reply:{conversation.id}:{number}", kind=Kind.SMS,
            purpose="conversation_reply", now=now, incident_id=conversation.incident_id,
            recipient=conversation.phone, language=conversation.language or None,
            segments=segments(text).segments, payload={"body": text, "actor": actor})
    _thread_post(uow, conversation, key=f"conversation-replied:{conversation.id}:{number}",
                 text=sms_blocks.replied(name, text), now=now)
    audit.record(uow, at=now, actor=actor, action="conversation.replied",
                 incident_id=conversation.incident_id, conversation_id=conversation.id,
                 reply=number, segments=segments(text).segments)


def reveal(uow: UnitOfWork, conversation: Conversation, *, actor: str, now: datetime) -> str:
    """The full number, for ``actor`` only; who saw it and when is kept in the audit trail."""
    audit.record(uow, at=now, actor=actor, action="conversation.number_revealed",
                 incident_id=conversation.incident_id, conversation_id=conversation.id)
    return conversation.phone


def add_to_directory(uow: UnitOfWork, conversation: Conversation, fields: dict[str, str], *,
                     actor: str, settings: Settings, now: datetime) -> Contact:
    """A directory entry for the conversation's number from ``fields`` (name, language,
    organisation, regions), checked as a contacts file's row is; the card shows it from now on."""
    existing = uow.contacts.by_phone(conversation.phone)
    if existing is not None:
        raise InvalidInput(f"{mask(conversation.phone)} is in the directory already, as "
                           f"{escape(existing.name)}.")
    try:
        record = validate_row({**fields, "phone": conversation.phone},
                              default_region=settings.directory.default_region,
                              default_timezone=settings.timezone)
    except RowInvalid as invalid:
        raise InvalidInput(f"Not added: {escape(str(invalid))}.") from None
    import_records(uow, [record], source=f"slack:conversation:{conversation.id}", actor=actor,
                   now=now)
    contact = uow.contacts.by_phone(conversation.phone)
    conversation.contact_id = contact.id
    conversation.language = conversation.language or contact.language
    audit.record(uow, at=now, actor=actor, action="conversation.contact_added",
                 incident_id=conversation.incident_id, conversation_id=conversation.id,
                 contact_id=contact.id)
    _changed(uow, conversation, now)
    return contact


def _changed(uow: UnitOfWork, conversation: Conversation, now: datetime) -> None:
    conversation.version += 1
    _queue_card(uow, conversation, now, first=False)


def _queue_card(uow: UnitOfWork, conversation: Conversation, now: datetime, *,
                first: bool) -> None:
    enqueue(uow, key=card_key(conversation.id, conversation.version),
            kind=Kind.CONVERSATION_CARD, purpose="conversation_card", now=now,
            incident_id=conversation.incident_id,
            payload={"conversation_id": conversation.id, "first": first})


def _thread_post(uow: UnitOfWork, conversation: Conversation, *, key: str, text: str,
                 now: datetime) -> None:
    enqueue(uow, key=key, kind=Kind.CONVERSATION_THREAD, purpose="conversation_thread", now=now,
            incident_id=conversation.incident_id,
            payload={"conversation_id": conversation.id, "text": text})
