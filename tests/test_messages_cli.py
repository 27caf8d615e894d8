"""``coordbot messages list|retry`` and the retry rules behind it."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.directory.rules.contacts import ContactRecord
from bot.directory.service import contacts as directory
from bot.outbox.queue import enqueue
from bot.outbox.requeue import retry
from bot.ports import DeliveryError
from tests.support.fakes import FakeClock

# A refusal that may not happen again: retried by ``retry --failed``.
TRANSIENT = DeliveryError("20500", "Twilio had an internal error", permanent=False)


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
    container.settings.outbox.max_attempts = 1
    sms.fail(TRANSIENT)
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
    container.settings.outbox.max_attempts = 1
    sms.fail(TRANSIENT)
    _queue(container.db, clock, "notice:9:1", "+12025550101")
    container.worker.drain()
    retried = run_cli(database_url, "retry", "--failed", env=env, prefix=prefix)
    assert retried.returncode == 0, retried.stderr
    assert "1 message(s) queued again" in retried.stdout
    with container.db.unit_of_work() as uow:
        assert [(e.action, e.actor) for e in uow.audit.list()][-1] == ("outbox.retried",
                                                                        f"cli:uid:{uid}")


@pytest.fixture
def cli(database_url):
    """``coordbot messages …`` through Typer's runner, on the test's database, 80 columns."""
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, ["messages", *args],
                             env={"COORDBOT_DATABASE__URL": database_url, "COLUMNS": "80"})

    return run


def _contact(db, clock, name: str, phone: str) -> None:
    with db.unit_of_work() as uow:
        directory.import_records(uow, [ContactRecord(name=name, phone=phone, regions=("FL",))],
                                 source="t", actor="t", now=clock.now())
        uow.commit()


def test_list_names_who_each_text_is_for_within_80_columns(container, sms, clock, cli):
    _contact(container.db, clock, "Rosa Martínez", "+12025550101")
    sms.fail(DeliveryError("21614", "not a mobile number", permanent=True))
    _queue(container.db, clock, "invite:12:1", "+12025550101")
    _queue(container.db, clock, "notice:9:2", "+12025550102")
    container.worker.drain()

    listed = cli("list")

    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "Rosa Martínez" in listed.stdout and "+1 ••• ••• 0101" in listed.stdout
    assert "+1 ••• ••• 0102" in listed.stdout and "+1202555" not in listed.stdout
    row = next(line for line in lines if "Rosa" in line)
    assert "invite:12:1" in row and "failed" in row and "21614" in row


def test_a_status_that_does_not_exist_is_refused_with_the_valid_ones(container, cli):
    refused = cli("list", "--status", "bogus")

    assert refused.exit_code == 2
    assert "bogus" in refused.stderr
    for status in ("pending", "sent", "delivered", "undelivered", "failed", "suppressed"):
        assert status in refused.stderr
    assert cli("list", "--status", "FAILED").exit_code == 0


def test_retry_failed_skips_refusals_that_would_repeat_and_says_why(container, sms, clock, cli):
    container.settings.outbox.max_attempts = 1
    sms.fail(DeliveryError("21614", "not a mobile number", permanent=True),
             DeliveryError("21211", "invalid", permanent=True),
             DeliveryError("30006", "landline", permanent=True), TRANSIENT)
    for i in range(1, 5):
        _queue(container.db, clock, f"notice:9:{i}", f"+1202555010{i}")
    container.worker.drain()

    retried = cli("retry", "--failed")

    assert retried.exit_code == 0, retried.output
    assert "1 message(s) queued again" in retried.stdout
    assert ("Skipped 3 that a retry would not deliver: 2 landline: cannot receive texts, "
            "1 not a valid number.") in retried.stdout
    with container.db.unit_of_work() as uow:
        statuses = {m.idempotency_key: (m.status, m.error_code) for m in uow.outbox.list()}
    assert statuses == {"notice:9:1": ("failed", "21614"), "notice:9:2": ("failed", "21211"),
                        "notice:9:3": ("failed", "30006"), "notice:9:4": ("pending", "20500")}


def test_retry_by_id_refuses_a_landline_with_the_reason(container, sms, clock, cli):
    sms.fail(DeliveryError("21614", "not a mobile number", permanent=True))
    _queue(container.db, clock, "notice:9:1", "+12025550101")
    container.worker.drain()
    with container.db.unit_of_work() as uow:
        [message_id] = [m.id for m in uow.outbox.list()]

    refused = cli("retry", str(message_id))

    assert refused.exit_code == 1
    assert f"#{message_id} (notice:9:1): not retried, landline: cannot receive texts" \
        in refused.stderr
    assert "0 message(s) queued again" in refused.stdout
