"""The scheduler's log: a tick that finds nothing to do writes nothing; one that fires says so."""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from apscheduler.events import EVENT_JOB_EXECUTED

from bot.bootstrap import bootstrap
from bot.config import Settings
from bot.db.models import DueJob
from schedules.runner import SchedulerRunner
from tests.support.fakes import FakeClock, FakeSlack, FakeSms
from tests.support.waiting import wait_until


def fast_ticks(settings: Settings) -> Settings:
    """Ticks every 50 ms, on an advisory lock no other test (or deployment) holds."""
    return settings.model_copy(update={"scheduler": settings.scheduler.model_copy(update={
        "tick_s": 0.05, "lock_key": random.randrange(1 << 40, 1 << 62)})})


def tick_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name.startswith(("apscheduler.executors", "schedules"))
            and r.levelno >= logging.INFO]


def test_idle_ticks_write_nothing_and_a_tick_that_fires_writes_one_line(settings, caplog):
    caplog.set_level(logging.INFO)
    clock = FakeClock()
    container = bootstrap(fast_ticks(settings), clock=clock, slack=FakeSlack(), sms=FakeSms())
    runner = SchedulerRunner(container)
    ran: list[object] = []
    try:
        runner.start()  # its catch-up tick, in this thread, found nothing to fire
        runner._scheduler.add_listener(ran.append, EVENT_JOB_EXECUTED)
        wait_until(lambda: len(ran) >= 3, what="three idle ticks")
    finally:
        runner.stop()
    assert tick_lines(caplog) == ["scheduler started (tick every 0.05s)"], "idle ticks: no lines"

    with container.db.unit_of_work() as uow:  # a job of a kind no capability fires: it fails
        uow.calls.add_job(DueJob(key="probe:1", kind="probe", status="pending",
                                 due_at=clock.now() - timedelta(seconds=1), payload={}))
        uow.commit()
    caplog.clear()
    runner = SchedulerRunner(container)  # a stopped runner ticks no more
    try:
        assert runner.tick() == 1
        assert runner.tick() == 0
    finally:
        runner._leadership.release()
        container.stop()
    assert tick_lines(caplog) == ["unknown due job kind probe (probe:1)",
                                  "scheduler tick fired 1 due item(s)"]
