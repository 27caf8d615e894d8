"""Readiness, the queue gauges and the JSON log lines, at the service level."""

from __future__ import annotations

import io
import json
import logging
import random
from datetime import timedelta

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from bot import logs
from bot.db.leadership import leadership_for
from bot.observe import readiness
from bot.observe.collector import QueueCollector
from bot.outbox.queue import enqueue

PHONE = "+12025550143"


@pytest.fixture
def leader(container):
    """On PostgreSQL, a scheduler leader holding a lock key of this test's own; the settings
    that name it. (SQLite has no lock: its one scheduler process leads.)"""
    key = random.randrange(1, 2**62)
    lease = leadership_for(container.db.engine, key)
    assert lease.acquire()
    yield container.settings.model_copy(update={
        "scheduler": container.settings.scheduler.model_copy(update={"lock_key": key})})
    lease.release()


def ready(container, clock, settings, *, worker_alive: bool = True) -> readiness.Report:
    return readiness.check(db=container.db, settings=settings, clock=clock,
                           worker_alive=worker_alive)


def queue(container, clock, key: str, *, kind: str = "sms", due_ago_s: float = 0) -> None:
    with container.db.unit_of_work() as uow:
        enqueue(uow, key=key, kind=kind, purpose="notice", payload={"body": "hi"},
                now=clock.now() - timedelta(seconds=due_ago_s), recipient=PHONE)
        uow.commit()


def samples(container, clock) -> dict[tuple[str, tuple], float]:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(QueueCollector(db=container.db, inbox=container.inbox_db, clock=clock,
                                     lock_key=container.settings.scheduler.lock_key))
    text = generate_latest(registry).decode()
    assert PHONE not in text and "0143" not in text
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_a_fresh_deployment_is_ready(container, clock, leader):
    report = ready(container, clock, leader)
    assert report.ready, report.body()
    assert set(report.checks) == {"command_worker", "database", "migrations", "outbox",
                                  "scheduler"}


def test_a_dead_worker_is_named(container, clock, leader):
    report = ready(container, clock, leader, worker_alive=False)
    assert not report.ready
    assert report.body()["problems"] == {
        "command_worker": "down: the command worker process is not running"}


def test_an_outbox_row_due_beyond_the_threshold_with_nothing_sent_is_stuck(container, clock, leader):
    stuck_s = container.settings.health.outbox_stuck_s
    queue(container, clock, "notice:1:1", due_ago_s=stuck_s - 1)
    assert ready(container, clock, leader).ready  # due, but not for long
    clock.advance(seconds=2)
    problems = ready(container, clock, leader).body()["problems"]
    assert list(problems) == ["outbox"]
    assert problems["outbox"].startswith("stuck: 1 message(s) due, the oldest for")


def test_a_queue_that_keeps_sending_is_not_stuck(container, clock, leader):
    """A big notice drains at the SMS rate: its last rows wait long, but sends keep coming."""
    stuck_s = container.settings.health.outbox_stuck_s
    queue(container, clock, "notice:1:1", due_ago_s=stuck_s * 3)
    queue(container, clock, "notice:1:2", due_ago_s=stuck_s * 3)
    with container.db.unit_of_work() as uow:
        row = uow.outbox.by_key("notice:1:2")
        row.status, row.sent_at = "sent", clock.now() - timedelta(seconds=10)
        uow.commit()
    assert ready(container, clock, leader).ready


def test_a_schema_behind_the_newest_migration_is_named(container, clock, leader):
    with container.db.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0009'")
    problems = ready(container, clock, leader).body()["problems"]
    assert list(problems) == ["migrations"]
    assert "at revision 0009, older than this release's" in problems["migrations"]
    assert "run coordbot db upgrade" in problems["migrations"]


def test_a_schema_a_newer_release_migrated_is_named(container, clock, leader):
    with container.db.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0099'")
    problems = ready(container, clock, leader).body()["problems"]
    assert list(problems) == ["migrations"]
    assert problems["migrations"].startswith("ahead: the database schema is at revision 0099, "
                                             "which this release does not know")


def test_no_scheduler_leader_is_named(container, clock, backend):
    if backend != "postgresql":
        pytest.skip("SQLite has no scheduler lock: its one scheduler process leads")
    settings = container.settings.model_copy(update={
        "scheduler": container.settings.scheduler.model_copy(
            update={"lock_key": random.randrange(1, 2**62)})})
    assert ready(container, clock, settings).body()["problems"] == {
        "scheduler": "no leader: no process holds the scheduler lock"}


def test_late_due_jobs_are_named(container, clock, leader):
    from bot.db.models.jobs import DueJob

    late_s = container.settings.health.scheduler_late_s
    with container.db.unit_of_work() as uow:
        uow.session.add(DueJob(key="reminder:1", kind="reminder", payload={}, status="pending",
                               due_at=clock.now() - timedelta(seconds=late_s + 60)))
        uow.commit()
    problems = ready(container, clock, leader).body()["problems"]
    assert problems == {"scheduler": f"late: 1 due job(s), the oldest {late_s + 60:.0f} s late"}


def test_the_gauges_count_the_outbox_by_kind_and_status_and_age_the_oldest(container, clock):
    queue(container, clock, "notice:1:1", due_ago_s=90)
    queue(container, clock, "notice:1:2", due_ago_s=30)
    queue(container, clock, "post:1", kind="slack_post")
    with container.db.unit_of_work() as uow:
        row = uow.outbox.by_key("notice:1:2")
        row.status = "delivered"
        uow.commit()
    got = samples(container, clock)
    assert got[("coordbot_database_up", ())] == 1
    sms = lambda status: (("kind", "sms"), ("status", status))  # noqa: E731
    assert got[("coordbot_outbox_messages", sms("pending"))] == 1
    assert got[("coordbot_outbox_messages", sms("delivered"))] == 1
    assert got[("coordbot_outbox_messages", (("kind", "slack_post"), ("status", "pending")))] == 1
    assert got[("coordbot_outbox_messages_oldest_age_seconds", sms("pending"))] == 90
    assert ("coordbot_outbox_messages_oldest_age_seconds", sms("delivered")) not in got
    assert got[("coordbot_outbox_due", ())] == 2
    assert got[("coordbot_outbox_due_lag_seconds", ())] == 90
    assert got[("coordbot_scheduler_due_jobs", ())] == 0


def test_a_scrape_with_the_database_gone_says_so_instead_of_failing(container, clock):
    container.db.engine.dispose()
    broken = QueueCollector(db=_Unreachable(), inbox=container.inbox_db, clock=clock, lock_key=1)
    families = list(broken.collect())
    assert [(f.name, f.samples[0].value) for f in families] == [("coordbot_database_up", 0)]


class _Unreachable:
    """A database whose every use fails, as when the server is down."""

    def unit_of_work(self, **_):
        raise ConnectionError("the server is down")


@pytest.fixture
def json_log():
    stream = io.StringIO()
    handler = logs.setup("INFO", stream=stream, json_lines=True)
    yield stream
    logging.getLogger().removeHandler(handler)


def test_json_lines_parse_carry_the_context_and_mask_phone_numbers(json_log):
    log = logging.getLogger("coordbot.test")
    log.info("outside any request")
    with logs.context(request_id="r1", request_kind="DeclareIncident", incident="INC-2026-0001"):
        with logs.context(outbox_key=f"notice:7:{PHONE}"):
            log.warning("sending to %s failed", PHONE)
        log.info("after the message")
    try:
        raise ValueError(f"bad number {PHONE}")
    except ValueError:
        log.exception("a traceback")
    text = json_log.getvalue()
    assert PHONE not in text and "2025550143" not in text
    lines = [json.loads(line) for line in text.splitlines()]
    assert [line["message"] for line in lines] == [
        "outside any request", "sending to +•••0143 failed", "after the message", "a traceback"]
    for line in lines:
        assert set(line) >= {"time", "level", "logger", "message", *logs.CONTEXT_FIELDS}
    assert lines[0]["request_id"] is None
    assert (lines[1]["request_id"], lines[1]["request_kind"], lines[1]["incident"],
            lines[1]["outbox_key"]) == ("r1", "DeclareIncident", "INC-2026-0001",
                                        "notice:7:+•••0143")
    assert lines[2]["outbox_key"] is None and lines[2]["incident"] == "INC-2026-0001"
    assert "ValueError: bad number +•••0143" in lines[3]["exception"]


def test_the_plain_format_stays_the_default():
    stream = io.StringIO()
    handler = logs.setup("INFO", stream=stream)
    try:
        logging.getLogger("coordbot.test").info("hello %s", PHONE)
    finally:
        logging.getLogger().removeHandler(handler)
    assert stream.getvalue().rstrip().endswith("INFO coordbot.test: hello +•••0143")


def test_sends_and_lookups_are_counted_by_outcome(container, clock, sms):
    """A lost answer counts as ``unknown`` with its code; the lookup that finds it as ``found``."""
    from bot.observe import metrics

    def sends(outcome: str, code: str = "") -> float:
        return metrics.SENDS.labels(kind="sms", outcome=outcome, error_code=code)._value.get()

    def lookups(result: str) -> float:
        return metrics.RECONCILE.labels(kind="sms", result=result)._value.get()

    before = (sends("sent"), sends("unknown", "connection_lost"), lookups("found"))
    queue(container, clock, "notice:9:1")
    sms.lose_answers(1)
    assert container.worker.drain() == 1
    clock.advance(seconds=600)
    assert container.worker.drain() == 1
    assert [m["body"] for m in sms.sent] == ["hi"]
    assert (sends("sent"), sends("unknown", "connection_lost"), lookups("found")) == (
        before[0] + 1, before[1] + 1, before[2] + 1)


def test_the_outbox_worker_logs_with_the_rows_key(container, clock, sms, json_log):
    from bot.ports import DeliveryError

    queue(container, clock, "notice:5:1")
    sms.fail(DeliveryError("30001", f"queue overflow for {PHONE}", permanent=False))
    assert container.worker.drain() == 1
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    retry = [line for line in lines if "retry" in line["message"]]
    assert [line["outbox_key"] for line in retry] == ["notice:5:1"]
    assert PHONE not in json_log.getvalue()
