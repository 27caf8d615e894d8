"""SMS as typed commands: notices to an incident's audience, what staff record by hand, and the
conversations with people who text in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DraftNotice:
    """``/incident notify TEXT``: previewed, and sent at once only when small."""

    key: str | None
    text: str


@dataclass(frozen=True)
class ConfirmNotice:
    notice_id: int


@dataclass(frozen=True)
class CancelNotice:
    notice_id: int


@dataclass(frozen=True)
class RetryFailedTexts:
    """A failure report's *Retry these*: its texts that a retry could deliver, queued again."""

    cause: str  # the send, e.g. ``notice:2``
    report: int  # the report's number within that send


@dataclass(frozen=True)
class RecordRsvpByHand:
    """``/incident rsvp CONTACT yes|no|maybe [call N]``: someone answered by phone."""

    key: str | None
    contact: str  # a name or a phone number
    answer: str  # yes | no | maybe
    call: str = ""  # a call number; empty for the next call


@dataclass(frozen=True)
class OptOutByHand:
    """``/incident optout CONTACT``: someone asked by phone to get no more texts."""

    contact: str


@dataclass(frozen=True)
class RecordRsvpById:
    """A Yes / No / Maybe button under a forwarded SMS."""

    call_id: int
    contact_id: int
    answer: str


@dataclass(frozen=True)
class OptOutById:
    """The Opt out button under a forwarded SMS."""

    contact_id: int


@dataclass(frozen=True)
class DirectMessage:
    """A staff member's direct message to the bot: an RSVP, ``DONE N``, or anything else."""

    channel: str
    ts: str
    user: str
    text: str


@dataclass(frozen=True)
class ReplyToConversation:
    """The Reply form on a conversation's card: ``text`` goes by SMS, as typed."""

    conversation_id: int
    text: str


@dataclass(frozen=True)
class ClaimConversation:
    conversation_id: int


@dataclass(frozen=True)
class MarkConversationHandled:
    conversation_id: int


@dataclass(frozen=True)
class AddConversationContact:
    """The Add to directory form: a directory entry for the conversation's number."""

    conversation_id: int
    name: str
    language: str
    organisation: str = ""
    regions: str = ""


@dataclass(frozen=True)
class RevealConversationNumber:
    conversation_id: int
