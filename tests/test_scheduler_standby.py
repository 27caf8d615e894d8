"""A standby takes over on time, and a start fires what came due while no scheduler ran.

* A standby (its lock try refused) plans a run at the next pending job's due time, as the leader
  does, and for a job already past due one ``STANDBY_RETRY_S`` later (never at once: the leader
  fires it within milliseconds when it is alive, and a standby must not spin on the lock).
* PostgreSQL: the leader's session ends just before a job comes due; the standby, whose ticks are
  five seconds apart, fires it at its due time.
* ``start`` fires what is already due before it returns (in the caller's thread, before the
  ticks start), oldest first.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.bootstrap import bootstrap
from bot.calls.service.calls import REMINDER
from bot.clock import SystemClock
from bot.config import Settings
from bot.db.leadership import PostgresLease
from bot.db.models import DueJob
from schedules.jobs import fire_due
from schedules.runner import ON_TIME_JOB, STANDBY_RETRY_S, SchedulerRunner
from tests.support.fakes import FakeClock, FakeSlack, FakeSms
from tests.support.waiting import wait_until
from tests.test_scheduler import job_states, plan_calls, with_scheduler


class Refused:
    """The lock another process holds: every try is refused (and counted)."""

    def __init__(self) -> None:
        self.tries = 0

    def acquire(self) -> bool:
        self.tries += 1
        return False

    def release(self) -> None:
        pass


def ticking_every(settings: Settings, tick_s: float) -> Settings:
    settings = with_scheduler(settings)
    settings.scheduler.tick_s = tick_s
    return settings


def test_a_standby_plans_its_try_at_the_next_due_time_and_retries_a_job_left_overdue(settings):
    clock = FakeClock()
    container = bootstrap(ticking_every(settings, 1.0), clock=clock, slack=FakeSlack(), sms=FakeSms())
    runner = SchedulerRunner(container)
    try:
        assert runner.on_time_run(standby=True) is None  # no job at all
        start = clock.now() + timedelta(hours=2)
        plan_calls(container, starts=[start], now=clock.now())
        reminder = start - timedelta(minutes=60)
        clock.current = reminder - timedelta(seconds=5)
        assert runner.on_time_run(standby=True) is None  # five ticks away
        clock.current = reminder - timedelta(seconds=0.4)
        before = datetime.now(UTC)
        when = runner.on_time_run(standby=True)
        assert when is not None
        assert timedelta(seconds=0.35) <= when - before <= timedelta(seconds=0.45) + (
            datetime.now(UTC) - before)
        clock.current = reminder + timedelta(seconds=3)  # overdue: the leader gets it first
        before = datetime.now(UTC)
        when = runner.on_time_run(standby=True)
        assert when is not None
        assert timedelta(seconds=STANDBY_RETRY_S) <= when - before <= timedelta(
            seconds=STANDBY_RETRY_S) + (datetime.now(UTC) - before)
        assert runner.on_time_run() <= datetime.now(UTC)  # the leader: at once
    finally:
        runner._leadership.release()
        container.stop()


def test_a_standby_tick_plans_the_run_and_fires_nothing(settings):
    clock = FakeClock()
    container = bootstrap(ticking_every(settings, 5.0), clock=clock, slack=FakeSlack(), sms=FakeSms())
    runner = SchedulerRunner(container)
    runner._leadership = refused = Refused()
    start = clock.now() + timedelta(hours=2)
    plan_calls(container, starts=[start], now=clock.now())
    clock.current = start - timedelta(minutes=60, seconds=3)  # due in 3 s, the next tick in 5 s
    try:
        runner.start()
        assert refused.tries >= 1
        before = datetime.now(UTC)
        assert runner.tick() == 0
        planned = runner._scheduler.get_job(ON_TIME_JOB)
        assert planned is not None, "a standby must try the lock when the job comes due"
        assert timedelta(seconds=3) <= planned.next_run_time - before <= timedelta(seconds=3) + (
            datetime.now(UTC) - before)
        assert [status for status, _ in job_states(container).values()] == ["pending"]
    finally:
        runner.stop()
        container.stop()


@pytest.mark.postgres
@pytest.mark.timeout(60)
def test_a_standby_fires_on_time_when_the_leader_is_gone(postgresql_url):
    settings = ticking_every(Settings(database={"url": postgresql_url}, sms={"rate_per_s": 0}), 5.0)
    container = bootstrap(settings, clock=SystemClock(), slack=FakeSlack(), sms=FakeSms())
    leader = PostgresLease(container.db.engine, settings.scheduler.lock_key)
    standby = SchedulerRunner(container)
    try:
        assert leader.acquire()
        now = datetime.now(UTC)
        due = now + timedelta(seconds=1.5)
        plan_calls(container, starts=[due + timedelta(minutes=60)], now=now)
        standby.start()  # refused at its catch-up and first ticks; the next is 5 s away
        assert [status for status, _ in job_states(container).values()] == ["pending"]
        leader.release()  # the leader's session ends (its process died) before the job is due
        wait_until(lambda: [s for s, _ in job_states(container).values()] == ["done"],
                   timeout_s=10, what="the standby to fire the job", poll_s=0.02)
        [(_, fired_at)] = job_states(container).values()
        assert fired_at.replace(tzinfo=UTC) - due < timedelta(seconds=1.0), "on time, not at a tick"
    finally:
        standby.stop()
        leader.release()
        container.stop()


def test_start_fires_what_came_due_before_it_returns(settings):
    clock = FakeClock()
    container = bootstrap(ticking_every(settings, 5.0), clock=clock, slack=FakeSlack(), sms=FakeSms())
    start = clock.now() + timedelta(hours=2)
    plan_calls(container, starts=[start, start + timedelta(minutes=1)], now=clock.now())
    clock.current = start - timedelta(minutes=59, seconds=-10)  # both came due while none ran
    runner = SchedulerRunner(container)
    try:
        runner.start()
        assert sorted(s for s, _ in job_states(container).values()) == ["done", "done"]
    finally:
        runner.stop()
        container.stop()


def test_the_oldest_due_jobs_are_fired_first(settings):
    clock = FakeClock()
    container = bootstrap(with_scheduler(settings), clock=clock, slack=FakeSlack(), sms=FakeSms())
    try:
        start = clock.now() + timedelta(hours=2)
        plan_calls(container, starts=[start + timedelta(minutes=1), start], now=clock.now())
        clock.current = start - timedelta(minutes=59) + timedelta(seconds=10)  # both reminders due
        with container.db.unit_of_work() as uow:
            assert fire_due(uow, now=clock.now(), settings=container.settings, limit=1) == 1
            uow.commit()
        with container.db.unit_of_work(read_only=True) as uow:
            states = sorted((job.due_at.replace(tzinfo=UTC), job.status)
                            for job in uow.session.query(DueJob).filter(DueJob.kind == REMINDER))
        assert [status for _, status in states] == ["done", "pending"], "the one due longest first"
    finally:
        container.stop()


def test_catch_up_fires_one_job_at_a_time_oldest_first_and_delivers_after_each(settings):
    clock = FakeClock()
    container = bootstrap(with_scheduler(settings), clock=clock, slack=FakeSlack(), sms=FakeSms())
    runner = SchedulerRunner(container)
    start = clock.now() + timedelta(hours=2)
    plan_calls(container, starts=[start + timedelta(minutes=1), start], now=clock.now())
    clock.current = start - timedelta(minutes=59, seconds=-10)  # both reminders came due

    seen: list[list[str]] = []

    def deliver() -> None:  # what the worker would find queued at each delivery
        with container.db.unit_of_work(read_only=True) as uow:
            jobs = uow.session.query(DueJob).filter(DueJob.kind == REMINDER).order_by(DueJob.due_at)
            seen.append([job.status for job in jobs])

    try:
        assert runner.catch_up(deliver) == 2
        assert seen == [["done", "pending"], ["done", "done"]]
        assert runner.catch_up(deliver) == 0 and len(seen) == 2  # nothing left: no delivery
    finally:
        runner._leadership.release()
        container.stop()
