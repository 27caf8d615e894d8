"""The scheduler: a tick fires due work once; exactly one process leads on PostgreSQL.

* In process (both backends): ``SchedulerRunner.tick()`` called by hand (APScheduler's thread is
  never started) fires a due reminder once, however often it ticks and however many runners.
* ``PostgresLease`` in process: two leases on one key, one wins; release or a dropped session
  hands the lock to the other on its next try.
* Across processes (PostgreSQL only): two real ``coordbot worker --scheduler`` processes against
  a :class:`TwilioEmulator` and reminders coming due over the next seconds. One leads (its log and
  ``pg_locks`` agree); it is SIGKILLed mid-way and the standby takes over within seconds; every
  recipient gets their reminder exactly once. Every wait polls with a deadline.
"""

from __future__ import annotations

import random
import re
import signal
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from bot.bootstrap import Container, bootstrap
from bot.calls.rules.when import ScheduleRequest
from bot.calls.service import calls
from bot.calls.service.calls import REMINDER
from bot.config import Settings
from bot.db.leadership import AlwaysLeader, PostgresLease, leadership_for
from bot.db.models import DueJob
from bot.directory.rules.contacts import ContactRecord
from bot.directory.service import contacts as directory
from bot.incidents import service as incidents
from bot.incidents.rules import IncidentDraft, IncidentType
from bot.sandbox.twilio import TwilioEmulator
from schedules.runner import SchedulerRunner
from tests.support.fakes import FakeClock, FakeSlack, FakeSms
from tests.support.processes import Worker, clean_env
from tests.support.waiting import wait_until

LEADER_LINE = "this process now runs the scheduler"
REGIONS = ["FL", "GA", "TX", "LA", "NC", "SC", "AL", "MS"]  # one incident (and call) per region
CONTACTS_PER_CALL = 5
# Reminders come due at +8 s, +9.5 s, … +18.5 s: late enough that planning and two workers'
# start-ups on a loaded machine leave some pending when the leader is killed.
FIRST_DUE_S, DUE_STEP_S = 8.0, 1.5
START_TIMEOUT_S, TAKEOVER_LIMIT_S, DRAIN_TIMEOUT_S = 30.0, 5.0, 30.0


def unique_lock_key() -> int:
    """Advisory locks are per database, not per schema: tests must not contend with each other
    (or with a deployment's default key) on the shared test server."""
    return random.randrange(1 << 40, 1 << 62)


def with_scheduler(settings: Settings) -> Settings:
    return settings.model_copy(update={
        "scheduler": settings.scheduler.model_copy(update={"lock_key": unique_lock_key(),
                                                          "tick_s": 0.2}),
        "calls": settings.calls.model_copy(update={"reminder_offsets_min": [60]}),
    })


def phone(region_index: int, n: int) -> str:
    return f"+1202555{region_index:02d}{n:02d}"


def plan_calls(container: Container, *, starts: list[datetime], now: datetime) -> dict[str, datetime]:
    """One incident per region, CONTACTS_PER_CALL SMS contacts each, one call per incident;
    returns each recipient's reminder due time. Channels and invitations are delivered here
    (fake Slack and SMS), so only the reminders are left for the processes under test."""
    due: dict[str, datetime] = {}
    with container.db.unit_of_work() as uow:
        records = [ContactRecord(name=f"Contact {r}-{n}", phone=phone(r, n), regions=(region,))
                   for r, region in enumerate(REGIONS[:len(starts)]) for n in range(CONTACTS_PER_CALL)]
        directory.import_records(uow, records, source="test", actor="test", now=now)
        made = [incidents.declare(uow, actor="UCOORD001", now=now, draft=IncidentDraft(
            type=IncidentType.HURRICANE, title=f"Storm over {region}", regions=(region,)))
            for region in REGIONS[:len(starts)]]
        uow.commit()
    container.worker.drain()
    offset = timedelta(minutes=container.settings.calls.reminder_offsets_min[-1])
    with container.db.unit_of_work() as uow:
        for r, start in enumerate(starts):
            calls.schedule(uow, incident=uow.incidents.get(made[r].id), actor="UCOORD001", now=now,
                           settings=container.settings,
                           request=ScheduleRequest(starts_at=start, duration=timedelta(hours=1),
                                                   agenda="", bridge=None, recurrence=None,
                                                   zone="America/New_York"))
            due.update({phone(r, n): start - offset for n in range(CONTACTS_PER_CALL)})
        uow.commit()
    container.worker.drain()
    with container.db.unit_of_work(read_only=True) as uow:
        assert uow.outbox.count_by_status().get("pending", 0) == 0, "setup left messages queued"
    return due


def reminder_rows(container: Container) -> list[tuple[str, str, str]]:
    """(idempotency key, recipient, status) of every reminder in the outbox."""
    with container.db.unit_of_work(read_only=True) as uow:
        return [(m.idempotency_key, m.recipient, m.status) for m in uow.outbox.list()
                if m.idempotency_key.startswith("reminder:")]


def reminder_jobs(container: Container) -> Counter:
    return Counter(status for status, _ in job_states(container).values())


def job_states(container: Container) -> dict[str, tuple[str, datetime | None]]:
    """Reminder due jobs by key: (status, fired_at)."""
    with container.db.unit_of_work(read_only=True) as uow:
        return {job.key: (job.status, job.fired_at)
                for job in uow.session.query(DueJob).filter(DueJob.kind == REMINDER)}


# ----- in process, both backends -------------------------------------------------------------
def test_a_tick_fires_due_reminders_once(settings: Settings):
    settings = with_scheduler(settings)
    clock, sms = FakeClock(), FakeSms()
    container = bootstrap(settings, clock=clock, slack=FakeSlack(groups={"@incident-leads": ["ULEAD0001"]}),
                          sms=sms)
    runners: list[SchedulerRunner] = []
    try:
        start = clock.now() + timedelta(hours=3)
        due = plan_calls(container, starts=[start, start + timedelta(minutes=30)], now=clock.now())
        invites = len(sms.sent)
        runners = [SchedulerRunner(container), SchedulerRunner(container)]  # a second "process"
        assert runners[0].tick() == 0, "nothing is due yet"
        clock.current = start - timedelta(minutes=60) + timedelta(seconds=5)  # first call's reminder

        assert runners[0].tick() == 1
        assert runners[0].tick() == 0
        assert runners[1].tick() == 0  # PostgreSQL: not the leader; SQLite: already done
        queued = reminder_rows(container)
        assert sorted(to for _, to, _ in queued) == sorted(p for p, d in due.items() if d < clock.now())
        assert len({key for key, _, _ in queued}) == CONTACTS_PER_CALL
        container.worker.drain()
        assert Counter(m["to"] for m in sms.sent[invites:]) == Counter(to for _, to, _ in queued)
        assert reminder_jobs(container) == {"done": 1, "pending": 1}

        clock.advance(minutes=30)  # the second call's reminder, fired by whoever leads
        assert sum(runner.tick() for runner in runners) == 1
        assert sum(runner.tick() for runner in runners) == 0
        container.worker.drain()
        reminded = Counter(m["to"] for m in sms.sent[invites:])
        assert reminded == Counter(due.keys()), "each recipient reminded exactly once"
        assert isinstance(leadership_for(container.db.engine, 1),
                          PostgresLease if container.db.engine.dialect.name == "postgresql"
                          else AlwaysLeader)
    finally:
        for runner in runners:
            runner._leadership.release()  # stop() would shut down a scheduler never started
        container.stop()


# ----- PostgreSQL only -----------------------------------------------------------------------
def lock_holders(engine, key: int) -> list[str]:
    """application_name of each session holding advisory lock ``key`` in this database."""
    with engine.connect() as connection:
        return list(connection.execute(text(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND l.classid = :high AND l.objid = :low AND l.objsubid = 1"),
            {"high": key >> 32, "low": key & 0xFFFFFFFF}).scalars())


@pytest.mark.postgres
def test_only_one_lease_wins_and_a_release_or_a_dropped_session_hands_it_over(postgresql_url):
    key = unique_lock_key()
    names = [f"lease-{n}-{key}" for n in "ab"]  # unique on the shared server
    engines = [create_engine(f"{postgresql_url}&application_name={name}") for name in names]
    a, b = (PostgresLease(engine, key) for engine in engines)
    try:
        assert a.acquire() is True
        assert b.acquire() is False
        assert a.acquire() is True and b.acquire() is False  # still held, still refused
        assert lock_holders(engines[0], key) == [names[0]]

        a.release()
        assert lock_holders(engines[0], key) == []
        assert b.acquire() is True
        assert a.acquire() is False
        assert lock_holders(engines[0], key) == [names[1]]

        # The holder's session dies (as when its process is killed): the lock goes with it.
        with engines[0].connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE application_name = :name"), {"name": names[1]})
            admin.commit()
        wait_until(a.acquire, timeout_s=5, what="lease a to take over from the dead session",
                   poll_s=0.05)
        assert b.acquire() is False  # b notices its session is gone and stands by
        assert lock_holders(engines[0], key) == [names[0]]
    finally:
        a.release()
        b.release()
        for engine in engines:
            engine.dispose()


def leader_lines(worker: Worker) -> list[str]:
    return worker.lines_with(LEADER_LINE)


def worker_env(url: str, name: str, emu: TwilioEmulator, lock_key: int) -> dict[str, str]:
    return clean_env(**{
        "COORDBOT_DATABASE__URL": f"{url}&application_name={name}",
        "COORDBOT_SCHEDULER__TICK_S": "0.2", "COORDBOT_SCHEDULER__LOCK_KEY": str(lock_key),
        "COORDBOT_TWILIO__ACCOUNT_SID": emu.account_sid, "COORDBOT_TWILIO__AUTH_TOKEN": emu.auth_token,
        "COORDBOT_TWILIO__API_BASE_URL": emu.base_url, "COORDBOT_TWILIO__FROM_NUMBER": "+12025550100",
        "COORDBOT_SMS__RATE_PER_S": "0",
        "COORDBOT_OUTBOX__POLL_INTERVAL_S": "0.2", "COORDBOT_OUTBOX__LEASE_S": "2",
        "COORDBOT_SLACK__BOT_TOKEN": "xoxb-unused", "COORDBOT_SLACK__SIGNING_SECRET": "unused",
        "COORDBOT_SLACK__API_BASE_URL": "http://127.0.0.1:9/api/",
    })


@pytest.fixture
def emulator() -> Iterator[TwilioEmulator]:
    emu = TwilioEmulator(deliver_callbacks=False).start()
    try:
        yield emu
    finally:
        emu.stop()


def log_time(line: str) -> datetime:
    stamp = re.match(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})", line).group(1)
    return datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").astimezone(UTC)  # logs are local time


@pytest.mark.postgres
@pytest.mark.timeout(120)
def test_one_process_fires_and_the_standby_takes_over_when_it_is_killed(postgresql_url, emulator,
                                                                        tmp_path):
    settings = with_scheduler(Settings(database={"url": postgresql_url}, sms={"rate_per_s": 0}))
    key = settings.scheduler.lock_key
    container = bootstrap(settings, clock=FakeClock(datetime.now(UTC)), slack=FakeSlack(), sms=FakeSms())
    workers: list[Worker] = []
    try:
        now = container.clock.current = datetime.now(UTC)
        starts = [now + timedelta(minutes=60, seconds=FIRST_DUE_S + i * DUE_STEP_S)
                  for i in range(len(REGIONS))]
        due = plan_calls(container, starts=starts, now=now)
        workers = [Worker("--scheduler", log_path=tmp_path / f"{name}.log", name=name,
                          env=worker_env(postgresql_url, name, emulator, key))
                   for name in ("worker-a", "worker-b")]

        def logs() -> str:
            return "\n".join(f"--- {w.name} (alive={w.alive()}) ---\n{w.log()[-3000:]}" for w in workers)

        def received() -> Counter:
            with emulator.lock:
                return Counter(message.to for message in emulator.messages)

        wait_until(lambda: len(lock_holders(container.db.engine, key)) == 1
                   and any(leader_lines(w) for w in workers), timeout_s=START_TIMEOUT_S,
                   what="a leader", describe=logs, poll_s=0.05)
        [holder_name] = lock_holders(container.db.engine, key)
        holder, standby = sorted(workers, key=lambda w: w.name != holder_name)
        assert len(leader_lines(holder)) == 1 and leader_lines(standby) == [], logs()

        first_call = {p for p, d in due.items() if d == min(due.values())}
        wait_until(lambda: first_call <= set(received()), timeout_s=START_TIMEOUT_S,
                   what="the first call's reminders", describe=logs, poll_s=0.05)
        assert all(w.alive() for w in workers), logs()
        assert leader_lines(standby) == [] and lock_holders(container.db.engine, key) == [holder.name]
        killed_at = datetime.now(UTC)
        holder.kill()
        pending_at_kill = [job for job, (status, _) in job_states(container).items() if status == "pending"]
        sent_at_kill = sum(received().values())
        assert pending_at_kill, f"every reminder fired before the kill: the test proves nothing\n{logs()}"

        waiting = time.monotonic()
        wait_until(lambda: leader_lines(standby), timeout_s=TAKEOVER_LIMIT_S,
                   what="the standby to take over", describe=logs, poll_s=0.05)
        took = time.monotonic() - waiting
        assert lock_holders(container.db.engine, key) == [standby.name]
        takeover_s = (log_time(leader_lines(standby)[0]) - killed_at).total_seconds()

        wait_until(lambda: not reminder_jobs(container).get("pending")
                   and set(received()) == set(due)
                   and all(status == "sent" for _, _, status in reminder_rows(container)),
                   timeout_s=DRAIN_TIMEOUT_S, what="every reminder to be sent",
                   describe=lambda: f"jobs {reminder_jobs(container)}, {len(received())} received\n{logs()}",
                   poll_s=0.05)
        assert standby.alive(), logs()
        assert reminder_jobs(container) == {"done": len(REGIONS)}, "none skipped, none lost"
        duplicates = {to: n for to, n in received().items() if n > 1}
        assert not duplicates and received() == Counter(due.keys()), duplicates
        rows = reminder_rows(container)
        assert len(rows) == len(due) and {to for _, to, _ in rows} == set(due)
        assert len(leader_lines(standby)) == 1 and len(leader_lines(holder)) == 1
        states = job_states(container)
        assert all(states[job][1] >= killed_at for job in pending_at_kill), "the standby fired the rest"

        standby.process.send_signal(signal.SIGTERM)
        assert standby.process.wait(timeout=30) == 0, logs()
        assert lock_holders(container.db.engine, key) == []
        print(f"\n[scheduler] {holder.name} led and was killed with {len(pending_at_kill)} of {len(REGIONS)} "
              f"reminder jobs pending ({sent_at_kill} of {len(due)} SMS out); {standby.name} took over "
              f"{takeover_s:.2f}s after the kill (seen in {took:.2f}s); {len(due)} reminders, each once",
              file=sys.stderr)
    finally:
        for worker in workers:
            worker.kill()
        container.stop()
