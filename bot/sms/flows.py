"""What each SMS command does; the dispatcher runs them (role, transaction, reply): notices, the
answers and opt-outs a coordinator records by hand, staff's direct messages to the bot, and the
conversations with people who text in (reply, claim, handled, add to directory, reveal)."""

from __future__ import annotations

from bot.calls.service import calls
from bot.db.models import Contact, Conversation
from bot.directory.rules.phones import mask
from bot.directory.service import people
from bot.directory.service.contacts import find_contact
from bot.dispatch.dispatcher import Actor, Context, Ports, Route
from bot.dispatch.reply import Reply, queued
from bot.errors import NotFound
from bot.i18n.languages import describe
from bot.incidents.where import incident_for as find
from bot.slack_ui.text import escape
from bot.sms import blocks as sms_blocks
from bot.sms.commands import (
    AddConversationContact,
    CancelNotice,
    ClaimConversation,
    ConfirmNotice,
    DirectMessage,
    DraftNotice,
    MarkConversationHandled,
    OptOutByHand,
    OptOutById,
    RecordRsvpByHand,
    RecordRsvpById,
    ReplyToConversation,
    RetryFailedTexts,
    RevealConversationNumber,
)
from bot.sms.rules.failures import skipped_summary
from bot.sms.service import consent, conversations, direct, failures, notices


def draft(command: DraftNotice, context: Context) -> Reply:
    incident = find(context, command.key, "notify")
    preview = notices.create(context.uow, incident=incident, text=command.text,
                             actor=context.user, now=context.now, settings=context.settings)
    return Reply(*sms_blocks.preview(incident.key, preview))


def confirm(command: ConfirmNotice, context: Context) -> Reply:
    notice = notices.confirm(context.uow, notice_id=command.notice_id, actor=context.user,
                             now=context.now, settings=context.settings)
    incident = context.uow.incidents.get(notice.incident_id)
    return queued(f"The notice is queued for {notice.recipients} contacts; a delivery summary in "
                  "the incident channel will show its progress.",
                  key=notices.summary_key(notice.id), what="the delivery summary",
                  channel=incident.channel_id)


def cancel(command: CancelNotice, context: Context) -> Reply:
    """Before its Confirm, or within a small notice's undo window (after it: refused, saying
    so); texts a worker had already taken are counted as gone."""
    taken_back = notices.cancel(context.uow, notice_id=command.notice_id, actor=context.user,
                                now=context.now)
    notice = context.uow.sms.notice(command.notice_id)
    gone = notice.recipients - taken_back if taken_back else 0
    if gone > 0:
        return Reply(f"Cancelled notice {notice.id}: {taken_back} text(s) were not sent; "
                     f"{gone} had already gone.")
    return Reply(f"Cancelled notice {notice.id}: nothing was sent.")


def retry_failed(command: RetryFailedTexts, context: Context) -> Reply:
    """How many texts of the report were queued again, and how many were skipped and why."""
    done = failures.retry_report(context.uow, cause=command.cause, number=command.report,
                                 actor=context.user, now=context.now)
    if not (done.retried or done.skipped):
        return Reply(f"Nothing to retry in this report of the {done.what}: its texts were "
                     "retried already, or have been delivered since.")
    lines = [f"Queued {done.retried} text(s) of the {done.what} again; a running worker sends "
             "them within seconds." if done.retried else
             f"Nothing was queued again for the {done.what}."]
    if done.skipped:
        lines.append(skipped_summary(done.skipped))
    return Reply(" ".join(lines))


def rsvp_by_hand(command: RecordRsvpByHand, context: Context) -> Reply:
    uow = context.uow
    incident = find(context, command.key, "rsvp")
    call = calls.find(uow, incident, command.call or None, now=context.now)
    contact = find_contact(uow, command.contact,
                           default_region=context.settings.directory.default_region)
    return _record_rsvp(context, call, contact, command.answer)


def rsvp_by_id(command: RecordRsvpById, context: Context) -> Reply:
    call = context.uow.calls.get(command.call_id)
    if call is None:
        raise NotFound("That call no longer exists.")
    return _record_rsvp(context, call, _contact(context, command.contact_id), command.answer)


def _record_rsvp(context: Context, call, contact: Contact, answer: str) -> Reply:
    calls.record_rsvp_by_hand(context.uow, call=call, contact=contact, answer=answer,
                              actor=context.user, now=context.now)
    return Reply(f"Recorded: {escape(contact.name)} answered *{answer}* for call {call.number}.")


def opt_out_by_hand(command: OptOutByHand, context: Context) -> Reply:
    contact = find_contact(context.uow, command.contact,
                           default_region=context.settings.directory.default_region)
    return _opt_out(context, contact)


def opt_out_by_id(command: OptOutById, context: Context) -> Reply:
    return _opt_out(context, _contact(context, command.contact_id))


def _opt_out(context: Context, contact: Contact) -> Reply:
    who = f"{escape(contact.name)} ({mask(contact.phone) if contact.phone else 'no phone'})"
    if not consent.opt_out_by_hand(context.uow, contact, actor=context.user, at=context.now):
        return Reply(f"{who} was already opted out: they get no texts.")
    return Reply(f"{who} is opted out: they get no more texts. Only they can undo it, by "
                 "texting START.")


def _contact(context: Context, contact_id: int) -> Contact:
    contact = context.uow.contacts.get(contact_id)
    if contact is None:
        raise NotFound("That contact is no longer in the directory.")
    return contact


def direct_message(command: DirectMessage, context: Context) -> None:
    direct.receive(context.uow, channel=command.channel, ts=command.ts, user=command.user,
                   text=command.text, now=context.now)


def _name(command: object, actor: Actor, ports: Ports) -> str | None:
    """The actor's Slack name, asked outside the transaction (the card and thread show it)."""
    return ports.name_of(actor.user)


def _acting(context: Context, conversation_id: int) -> Conversation:
    """The conversation, with the actor's name kept for the card rendered later."""
    people.remember(context.uow, context.user, context.prepared, context.now)
    return conversations.get(context.uow, conversation_id)


def reply_to_conversation(command: ReplyToConversation, context: Context) -> Reply:
    conversation = _acting(context, command.conversation_id)
    conversations.reply(context.uow, conversation, command.text, actor=context.user,
                        name=people.name_of(context.uow, context.user),
                        settings=context.settings, now=context.now)
    return Reply(f"Your reply to {mask(conversation.phone)} is queued to go by SMS, and for the "
                 "conversation's thread.")


def claim_conversation(command: ClaimConversation, context: Context) -> Reply:
    conversation = _acting(context, command.conversation_id)
    before = conversations.claim(context.uow, conversation, actor=context.user, now=context.now)
    if before == context.user:
        return Reply("You have this conversation already.")
    taken = (f" It was claimed by {escape(people.name_of(context.uow, before))}." if before
             else "")
    return Reply(f"You claimed the conversation with {mask(conversation.phone)}.{taken}")


def mark_conversation_handled(command: MarkConversationHandled, context: Context) -> Reply:
    conversation = _acting(context, command.conversation_id)
    if not conversations.mark_handled(context.uow, conversation, actor=context.user,
                                      now=context.now):
        return Reply("That conversation is marked handled already.")
    return Reply(f"Marked handled. A new message from {mask(conversation.phone)} reopens it, in "
                 "the same thread.")


def add_conversation_contact(command: AddConversationContact, context: Context) -> Reply:
    conversation = _acting(context, command.conversation_id)
    contact = conversations.add_to_directory(
        context.uow, conversation,
        {"name": command.name, "language": command.language,
         "organisation": command.organisation, "regions": command.regions},
        actor=context.user, settings=context.settings, now=context.now)
    return Reply(f"Added {escape(contact.name)} ({mask(contact.phone)}) to the directory: "
                 f"{describe(contact.home_language, contact.language)}.")


def reveal_conversation_number(command: RevealConversationNumber, context: Context) -> Reply:
    conversation = conversations.get(context.uow, command.conversation_id)
    phone = conversations.reveal(context.uow, conversation, actor=context.user, now=context.now)
    return Reply(f"The number is {phone}. Only you can see this message; that you asked for it "
                 "is recorded.")


DOING = "send SMS notices"
BY_HAND = ("coordinator", "record answers and opt-outs by hand")
ROUTES = (
    Route(DraftNotice, draft, "coordinator", DOING),
    Route(ConfirmNotice, confirm, "coordinator", DOING),
    Route(CancelNotice, cancel, "coordinator", DOING),
    Route(RetryFailedTexts, retry_failed, "coordinator", "retry texts that failed"),
    Route(RecordRsvpByHand, rsvp_by_hand, *BY_HAND),
    Route(RecordRsvpById, rsvp_by_id, *BY_HAND),
    Route(OptOutByHand, opt_out_by_hand, *BY_HAND),
    Route(OptOutById, opt_out_by_id, *BY_HAND),
    Route(DirectMessage, direct_message),
    Route(ReplyToConversation, reply_to_conversation, before=_name),
    Route(ClaimConversation, claim_conversation, before=_name),
    Route(MarkConversationHandled, mark_conversation_handled, before=_name),
    Route(AddConversationContact, add_conversation_contact, "coordinator",
          "add people to the directory", before=_name),
    Route(RevealConversationNumber, reveal_conversation_number, "coordinator",
          "see the full number of someone who texted in"),
)
