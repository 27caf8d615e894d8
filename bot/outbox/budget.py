"""One send budget per SMS sender, shared by every worker and counted in segments.

A carrier sends a fixed number of segments per second per sender (a US long code 1, a toll-free
number 3 by default, a short code 100, a Messaging Service about the sum of its pool) and queues
the rest at Twilio for up to 10 hours. So the budget is the sender's, not one process's: it lives
in the database (``sender_budgets``, one row per sender), and every worker of every process
reserves its message's segments there before it sends. A reservation is a place in a one-second
slot: the slot's messages are spread over its first nine tenths (``stores.budget.SPREAD``), and
a slot never holds more than the budget, whoever reserved. So N workers together never exceed
the budget in any second, and together use all of it.

A provider's "too many requests, come back in N seconds" (HTTP 429 with ``Retry-After``) is about
the account: ``pause`` records it on the same row, and every worker's next reservation defers its
message rather than sleeping through the pause.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.db.unit_of_work import Database
from bot.observe import metrics

# A Retry-After beyond this is treated as this: a provider's (or a proxy's) absurd value must not
# park the queue for hours.
MAX_PAUSE_S = 300.0
# The longest single sleep while waiting for a slot (a scaled sandbox clock runs faster).
MAX_SLEEP_S = 0.25
# A send this late for its place (seconds) takes a new one, at most MAX_TRIES times in all: the
# last tenth of each second is kept free for sends up to that late (``stores.budget.SPREAD``).
LATE_S = 0.05
MAX_TRIES = 3


class SendBudget:
    def __init__(self, *, db: Database, clock: Clock, sender: str, segments_per_s: float,
                 sleep: Callable[[float], None] = time.sleep):
        self._db = db
        self._clock = clock
        self.sender = sender
        self._rate = segments_per_s
        self._sleep = sleep
        # This process's copy of the last pause it recorded: a send already past its
        # reservation when another thread's 429 came back checks it before it goes.
        self._paused_until: datetime | None = None

    @property
    def rate_per_s(self) -> float:
        """Segments per second (0: no limit)."""
        return self._rate

    def take(self, segments: int) -> float:
        """Waits until ``segments`` more may go and returns 0; or, when the provider asked us
        to wait, returns the seconds left of that pause (and takes nothing).

        Without a budget (a rate of 0) nothing is reserved and nothing waits: only a pause this
        process recorded holds the message back."""
        if self._rate <= 0:
            return self.paused_for()
        for _ in range(MAX_TRIES):
            with self._db.unit_of_work() as uow:
                now = self._clock.now()
                reservation = uow.budgets.reserve(self.sender, segments=max(1, segments),
                                                  per_second=self._rate, now=now)
                uow.commit()
            if reservation.send_at is None:
                return max((reservation.paused_until - now).total_seconds(), 0.001)
            self._wait_until(reservation.send_at, now)
            # A thread that woke too late (a busy machine) would land in the next second, whose
            # budget others hold: it gives its place up and takes a new one.
            if (self._clock.now() - reservation.send_at).total_seconds() <= LATE_S:
                return 0.0
        return 0.0

    def _wait_until(self, send_at: datetime, now: datetime) -> None:
        wait = (send_at - now).total_seconds()
        if wait > 0:
            metrics.rate_limit_wait(wait)
        slept = 0.0  # bounded, should the clock not move with the sleeps (a frozen test clock)
        while (left := (send_at - self._clock.now()).total_seconds()) > 0 \
                and slept < wait + MAX_SLEEP_S:
            step = min(left, MAX_SLEEP_S)
            self._sleep(step)
            slept += step

    def paused_for(self) -> float:
        """Seconds left of the last pause this process recorded (0 when none)."""
        until = self._paused_until
        return 0.0 if until is None else max(0.0, (until - self._clock.now()).total_seconds())

    def pause(self, seconds: float) -> None:
        """No reservation succeeds for ``seconds`` (capped at ``MAX_PAUSE_S``) from now."""
        seconds = min(max(0.0, float(seconds)), MAX_PAUSE_S)
        now = self._clock.now()
        until = now + timedelta(seconds=seconds)
        self._paused_until = max(self._paused_until or until, until)
        with self._db.unit_of_work() as uow:
            uow.budgets.pause(self.sender, until=until, now=now)
            uow.commit()
