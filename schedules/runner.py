"""The scheduler: APScheduler 3 ticks; the leader process fires the due work.

APScheduler keeps no jobs of ours in a store (its FAQ: job stores must never be shared between
schedulers). The durable state is the ``due_jobs`` table; APScheduler only provides the tick, and
the tick only works in the process holding the leadership (see ``bot.db.leadership``).

Due work is fired on time, not at the next tick: after each tick the leader looks up the next
pending job and, when it comes due before the next tick, asks APScheduler for one run at that
instant. A standby plans the same run, so it tries the lock when the job comes due: a leader
that died meanwhile is replaced on time rather than at the standby's next tick; while the job
stays pending past its time (the leader died or hangs) the standby tries again every
``STANDBY_RETRY_S``. Otherwise a standby takes the lock at its next tick after the leader's
session ends. Runs never overlap in one process (``_ticking``).

``start`` first fires what is already due (after a restart: whatever came due while no process
ran the scheduler), in the caller's thread and before APScheduler is even imported, so the
outbox worker started next finds those messages queued. ``catch_up`` does it a job at a time,
oldest first, and delivers after each: after a cold restart the reminders that came due first
go out first, not once every job that came due meanwhile has been fired.

A tick logs only when it fired something. APScheduler's executor writes two INFO lines for every
run of every job ("Running job …", "… executed successfully"): with a tick every few seconds
they were most of the log, so that logger is kept to warnings (a missed or failed run still
shows).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.bootstrap import Container
from bot.db.leadership import leadership_for
from bot.observe import metrics
from schedules.jobs import fire_due_work, next_due_at

log = logging.getLogger(__name__)
EXECUTOR_LOGGER = "apscheduler.executors.default"
ON_TIME_JOB = "on-time"  # the one-off run at the next job's due time
# How often a standby tries the lock while a job is pending past its due time.
STANDBY_RETRY_S = 0.25
# ``catch_up``: jobs fired a transaction at a time, and at most this many such rounds (a long
# outage's backlog is left to the ticks, 200 jobs a transaction).
CATCH_UP_ROUNDS = 20

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler


class SchedulerRunner:
    def __init__(self, container: Container):
        logging.getLogger(EXECUTOR_LOGGER).setLevel(logging.WARNING)
        self._container = container
        settings = container.settings.scheduler
        self._tick_s = settings.tick_s
        self._leadership = leadership_for(container.db.engine, settings.lock_key)
        self._ticking = threading.Lock()
        self._scheduler: BackgroundScheduler | None = None  # made by ``start``
        self._stopping = False  # set under ``_ticking`` by ``stop``: no tick runs or plans after

    def catch_up(self, deliver: Callable[[], object]) -> int:
        """Fires what is already due one job a transaction, oldest first, calling ``deliver``
        after each job fired (at most ``CATCH_UP_ROUNDS``); returns how many were fired."""
        total = 0
        for _ in range(CATCH_UP_ROUNDS):
            fired = self.tick(limit=1)
            if not fired:
                break
            total += fired
            deliver()
        return total

    def tick(self, *, limit: int = 200) -> int:
        with self._ticking:
            if self._stopping:
                return 0
            if not self._leadership.acquire():
                metrics.scheduler_tick(led=False)
                self._plan_on_time(standby=True)
                return 0
            try:
                fired = fire_due_work(self._container, limit=limit)
            except Exception:
                log.exception("scheduler tick failed; the next tick retries")
                metrics.scheduler_tick(led=True, failed=True)
                return 0
            metrics.scheduler_tick(led=True, fired=fired)
            if fired:
                log.info("scheduler tick fired %d due item(s)", fired)
            self._plan_on_time()
            return fired

    def _plan_on_time(self, *, standby: bool = False) -> None:
        """One run at the next pending job's due time when that is before the next tick."""
        if self._scheduler is None or not self._scheduler.running:
            return
        try:
            when = self.on_time_run(standby=standby)
        except Exception:  # the next tick still fires it
            log.warning("could not look up the next due job", exc_info=True)
            return
        if when is not None:
            self._run_at(when)

    def on_time_run(self, *, standby: bool = False) -> datetime | None:
        """When (on this host's clock) to run for the next pending job, if before the next tick.

        The leader runs at once for a job already due; a standby, which just failed to take the
        lock, waits ``STANDBY_RETRY_S`` (the leader fires such a job within milliseconds when
        it is alive)."""
        due = next_due_at(self._container)
        if due is None:
            return None
        wait_s = (due - self._container.clock.now()).total_seconds()
        if standby and wait_s <= 0:
            wait_s = STANDBY_RETRY_S
        if wait_s >= self._tick_s:
            return None
        return datetime.now(UTC) + timedelta(seconds=max(0.0, wait_s))

    def _run_at(self, when: datetime) -> None:
        from apscheduler.triggers.date import DateTrigger

        assert self._scheduler is not None
        self._scheduler.add_job(self.tick, DateTrigger(run_date=when), id=ON_TIME_JOB,
                                replace_existing=True, misfire_grace_time=None)

    def start(self) -> None:
        """Fires what is due now, then starts the ticks."""
        self.tick()
        from apscheduler.schedulers.background import BackgroundScheduler
        from apscheduler.triggers.interval import IntervalTrigger

        self._scheduler = BackgroundScheduler(timezone="UTC")
        # The first tick at once too: it plans the on-time run the catch-up above could not.
        self._scheduler.add_job(self.tick, IntervalTrigger(seconds=self._tick_s), id="tick",
                                replace_existing=True, max_instances=1, coalesce=True,
                                next_run_time=datetime.now(UTC))
        self._scheduler.start()
        log.info("scheduler started (tick every %ss)", self._tick_s)

    def stop(self) -> None:
        # APScheduler's shutdown holds its job-store lock while it waits for running ticks, and a
        # tick that plans its on-time run needs that lock: so no tick may be planning by then.
        with self._ticking:
            self._stopping = True
        try:
            if self._scheduler is not None and self._scheduler.running:
                self._scheduler.shutdown(wait=True)
        finally:
            self._leadership.release()
