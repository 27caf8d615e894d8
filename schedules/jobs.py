"""Thin jobs: each tick fires every capability's due work in one unit of work.

``DUE_JOBS`` is the one table from a due job's kind to the function that fires it; each
capability's ``jobs`` module offers its own. ``EVERY_TICK`` is work that looks at the time itself
(the daily overdue digest). The audit chain's anchor and the daily retention run (a batch a
tick, then the inbox's finished requests) are looked at every tick too, and not counted: they
are bookkeeping, not due work.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from bot.actions import jobs as action_jobs
from bot.bootstrap import Container
from bot.calls import jobs as call_jobs
from bot.config import Settings
from bot.db.unit_of_work import UnitOfWork
from bot.records import jobs as audit_jobs
from bot.records import retention

log = logging.getLogger(__name__)
DUE_JOBS = {**call_jobs.DUE_JOBS, **action_jobs.DUE_JOBS}
EVERY_TICK = (*action_jobs.EVERY_TICK,)


def fire_due_work(container: Container, *, limit: int = 200) -> int:
    """Fires up to ``limit`` due jobs (oldest first) and the every-tick work, in one transaction."""
    now, settings = container.clock.now(), container.settings
    with container.db.unit_of_work() as uow:
        fired = fire_due(uow, now=now, settings=settings, limit=limit)
        fired += sum(work(uow, now=now, settings=settings) for work in EVERY_TICK)
        anchored = audit_jobs.anchor(uow, now=now, settings=settings)
        retained = audit_jobs.retain(uow, now=now, settings=settings)
        uow.commit()
    if retained:
        retention.forget_requests(container.inbox_db, container.db, now=now, settings=settings)
    if fired or anchored:
        container.wakeup.notify()
    return fired


def next_due_at(container: Container) -> datetime | None:
    """When the next pending due job comes due (None: there is none)."""
    with container.db.unit_of_work(read_only=True) as uow:
        due = uow.calls.next_due_at()
    if due is not None and due.tzinfo is None:  # SQLite hands instants back without their zone
        due = due.replace(tzinfo=UTC)
    return due


def fire_due(uow: UnitOfWork, *, now: datetime, settings: Settings, limit: int = 200) -> int:
    """Claims due jobs (``FOR UPDATE SKIP LOCKED`` on PostgreSQL) and fires each once."""
    jobs = uow.calls.claim_due_jobs(now=now, limit=limit)
    for job in jobs:
        fire = DUE_JOBS.get(job.kind)
        if fire is None:
            log.error("unknown due job kind %s (%s)", job.kind, job.key)
            job.status = "failed"
            continue
        fire(uow, job, now, settings)
    return len(jobs)
