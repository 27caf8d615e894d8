"""Inbound SMS: store it, honour STOP/START/HELP (and "stop texting me" in any language), take
RSVPs and "DONE 3", route the rest to a person (``conversations``: a Slack thread per number).

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
from bot.i18n.catalog import render
from bot.sms.rules.language_guess import guess_language
from bot.sms.rules.revocation import classify_reply
from bot.sms.service import consent, conversations
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
    routed = conversations.route(uow, stored, contact, settings=settings, now=now)
    if opted_out or (routed is not None and not (routed.started or routed.reopened)):
        return None  # a person is on it already: no "thank you" for every message
    if contact is not None:
        return render("reply_received", language, office=office)
    return unknown_sender_reply(stored.body, office)


def unknown_sender_reply(body: str, office: str) -> str:
    """That a person will answer, in the language ``body`` is written in; in English and
    Spanish, the office's commonest, when that cannot be told."""
    written_in = guess_language(body)
    if written_in is not None:
        return render("unknown_sender_reply", written_in, office=office)
    return "\n".join(render("unknown_sender_reply", tag, office=office) for tag in ("en", "es"))


def _answer(uow: UnitOfWork, contact: Contact | None, body: str, now: datetime) -> str | None:
    """An RSVP to the contact's next call, confirmed in their language; None if not one."""
    rsvp = parse_rsvp(body)
    if rsvp is None or contact is None:
        return None
    recorded = calls.record_rsvp(uow, contact=contact, answer=rsvp.answer, now=now)
    if recorded is None:
        return None
    return rsvp_confirmation(rsvp.answer, recorded[1], contact)
