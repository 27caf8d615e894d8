"""The scheduler: APScheduler 3 ticks; the leader process fires the due work.

APScheduler keeps no jobs of ours in a store (its FAQ: job stores must never be shared between
schedulers). The durable state is the ``due_jobs`` table; APScheduler only provides the tick, and
the tick only works in the process holding the leadership (see ``bot.db.leadership``).

A tick logs only when it fired something. APScheduler's executor writes two INFO lines for every
run of every job ("Running job …", "… executed successfully"): with a tick every few seconds
they were most of the log, so that logger is kept to warnings (a missed or failed run still
shows).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.bootstrap import Container
from bot.db.leadership import leadership_for
from bot.observe import metrics
from schedules.jobs import fire_due_work

log = logging.getLogger(__name__)
EXECUTOR_LOGGER = "apscheduler.executors.default"


class SchedulerRunner:
    def __init__(self, container: Container):
        logging.getLogger(EXECUTOR_LOGGER).setLevel(logging.WARNING)
        self._container = container
        settings = container.settings.scheduler
        self._leadership = leadership_for(container.db.engine, settings.lock_key)
        self._scheduler = BackgroundScheduler(timezone="UTC")
        self._scheduler.add_job(self.tick, IntervalTrigger(seconds=settings.tick_s), id="tick",
                                replace_existing=True, max_instances=1, coalesce=True,
                                next_run_time=datetime.now(UTC))  # catch up at once on start

    def tick(self) -> int:
        if not self._leadership.acquire():
            metrics.scheduler_tick(led=False)
            return 0
        try:
            fired = fire_due_work(self._container)
        except Exception:
            log.exception("scheduler tick failed; the next tick retries")
            metrics.scheduler_tick(led=True, failed=True)
            return 0
        metrics.scheduler_tick(led=True, fired=fired)
        if fired:
            log.info("scheduler tick fired %d due item(s)", fired)
        return fired

    def start(self) -> None:
        self._scheduler.start()
        log.info("scheduler started (tick every %ss)", self._container.settings.scheduler.tick_s)

    def stop(self) -> None:
        try:
            if self._scheduler.running:
                self._scheduler.shutdown(wait=True)
        finally:
            self._leadership.release()
