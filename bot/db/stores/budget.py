"""Send budgets: one row per sender, reserved one message at a time under the row's lock.

``reserve`` runs in its own short transaction: on PostgreSQL ``SELECT … FOR UPDATE`` holds the
sender's row until the commit, on SQLite the transaction's write lock (``BEGIN IMMEDIATE``) does,
so two workers never take the same part of a second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.db.models import SenderBudget

# The part of each second its reservations are spread over: the last tenth stays free, so that
# a send a little late (the network, a busy core) still lands in its own second at the provider.
SPREAD = 0.9
# How far behind its pace a sender's workers may fall and still use that time's budget. None:
# measured against the emulator, a catch-up burst (0.15 s of budget) landed partly in the next
# second and took it over its budget.
CATCH_UP_S = 0.0


@dataclass(frozen=True)
class Reservation:
    """When the message may go (``send_at``), or, when the provider asked us to wait, until when
    (``paused_until``; nothing was reserved then)."""

    send_at: datetime | None
    paused_until: datetime | None = None


class BudgetRepository:
    def __init__(self, session: Session):
        self._session = session

    def reserve(self, sender: str, *, segments: int, per_second: float,
                now: datetime) -> Reservation:
        """Takes ``segments`` of ``sender``'s budget (``per_second`` segments in every whole
        second) in the earliest second that has room, and returns when the message may go: its
        place in that second, so that the second's messages are spread over it (and none is
        placed in the part of a second already past). A message longer than a whole second's
        budget starts a second of its own and takes as many as it needs."""
        row = self._locked(sender, now)
        if row.paused_until is not None and row.paused_until > now:
            return Reservation(None, row.paused_until)
        current = math.floor(now.timestamp())
        if row.slot_second < current:
            row.slot_second, row.slot_used = current, 0.0
        if row.slot_second == current:
            # What of this second has passed unused (beyond ``CATCH_UP_S``) is gone: workers
            # that fell behind go on at the budget's pace, never in a burst to catch up.
            passed = (now.timestamp() - current - CATCH_UP_S) / SPREAD * per_second
            row.slot_used = max(row.slot_used, min(passed, per_second))
        if segments <= per_second:
            if row.slot_used + segments > per_second + 1e-9:
                row.slot_second, row.slot_used = row.slot_second + 1, 0.0
            start, position = row.slot_second, row.slot_used
            row.slot_used += segments
        else:
            if row.slot_used > 0:
                row.slot_second, row.slot_used = row.slot_second + 1, 0.0
            start, position = row.slot_second, 0.0
            whole = int(segments // per_second)
            row.slot_second += whole
            row.slot_used = segments - whole * per_second
        at = datetime.fromtimestamp(start, UTC) + timedelta(
            seconds=SPREAD * position / per_second)
        return Reservation(max(at, now))

    def pause(self, sender: str, *, until: datetime, now: datetime) -> None:
        """No reservation succeeds for ``sender`` before ``until``."""
        row = self._locked(sender, now)
        if row.paused_until is None or row.paused_until < until:
            row.paused_until = until

    def _locked(self, sender: str, now: datetime) -> SenderBudget:
        insert = (postgresql_insert if self._session.get_bind().dialect.name == "postgresql"
                  else sqlite_insert)
        self._session.execute(
            insert(SenderBudget)
            .values(sender=sender, slot_second=math.floor(now.timestamp()), slot_used=0.0)
            .on_conflict_do_nothing(index_elements=["sender"]))
        return self._session.scalars(
            select(SenderBudget).where(SenderBudget.sender == sender).with_for_update()
            .execution_options(populate_existing=True)).one()
