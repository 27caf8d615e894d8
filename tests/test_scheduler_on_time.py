"""The scheduler fires due work on time, not at its next tick, and a standby fires at once.

* Both backends: after a tick the runner plans one run at the next pending job's due time when
  that comes before the next tick (and at once for one already due); none when the next job is
  further off than a tick.
* PostgreSQL: a standby waiting in ``pg_advisory_lock`` (``PostgresLease.wait``) holds the lock
  as soon as the holder's session ends, long before a tick would have tried again; a stopping
  standby leaves its wait within a wait's length, and its waiting session goes back to no pool.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from bot.bootstrap import bootstrap
from bot.db.leadership import WAIT_S, PostgresLease
from schedules.runner import SchedulerRunner
from tests.support.fakes import FakeClock, FakeSlack, FakeSms
from tests.support.waiting import wait_until
from tests.test_scheduler import lock_holders, plan_calls, unique_lock_key, with_scheduler


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


def waiting(engine, key: int) -> bool:
    """Whether a session of this database waits for advisory lock ``key`` (not yet granted)."""
    with engine.connect() as connection:
        return bool(connection.execute(text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND classid = :high AND objid = :low AND objsubid = 1"),
            {"high": key >> 32, "low": key & 0xFFFFFFFF}).scalar())


@pytest.mark.postgres
def test_a_waiting_standby_holds_the_lock_the_moment_the_holder_dies(postgresql_url):
    key = unique_lock_key()
    names = [f"wait-{n}-{key}" for n in "ab"]
    engines = [create_engine(f"{postgresql_url}&application_name={name}") for name in names]
    holder, standby = (PostgresLease(engine, key) for engine in engines)
    stop, won = threading.Event(), []
    waiter = threading.Thread(target=lambda: won.append(standby.wait(stop)), daemon=True)
    try:
        assert holder.acquire()
        waiter.start()
        wait_until(lambda: waiting(engines[1], key), timeout_s=5, what="the standby's lock wait",
                   poll_s=0.02)
        assert won == [] and lock_holders(engines[1], key) == [names[0]]
        with engines[1].connect() as admin:  # the holder's process dies: its session ends
            admin.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE application_name = :name"), {"name": names[0]})
            admin.commit()
        died = time.monotonic()
        waiter.join(timeout=WAIT_S * 3)
        assert won == [True] and standby.holding
        assert time.monotonic() - died < WAIT_S * 2  # not a tick later: at the session's end
        assert lock_holders(engines[1], key) == [names[1]]
        # The lock's session is the standby's from now on, with no lock timeout left on it.
        assert standby._connection.execute(text("SHOW lock_timeout")).scalar() == "0"
    finally:
        stop.set()
        holder.release()
        standby.release()
        for engine in engines:
            engine.dispose()


@pytest.mark.postgres
def test_a_stopping_standby_leaves_its_wait(postgresql_url):
    key = unique_lock_key()
    engine = create_engine(postgresql_url)
    holder, standby = PostgresLease(engine, key), PostgresLease(engine, key)
    stop, won = threading.Event(), []
    waiter = threading.Thread(target=lambda: won.append(standby.wait(stop)), daemon=True)
    try:
        assert holder.acquire()
        waiter.start()
        wait_until(lambda: waiting(engine, key), timeout_s=5, what="the standby's lock wait",
                   poll_s=0.02)
        stop.set()
        waiter.join(timeout=WAIT_S * 3)
        assert won == [False] and not standby.holding
        assert engine.pool.checkedout() == 1  # the holder's; the waiting session was discarded
    finally:
        holder.release()
        engine.dispose()
