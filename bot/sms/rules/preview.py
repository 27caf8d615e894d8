"""What a coordinator is shown before an SMS notice goes out, and what the channel is shown
once it went: values, no I/O.

The notices service builds them; the Slack blocks render them. Keeping the value types here
lets the blocks read them without importing the service that queues messages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal


@dataclass
class LanguagePreview:
    language: str
    recipients: int
    segments: int
    example: str
    translated: bool
    reviewed: bool = True  # a translator reviewed this language's catalog (the notice's frame)
    by_call: int = 0  # of the recipients, those reached by a phone call reading it (no SMS)

    @property
    def texted(self) -> int:
        return self.recipients - self.by_call


@dataclass
class Preview:
    """Every notice's preview. ``needs_confirmation`` False: the notice is small enough (at most
    ``sms.confirm_threshold`` recipients) that it was queued without a Confirm, due ``hold_s``
    seconds later (its undo window); the preview is still the coordinator's answer, with the
    same texts, counts and segments."""

    notice_id: int
    recipients: int
    total_segments: int
    needs_confirmation: bool
    languages: list[LanguagePreview] = field(default_factory=list)
    price_per_segment: Decimal | None = None
    confirm_threshold: int = 0
    hold_s: int = 0
    plan: SendPlan | None = None  # how long the texts take at the sender's budget

    @property
    def by_call(self) -> int:
        """Recipients reached by a phone call: not in the segments nor in the cost."""
        return sum(lang.by_call for lang in self.languages)

    @property
    def cost(self) -> Decimal | None:
        """The send's cost at the configured price; None when no price is configured."""
        if self.price_per_segment is None:
            return None
        return self.price_per_segment * self.total_segments


@dataclass(frozen=True)
class SenderOption:
    """A configured sender (``sms.sender``'s kinds), its budget and a Messaging Service's pool."""

    sender: str
    segments_per_s: float
    pool: int = 1


@dataclass(frozen=True)
class SendPlan:
    """How long ``texts`` SMS of ``segments`` segments in all take at the sender's budget of
    ``segments_per_s`` (0: no limit); ``pool`` is the number of a Messaging Service's senders;
    ``others`` the other senders the office has configured, for comparison."""

    texts: int
    segments: int
    segments_per_s: float
    sender: str | None = None
    pool: int = 1
    others: tuple[SenderOption, ...] = ()

    @property
    def option(self) -> SenderOption:
        return SenderOption(self.sender or "", self.segments_per_s, self.pool)

    @property
    def duration(self) -> timedelta | None:
        """None when the sender has no limit (the time is then the workers', not the carrier's)."""
        return send_time(self.segments, self.segments_per_s)


def send_time(segments: int, segments_per_s: float) -> timedelta | None:
    """The time ``segments`` take at ``segments_per_s`` (whole seconds, rounded up)."""
    if segments_per_s <= 0:
        return None
    return timedelta(seconds=math.ceil(segments / segments_per_s))


@dataclass(frozen=True)
class Progress:
    """A running notice's texts still to go, and when they should all be out at the budget."""

    remaining: int
    remaining_segments: int
    finish: datetime | None


@dataclass(frozen=True)
class NoticePost:
    """The sent notice as the incident channel shows it: each language's text (the coordinator's,
    not the SMS frame) and how many people get it, then the delivery counts."""

    notice_id: int
    author: str
    texts: dict[str, str]
    recipients_by_language: dict[str, int]
    counts: dict[str, int]
    errors: dict[str, int]
    progress: Progress | None = None

    @property
    def recipients(self) -> int:
        return sum(self.recipients_by_language.values())
