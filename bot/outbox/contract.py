"""What a sender gives the outbox worker: the outcomes it returns or raises, and the hooks it
may offer (``bot.outbox.worker`` calls them; each kind's sender implements them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.db.models import OutboxMessage
from bot.db.unit_of_work import UnitOfWork
from bot.ports import DeliveryError

EXPIRED = "expired"  # the status (and error code) of a message not sent because it was too late


@dataclass(frozen=True)
class Delivered:
    provider_id: str | None = None


class Deferred(Exception):
    """The message cannot go yet (e.g. its channel is still being created); try again soon."""

    def __init__(self, reason: str, delay_s: float = 2.0):
        super().__init__(reason)
        self.delay_s = delay_s


class Suppressed(DeliveryError):
    """The message must not go (e.g. the recipient texted STOP): recorded as ``suppressed``."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(code, message, permanent=True)


class Expired(DeliveryError):
    """The message was bound to a moment that has passed (a reminder once its call began): it
    is recorded ``expired`` and never sent."""

    def __init__(self, message: str = "too late to be worth sending"):
        super().__init__(EXPIRED, message, permanent=True)


Sender = Callable[[OutboxMessage], Delivered]
# How an outcome other than a plain send is recorded: it changes the row, returns its error.
Recorder = Callable[[UnitOfWork, OutboxMessage], DeliveryError | None]
# What runs in the recording transaction after every batch's outcomes, whatever their kinds
# (``bot.outbox.follow_ups.queue_edits``: replies edited once their post is out).
AfterRecord = Callable[[UnitOfWork, list[tuple[OutboxMessage, DeliveryError | None]], Any], None]
# A sender may also offer, as attributes:
#   prepare(uow, messages) -> dict[message id, Suppressed]     checks a claimed batch at once
#   after_outcomes(uow, [(row, error | None), ...]) -> None     what the batch's outcomes mean
#   reconcile(row) -> Delivered | None                          for a row whose outcome is unknown
#       (ports.OutcomeUnknown, or a lease that expired mid-send): asks the provider whether the
#       message exists. Delivered: it does, record it; None: it does not, send it; raising
#       DeliveryError: the provider could not say, so the row stays unknown and is asked again
#       later (never sent blindly).
#   rate_per_s -> float                                          its sustained rate (0: unlimited),
#       so that a claim is no bigger than can be sent within one lease
