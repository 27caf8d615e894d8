"""``coordbot messages list|retry`` and the retry rules behind it."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys

import pytest

from bot.outbox.worker import enqueue, retry
from bot.ports import DeliveryError
from tests.support.fakes import FakeClock


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


def run_cli(database_url: str, *args: str, env: dict[str, str] | None = None,
            prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    env = {**(os.environ if env is None else env), "COORDBOT_DATABASE__URL": database_url,
           "COLUMNS": "200"}
    return subprocess.run([*prefix, sys.executable, "-m", "bot", "messages", *args], env=env,
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


def nameless_user() -> tuple[int, tuple[str, ...]]:
    """A uid with no passwd entry, and the ``unshare`` prefix that runs a command as it.

    A user namespace maps the caller to that uid, so the caller's files stay readable and
    writable: what the container runtimes that start a process with an arbitrary uid do.
    """
    uid = 54321
    while True:
        try:
            pwd.getpwuid(uid)
        except KeyError:
            break
        uid += 1
    prefix = ("unshare", "--user", f"--map-user={uid}", f"--map-group={uid}")
    if shutil.which("unshare") is None or subprocess.run(
            [*prefix, "true"], capture_output=True, timeout=30).returncode != 0:
        pytest.skip("cannot run a process as a user without a name (no user namespaces)")
    return uid, prefix


def test_retry_works_for_a_user_without_a_name_and_records_the_uid(container, database_url, sms,
                                                                   clock, tmp_path):
    uid, prefix = nameless_user()
    env = {k: v for k, v in os.environ.items()
           if k not in ("LOGNAME", "USER", "LNAME", "USERNAME") and not k.startswith("COORDBOT_")}
    nameless = subprocess.run([*prefix, sys.executable, "-c", "import getpass; getpass.getuser()"],
                              env=env, capture_output=True, text=True, timeout=60)
    assert nameless.returncode != 0, "getpass.getuser() found a name: the test would prove nothing"
    sms.fail(DeliveryError("21211", "invalid", permanent=True))
    _queue(container.db, clock, "notice:9:1", "+12025550101")
    container.worker.drain()
    retried = run_cli(database_url, "retry", "--failed", env=env, prefix=prefix)
    assert retried.returncode == 0, retried.stderr
    assert "1 message(s) queued again" in retried.stdout
    with container.db.unit_of_work() as uow:
        assert [(e.action, e.actor) for e in uow.audit.list()][-1] == ("outbox.retried",
                                                                        f"cli:uid:{uid}")
