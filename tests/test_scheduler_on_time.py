"""The scheduler fires due work on time, not at its next tick: after a tick the runner plans
one run at the next pending job's due time when that comes before the next tick (and at once for
one already due); none when the next job is further off than a tick. (A standby taking over
within a tick: ``tests/test_scheduler.py``.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.bootstrap import bootstrap
from schedules.runner import SchedulerRunner
from tests.support.fakes import FakeClock, FakeSlack, FakeSms
from tests.test_scheduler import plan_calls, with_scheduler


def test_the_next_job_is_planned_at_its_due_time_when_it_comes_before_the_next_tick(settings):
    settings = with_scheduler(settings)
    settings.scheduler.tick_s = 1.0
    clock = FakeClock()
    container = bootstrap(settings, clock=clock, slack=FakeSlack(), sms=FakeSms())
    runner = SchedulerRunner(container)
    try:
        assert runner.on_time_run() is None  # no job at all
        start = clock.now() + timedelta(hours=2)
        plan_calls(container, starts=[start], now=clock.now())  # a reminder due at start - 1 h
        reminder = start - timedelta(minutes=60)
        clock.current = reminder - timedelta(seconds=5)
        assert runner.on_time_run() is None  # five ticks away: the ticks will get there
        clock.current = reminder - timedelta(seconds=0.4)
        before = datetime.now(UTC)
        when = runner.on_time_run()
        assert when is not None
        assert timedelta(seconds=0.35) <= when - before <= timedelta(seconds=0.45) + (
            datetime.now(UTC) - before)
        clock.current = reminder + timedelta(seconds=3)  # already due: at once
        when = runner.on_time_run()
        assert when is not None and when <= datetime.now(UTC)
        assert runner.tick() == 1 and runner.on_time_run() is None  # fired: nothing left
    finally:
        runner._leadership.release()  # stop() would shut down a scheduler never started
        container.stop()
