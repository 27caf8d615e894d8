"""The inbox: a request added once per dedupe key, claimed under a lease, finished once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db.models import InboxRequest


class InboxRepository:
    def __init__(self, session: Session):
        self._session = session

    def add(self, request: InboxRequest) -> bool:
        """Adds the request unless its dedupe key is known (a replay); True if added."""
        try:
            with self._session.begin_nested():
                self._session.add(request)
        except IntegrityError:
            return False
        return True

    def claim(self, *, now: datetime, limit: int, lease: timedelta,
              max_attempts: int) -> list[InboxRequest]:
        """Up to ``limit`` pending requests (or running ones whose worker died), oldest first."""
        due = (select(InboxRequest.id)
               .where(or_(InboxRequest.status == "pending",
                          (InboxRequest.status == "running") & (InboxRequest.claimed_until < now)),
                      InboxRequest.attempts < max_attempts)
               .order_by(InboxRequest.id).limit(limit).with_for_update(skip_locked=True))
        ids = list(self._session.scalars(due))
        if not ids:
            return []
        self._session.execute(update(InboxRequest).where(InboxRequest.id.in_(ids))
                              .values(status="running", claimed_until=now + lease,
                                      attempts=InboxRequest.attempts + 1))
        return list(self._session.scalars(select(InboxRequest).where(InboxRequest.id.in_(ids))
                                          .order_by(InboxRequest.id)
                                          .execution_options(populate_existing=True)))

    def give_up_exhausted(self, *, now: datetime, max_attempts: int) -> int:
        """Requests whose worker died ``max_attempts`` times while running them: failed."""
        result = self._session.execute(
            update(InboxRequest)
            .where(InboxRequest.status == "running", InboxRequest.claimed_until < now,
                   InboxRequest.attempts >= max_attempts)
            .values(status="failed", finished_at=now,
                    error="its worker stopped while running it, every attempt"))
        return result.rowcount or 0

    def extend(self, ids: list[int], *, until: datetime) -> None:
        """Renews the lease of requests this worker still holds."""
        self._session.execute(update(InboxRequest)
                              .where(InboxRequest.id.in_(ids), InboxRequest.status == "running")
                              .values(claimed_until=until))

    def finish(self, request_id: int, *, now: datetime, error: str | None = None) -> None:
        self._session.execute(update(InboxRequest).where(InboxRequest.id == request_id)
                              .values(status="failed" if error else "done", finished_at=now,
                                      error=error, claimed_until=None))

    def waiting(self) -> int:
        return self._session.scalar(select(func.count()).select_from(InboxRequest)
                                    .where(InboxRequest.status.in_(("pending", "running")))) or 0

    def list(self, *, status: str | None = None) -> Sequence[InboxRequest]:
        query = select(InboxRequest).order_by(InboxRequest.id)
        if status is not None:
            query = query.where(InboxRequest.status == status)
        return self._session.scalars(query).all()
