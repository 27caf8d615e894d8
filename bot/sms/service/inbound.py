"""Inbound SMS: store it, honour STOP/START/HELP (and "stop texting me" in any language), take
RSVPs and "DONE 3", route the rest to a person.

Returns the reply to send back (in the sender's language) or None for no reply.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.actions import service as actions
from bot.actions.rules import parse_done
from bot.calls.rules.rsvp import parse_rsvp
from bot.calls.service import calls
from bot.calls.text import rsvp_confirmation
from bot.config import Settings
from bot.db.models import Contact, InboundMessage
from bot.db.unit_of_work import UnitOfWork
from bot.directory.rules.phones import mask
from bot.i18n.catalog import render
from bot.outbox.kinds import Kind
from bot.outbox.worker import enqueue
from bot.slack_ui.text import escape
from bot.sms import blocks as sms_blocks
from bot.sms.rules.revocation import classify_reply
from bot.sms.service import consent
from bot.storable import storable

log = logging.getLogger(__name__)
MAX_BODY = 2000  # characters kept of a message (Twilio joins at most ten segments)


@dataclass(frozen=True)
class Inbound:
    sid: str
    from_phone: str
    to_phone: str
    body: str


def receive(uow: UnitOfWork, message: Inbound, *, now: datetime, settings: Settings) -> str | None:
    """Stores the message first, whatever it holds (a NUL, which PostgreSQL refuses in text, is
    kept as U+FFFD: a message that cannot be stored is lost, as Twilio does not send it again)."""
    message = Inbound(sid=storable(message.sid)[:64], from_phone=storable(message.from_phone)[:20],
                      to_phone=storable(message.to_phone)[:20],
                      body=storable(message.body)[:MAX_BODY])
    if uow.sms.inbound_by_sid(message.sid) is not None:
        log.info("inbound %s already handled (Twilio retried the webhook)", message.sid)
        return None
    contact = uow.contacts.by_phone(message.from_phone)
    opted_out = uow.sms.is_opted_out(message.from_phone)
    invited = (contact is not None and not opted_out
               and uow.calls.open_invitation(contact.id, now=now) is not None)
    # Someone with a pending call invitation who answers YES means the call, not START.
    keyword = classify_reply(message.body, yes_means_start=not invited)
    language = contact.language if contact else (keyword.language or "en")
    incident_id = uow.outbox.latest_incident_for(message.from_phone)
    stored = InboundMessage(sid=message.sid, from_phone=message.from_phone,
                            to_phone=message.to_phone, body=message.body, kind=keyword.kind,
                            contact_id=contact.id if contact else None, incident_id=incident_id,
                            received_at=now)
    uow.sms.add_inbound(stored)
    office = settings.office_name
    if keyword.kind == "stop":
        consent.opt_out(uow, message.from_phone, source=f"sms:{keyword.word}", at=now)
        return render("stop_confirmation", language, office=office)
    if keyword.kind == "start":
        consent.opt_in(uow, message.from_phone, source=f"sms:{keyword.word}", at=now)
        return render("start_confirmation", language, office=office)
    if keyword.kind == "help":
        return render("opted_out_reminder" if opted_out else "help", language, office=office)
    task = parse_done(message.body) if contact is not None else None
    if task is not None:
        closed = actions.done_by_sms(uow, contact=contact, number=int(task.split("-")[1]), now=now)
        if closed is not None:
            stored.kind, stored.incident_id = "done", closed.incident_id
            return None if opted_out else render("action_done", language, number=task)
    answer = _answer(uow, contact, message.body, now) if invited else None
    if answer is not None:
        stored.kind = "rsvp"
        return answer
    _forward(uow, stored, contact, settings, now)
    return None if opted_out else render("reply_received", language, office=office)


def _answer(uow: UnitOfWork, contact: Contact | None, body: str, now: datetime) -> str | None:
    """An RSVP to the contact's next call, confirmed in their language; None if not one."""
    rsvp = parse_rsvp(body)
    if rsvp is None or contact is None:
        return None
    recorded = calls.record_rsvp(uow, contact=contact, answer=rsvp.answer, now=now)
    if recorded is None:
        return None
    return rsvp_confirmation(rsvp.answer, recorded[1], contact)


def _forward(uow: UnitOfWork, stored: InboundMessage, contact: Contact | None,
             settings: Settings, now: datetime) -> None:
    """Puts the message in front of a person: the incident's channel, else announcements, with
    buttons to record what the bot could not read (an answer to a call, an opt-out)."""
    who = (f"{escape(contact.name)} ({escape(contact.organisation) or 'no organisation'}, "
           f"{contact.language}, {mask(contact.phone)})" if contact
           else f"an unknown number {mask(stored.from_phone)}")
    text = f":speech_balloon: SMS from {who}:\n> {escape(stored.body)}"
    channel = None if stored.incident_id else settings.slack.announcements_channel
    if stored.incident_id is None and channel is None:
        log.warning("inbound SMS %s has no incident and no announcements channel", stored.sid)
        return
    invitation = uow.calls.open_invitation(contact.id, now=now) if contact else None
    call = uow.calls.get(invitation.call_id) if invitation else None
    blocks = sms_blocks.forwarded_sms(text, contact.id if contact else None,
                                      (call.id, call.number) if call else None)
    enqueue(uow, key=f"inbound:{stored.sid}", kind=Kind.POST, purpose="inbound_sms", now=now,
            incident_id=stored.incident_id, recipient=channel,
            payload={"channel": channel, "text": text, "blocks": blocks, "pin": False})
