"""SMS notices a coordinator sends to an incident's audience, as typed commands."""

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
