"""``coordbot messages list|retry`` and the retry rules behind it."""

from __future__ import annotations

import os
import subprocess
import sys

from bot.outbox.worker import enqueue, retry
from bot.ports import DeliveryError
from tests.fakes import FakeClock


def _queue(db, clock: FakeClock, key: str, recipient: str) -> None:
    with db.unit_of_work() as uow:
        enqueue(uow, key=key, kind="sms", purpose="test", payload={"body": "hi"},
                recipient=recipient, now=clock.now())
        uow.commit()


def test_failed_messages_are_retried_but_never_suppressed_ones(container, sms, clock):
    sms.fail(DeliveryError("21211", "invalid", permanent=True))
    _queue(container.db, clock, "a", "+12025550101")
    container.worker.drain()
    _queue(container.db, clock, "b", "+12025550102")
    with container.db.unit_of_work() as uow:
        uow.sms.opt_out("+12025550102", source="sms:stop", at=clock.now())
        uow.commit()
    container.worker.drain()
    with container.db.unit_of_work() as uow:
        rows = {m.idempotency_key: m for m in uow.outbox.list()}
        assert rows["a"].status == "failed" and rows["b"].status == "suppressed"
        refused = retry(uow, [rows["a"], rows["b"]], actor="test", now=clock.now())
        uow.commit()
    assert len(refused) == 1 and "opted out" in refused[0]
    container.worker.drain()
    assert [m["to"] for m in sms.sent] == ["+12025550101"]
    with container.db.unit_of_work() as uow:
        assert [e.action for e in uow.audit.list()][-1] == "outbox.retried"


def run_cli(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COORDBOT_DATABASE__URL": database_url, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "bot", "messages", *args], env=env,
                          capture_output=True, text=True, timeout=60)


def test_the_cli_lists_masked_and_retries(container, database_url, sms, clock):
    sms.fail(DeliveryError("21211", "invalid", permanent=True))
    _queue(container.db, clock, "notice:9:1", "+12025550101")
    container.worker.drain()
    listed = run_cli(database_url, "list")
    assert listed.returncode == 0, listed.stderr
    assert "+1 ••• ••• 0101" in listed.stdout and "+12025550101" not in listed.stdout
    assert "1 failed" in listed.stdout
    retried = run_cli(database_url, "retry", "--failed")
    assert retried.returncode == 0 and "1 message(s) queued again" in retried.stdout
    assert run_cli(database_url, "retry", "999").returncode == 1
    assert run_cli(database_url, "retry").returncode == 2
