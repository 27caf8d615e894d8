"""Every kind of outbox message, in one place: each names the sender that delivers the row.

The values are stored in ``outbox.kind``; rows written by earlier versions must keep matching a
sender, so a value never changes (add a new kind instead). The producers (services) and the
senders (``delivery`` modules, ``bootstrap``) both name kinds from here, so neither has to import
the other for a constant.
"""

from enum import StrEnum


class Kind(StrEnum):
    SMS = "sms"
    DIAL_OUT = "voice.dial_out"
    VOICE_MESSAGE = "voice.message"  # a phone call that reads a text to a contact
    END_CONFERENCE = "voice.end_conference"  # a coordinator ended a hosted call
    PROVISION_CHANNEL = "slack.provision_channel"
    INVITE = "slack.invite"
    POST = "slack.post"
    PIN = "slack.pin"
    UPLOAD = "slack.upload"
    DELIVERY_SUMMARY = "slack.delivery_summary"
    INCIDENT_CARD = "slack.incident_card"
    ACTION_CARD = "slack.action_card"
    NOTES_CARD = "slack.notes_card"
    NOTES_PUBLISH = "slack.notes_publish"
    REPLY = "slack.reply"
    SMS_FAILURE_REPORT = "slack.sms_failure_report"
    CONVERSATION_CARD = "slack.conversation_card"
    CONVERSATION_THREAD = "slack.conversation_thread"
    NOTES_SUMMARY = "notes.summary"  # the office's summariser proposes a summary of a call


def phone_kind(channel: str) -> Kind:
    """How a message to a contact's phone goes: a call that reads it to a person reached by voice
    (the directory's ``channel``, or a landline), else an SMS. The payload is the same
    (``{"body": …}``): the call reads the text without its reply instructions."""
    return Kind.VOICE_MESSAGE if channel == "voice" else Kind.SMS


# The order due messages are claimed in, lowest first (``outbox.priority``), by their purpose:
# an answer to a person who just wrote, then what is bound to a moment (a reminder before the
# call, a dial-out at its start, a change to a call), then everything else, then bulk sends
# (notices, invitations, notes summaries) that may take minutes at the carrier's rate.
# The SMS that answer a keyword (HELP, STOP, START, an RSVP) are TwiML replies to Twilio's
# webhook: they never wait in the outbox at all.
REPLY, TIME_BOUND, NORMAL, BULK = 0, 1, 2, 3
PRIORITY = {
    "reply": REPLY, "reply_edit": REPLY, "conversation_reply": REPLY, "dm_reply": REPLY,
    "mention_help": REPLY,
    "reminder": TIME_BOUND, "dial_out": TIME_BOUND, "cancel": TIME_BOUND,
    "reschedule": TIME_BOUND, "action-remind": TIME_BOUND,
    "incident_notice": BULK, "invite": BULK, "notes_summary": BULK, "announce": BULK,
}


def priority_of(purpose: str) -> int:
    return PRIORITY.get(purpose, NORMAL)
