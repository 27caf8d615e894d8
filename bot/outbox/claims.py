"""This worker's name on its claims, freeing the claims of workers that died, and keeping a
slow sender's share of a claim to what it can send within the lease.

A worker killed while it held a batch (a crash, a SIGKILL, a rolling restart's old process)
would leave the batch's rows until their lease runs out; a reminder among them would go out that
much late. ``DeadClaims.sweep`` runs in the claim's transaction, at the first claim and then at
most every ``CHECK_S``: it frees the rows of every worker that ``bot.db.claimants`` finds gone,
and the claim that follows takes them at once (asking the provider first, as after an expired
lease). While live workers other than this one hold rows, an idle worker looks again every
``CHECK_S`` instead of every poll interval, so it notices their death quickly.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from bot.clock import Clock
from bot.db.models import OutboxMessage
from bot.db.unit_of_work import Database, UnitOfWork

log = logging.getLogger(__name__)
CHECK_S = 0.25  # how often a worker looks for dead workers' claims (at most a quarter lease)


class DeadClaims:
    def __init__(self, *, db: Database, clock: Clock, lease_s: float):
        self._claimant = db.claimant()
        self._clock = clock
        self._every = timedelta(seconds=min(CHECK_S, lease_s / 4))
        self._last: datetime | None = None
        self.watching = False  # live workers other than this one held rows at the last look
        self.sharing = 1  # the workers holding rows at the last look, this one counted in

    def token(self) -> str | None:
        """The name this worker writes on its claims (None: it has none, the lease alone)."""
        return self._claimant.token()

    def sweep(self, uow: UnitOfWork) -> int:
        """Frees dead workers' rows in ``uow`` when it is time to look; returns how many."""
        now = self._clock.now()
        if self._last is not None and now - self._last < self._every:
            return 0
        self._last = now
        self._claimant.check()
        freed, others = uow.outbox.free_dead_claims(self._claimant, now=now)
        self.watching, self.sharing = others > 0, 1 + others
        if freed:
            log.info("outbox: %d row(s) claimed by a worker that is gone are due again", freed)
        return freed

    def idle_wait(self, poll_s: float) -> float:
        return min(poll_s, self._every.total_seconds()) if self.watching else poll_s

    def close(self) -> None:
        self._claimant.close()


def within_rates(uow: UnitOfWork, claimed: list[OutboxMessage], senders: dict[str, Any],
                 lease_s: float) -> list[OutboxMessage]:
    """``claimed`` less the rows of a rate-limited sender (``rate_per_s``: phone calls, one a
    second) beyond what it sends in half a lease; those are handed back at once, due as before,
    for this or another worker's next claim. Only that sender's kind is cut: a claim of texts
    is not held to the pace of calls."""
    kept, handed_back = [], []
    taken: dict[str, int] = {}
    for message in sorted(claimed, key=lambda m: (m.priority, m.next_attempt_at, m.id)):
        rate = getattr(senders.get(message.kind), "rate_per_s", 0) or 0
        count = taken[message.kind] = taken.get(message.kind, 0) + 1
        if rate > 0 and count > max(1, int(rate * lease_s / 2)):
            handed_back.append(message.id)
        else:
            kept.append(message)
    if handed_back:
        uow.outbox.hand_back(handed_back)
    return sorted(kept, key=lambda m: m.id)
