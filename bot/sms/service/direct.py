"""A staff member's direct message to the bot, answered there as an SMS reply would be.

Staff on Slack get call invitations and action items as direct messages that say "Reply 1 = yes,
2 = no, 3 = maybe" and "DONE N": so in the DM, an answer is recorded for the directory contact
with that Slack user id, ``DONE N`` closes their item A-N (or one they own as a Slack user), and
anything else gets a short help answer. Every answer is an outbox row keyed by the message, so a
retried event is answered once.
"""

from __future__ import annotations

from datetime import datetime

from bot.actions import service as actions
from bot.actions.rules import parse_done
from bot.calls.rules.rsvp import parse_rsvp
from bot.calls.service import calls
from bot.calls.text import rsvp_confirmation
from bot.db.models import Contact
from bot.db.unit_of_work import UnitOfWork
from bot.outbox.kinds import Kind
from bot.outbox.queue import enqueue

HELP = ("I read answers to call invitations here (1 = yes, 2 = no, 3 = maybe, or a short "
        "sentence) and `DONE N` for your action items. For anything else, write in the "
        "incident's channel or use `/incident help`.")
NOT_IN_DIRECTORY = ("I can't find your Slack account in the contact directory, so I have no "
                    "call invitation for you. Ask a coordinator to add your Slack user ID.")
NO_INVITATION = "You have no call invitation waiting for an answer."


def receive(uow: UnitOfWork, *, channel: str, ts: str, user: str, text: str,
            now: datetime) -> None:
    """Acts on the message and queues the answer in the same DM."""
    contact = uow.contacts.by_slack_user(user)
    answer = _done(uow, contact, user, text, now) or _rsvp(uow, contact, text, now) or HELP
    enqueue(uow, key=f"dm-reply:{channel}:{ts}", kind=Kind.POST, purpose="dm_reply", now=now,
            recipient=user, payload={"channel": channel, "text": answer, "blocks": None})


def _done(uow: UnitOfWork, contact: Contact | None, user: str, text: str,
          now: datetime) -> str | None:
    task = parse_done(text)
    if task is None:
        return None
    number = int(task.split("-")[1])
    items = [*(uow.actions.open_for_contact(contact.id, number) if contact else ()),
             *uow.actions.numbered_for_owner(actions.SLACK, user, number)]
    closed = actions.done_by_reply(uow, items=items, actor=contact.name if contact else user,
                                   now=now)
    if closed is None:
        return f"You own no action item {task}. `/incident actions mine` lists yours."
    return f"Thank you. {task} is marked done."


def _rsvp(uow: UnitOfWork, contact: Contact | None, text: str, now: datetime) -> str | None:
    rsvp = parse_rsvp(text)
    if rsvp is None:
        return None
    if contact is None:
        return NOT_IN_DIRECTORY
    recorded = calls.record_rsvp(uow, contact=contact, answer=rsvp.answer, now=now,
                                via=f"slack:{contact.slack_user_id}")
    if recorded is None:
        return NO_INVITATION
    return rsvp_confirmation(rsvp.answer, recorded[1], contact)
