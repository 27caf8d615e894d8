"""What a command shows the person who ran it.

A reply never says that a post or an SMS happened when it is only queued in the outbox. A reply
about one post can name it (``FollowUp``): the reply then says the post is queued and is edited
in place, once, when the post is out or has failed (``bot.outbox.follow_ups``).
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FollowUp:
    """The outbox row ``key`` the reply speaks of; ``lead`` is the reply without its queued
    sentence, and ``what`` names the post in the edit ("the update", "its channel")."""

    key: str
    lead: str
    what: str


@dataclass(frozen=True)
class Reply:
    text: str
    blocks: list[dict] | None = field(default=None)
    follow_up: FollowUp | None = field(default=None)


def queued(lead: str, *, key: str, what: str, channel: str | None) -> Reply:
    """``lead``, then the honest sentence about a post still in the outbox: queued for
    ``channel``, or waiting for the incident's channel (None: it is being created)."""
    if channel is None:
        where = "will be posted to the incident's channel as soon as it is created."
    elif channel[:1] in ("U", "W", "D"):
        where = "is queued for a direct message to you."
    else:
        where = f"is queued for <#{channel}>."
    return Reply(f"{lead} {what[:1].upper()}{what[1:]} {where}",
                 follow_up=FollowUp(key=key, lead=lead, what=what))
