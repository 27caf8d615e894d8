"""The real ``coordbot worker`` process delivering SMS to the Twilio emulator: killed mid-stream,
and two of them sharing one queue.

Each test enqueues 2,000 SMS outbox rows (one distinct recipient each), runs ``coordbot worker``
subprocesses against the in-process :class:`TwilioEmulator`, and checks that every recipient got
exactly one message and every row ends ``sent``. Both take a few seconds to ~30 s; every wait
polls with a deadline.

* The crash test SIGKILLs the worker once the emulator has ~300 messages, so a claimed batch is
  left ``sending``; a second worker must reclaim it after the lease (2 s) and, through
  ``find_sent``, must not send again what already reached Twilio.
* The two-worker test needs PostgreSQL (``FOR UPDATE SKIP LOCKED`` between processes); each
  worker gets its own ``from_number`` so the emulator shows how the work was split.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.db.unit_of_work import Database
from bot.outbox.queue import enqueue
from bot.sandbox.twilio import TwilioEmulator
from tests.support.processes import Worker, logs, running
from tests.support.waiting import wait_until

MESSAGES = 2000
KILL_AFTER = 325  # messages at the emulator when the first worker is killed: mid-batch (50s)
FROM_NUMBER = "+12025550100"
DRAIN_TIMEOUT_S = 60.0
START_TIMEOUT_S = 30.0


def recipient(i: int) -> str:
    return f"+1415555{i:04d}"


EXPECTED = {recipient(i) for i in range(MESSAGES)}


# ----- fixtures ------------------------------------------------------------------------------
@pytest.fixture
def emulator() -> Iterator[TwilioEmulator]:
    emu = TwilioEmulator(deliver_callbacks=False).start()
    emu.set_latency(0.002)  # a little provider latency, so the kill lands mid-stream
    try:
        yield emu
    finally:
        emu.stop()


# ----- helpers -------------------------------------------------------------------------------
def enqueue_messages(db: Database, count: int = MESSAGES) -> None:
    db.upgrade()
    now = datetime.now(UTC)
    with db.unit_of_work() as uow:
        for i in range(count):
            enqueue(uow, key=f"crash:{i}", kind="sms", purpose="test",
                    payload={"body": f"Message {i}"}, recipient=recipient(i), now=now)
        uow.commit()


def status_counts(db: Database) -> dict[str, int]:
    with db.unit_of_work(read_only=True) as uow:
        return uow.outbox.count_by_status()


def write_config(path: Path, *, database_url: str, emu: TwilioEmulator,
                 from_number: str = FROM_NUMBER, sms: dict | None = None,
                 outbox: dict | None = None, slack: dict | None = None,
                 roles: dict | None = None) -> Path:
    """A worker's config file; ``sms``, ``outbox``, ``slack`` and ``roles`` override those
    sections' settings (Slack points nowhere unless ``slack`` says where)."""
    def q(value: str) -> str:  # a TOML basic string (JSON's escaping is valid TOML)
        return json.dumps(value)

    def section(values: dict) -> str:
        return "".join(f"{name} = {json.dumps(value)}\n" for name, value in values.items())

    sms_settings = {"rate_per_s": 0} | (sms or {})
    outbox_settings = {"lease_s": 2, "poll_interval_s": 0.2, "concurrency": 4,
                       "batch_size": 50} | (outbox or {})
    slack_settings = {"bot_token": "xoxb-unused", "signing_secret": "unused-signing-secret",
                      "api_base_url": "http://127.0.0.1:9/api/"} | (slack or {})
    path.write_text(
        f"[database]\nurl = {q(database_url)}\n\n[slack]\n{section(slack_settings)}\n"
        f"[roles]\n{section(roles or {})}\n"
        f"[twilio]\naccount_sid = {q(emu.account_sid)}\nauth_token = {q(emu.auth_token)}\n"
        f"api_base_url = {q(emu.base_url)}\nfrom_number = {q(from_number)}\n\n"
        f"[sms]\n{section(sms_settings)}\n[outbox]\n{section(outbox_settings)}")
    return path


def drained(db: Database) -> Callable[[], bool]:
    def check() -> bool:
        counts = status_counts(db)
        return not any(counts.get(status) for status in ("pending", "sending", "unknown"))

    return check


def assert_each_recipient_once(emu: TwilioEmulator, db: Database,
                               expected: set[str] = EXPECTED) -> Counter:
    """Each of ``expected`` got exactly one SMS at the emulator, no one else got any, and every
    SMS row is ``sent`` with its recipient's message as ``provider_id``."""
    with emu.lock:
        sent_to = Counter(message.to for message in emu.messages)
        by_sid = {message.sid: message.to for message in emu.messages}
    duplicates = {to: n for to, n in sent_to.items() if n > 1}
    missing = expected - set(sent_to)
    unexpected = set(sent_to) - expected
    assert not duplicates, f"{len(duplicates)} recipients got more than one message: " \
                           f"{sorted(duplicates.items())[:10]}"
    assert not missing, f"{len(missing)} recipients got nothing: {sorted(missing)[:10]}"
    assert not unexpected, f"messages to unknown numbers: {sorted(unexpected)[:10]}"
    with db.unit_of_work(read_only=True) as uow:
        rows = [(row.idempotency_key, row.status, row.provider_id, row.recipient)
                for row in uow.outbox.list() if row.kind == "sms"]
    assert Counter(status for _, status, _, _ in rows) == {"sent": len(expected)}
    wrong = [key for key, _, sid, to in rows if by_sid.get(sid) != to]
    assert not wrong, f"rows whose provider_id is not their recipient's message: {wrong[:10]}"
    return sent_to


def report(line: str) -> None:
    print(f"\n[sms-crash] {line}", file=sys.stderr)


# ----- tests ---------------------------------------------------------------------------------
@pytest.mark.timeout(180)
def test_killed_worker_loses_and_duplicates_nothing(database_url, backend, emulator, tmp_path):
    db = Database(database_url)
    workers: list[Worker] = []
    try:
        enqueue_messages(db, MESSAGES)
        config = write_config(tmp_path / "worker.toml", database_url=database_url, emu=emulator)

        first = Worker("--config", str(config), log_path=tmp_path / "worker-1.log")
        workers.append(first)
        wait_until(running(workers, lambda: len(emulator.messages) >= KILL_AFTER),
                   timeout_s=START_TIMEOUT_S, what=f"{KILL_AFTER} messages at the emulator",
                   describe=lambda: f"emulator has {len(emulator.messages)}\n{logs(workers)}",
                   poll_s=0.002)
        first.kill()
        at_kill = len(emulator.messages)
        counts_at_kill = status_counts(db)
        sending_at_kill = counts_at_kill.get("sending", 0)
        workers.remove(first)

        second = Worker("--config", str(config), log_path=tmp_path / "worker-2.log")
        workers.append(second)
        wait_until(running(workers, drained(db)), timeout_s=DRAIN_TIMEOUT_S,
                   what="the outbox to drain", poll_s=0.05,
                   describe=lambda: f"outbox {status_counts(db)}\n{logs(workers)}")
        assert second.terminate() == 0, second.log()
        workers.remove(second)

        assert_each_recipient_once(emulator, db)
        with emulator.lock:
            lookups = sum(1 for r in emulator.requests if r["method"] == "GET")
        recovered = len(second.lines_with("was already sent as"))
        report(f"{backend}: killed after {at_kill} messages at the emulator; outbox then "
               f"{counts_at_kill} ({sending_at_kill} 'sending'); the restarted worker made "
               f"{lookups} find_sent lookups, {recovered} found already sent; "
               f"{len(emulator.messages)} messages, each recipient once")
        if not sending_at_kill:
            report(f"{backend}: the kill landed between batches (no row was 'sending')")
        # Exactly the rows left 'sending' were reclaimed with 'lease_expired' and looked up.
        assert lookups == sending_at_kill, f"{lookups} lookups for {sending_at_kill} reclaimed rows"
    finally:
        for worker in workers:
            worker.kill()
        db.dispose()


@pytest.mark.postgres
@pytest.mark.timeout(180)
def test_two_workers_share_the_queue_without_duplicates(postgresql_url, emulator, tmp_path):
    db = Database(postgresql_url)
    workers: list[Worker] = []
    from_numbers = ["+12025550100", "+12025550101"]
    try:
        db.upgrade()
        for n, from_number in enumerate(from_numbers, start=1):
            config = write_config(tmp_path / f"worker-{n}.toml", database_url=postgresql_url,
                                  emu=emulator, from_number=from_number)
            workers.append(Worker("--config", str(config), log_path=tmp_path / f"worker-{n}.log"))
        # Both poll an empty outbox before the rows arrive, so neither can drain it alone.
        wait_until(running(workers, lambda: all(w.lines_with("outbox worker started")
                                                for w in workers)),
                   timeout_s=START_TIMEOUT_S, what="both workers to start", poll_s=0.05,
                   describe=lambda: logs(workers))
        enqueue_messages(db, MESSAGES)

        wait_until(running(workers, drained(db)), timeout_s=DRAIN_TIMEOUT_S,
                   what="the outbox to drain", poll_s=0.05,
                   describe=lambda: f"outbox {status_counts(db)}\n{logs(workers)}")
        codes = [worker.terminate() for worker in workers]
        assert codes == [0, 0], "\n".join(worker.log() for worker in workers)
        stopped, workers = workers, []

        assert_each_recipient_once(emulator, db)
        with emulator.lock:
            split = Counter(message.from_ for message in emulator.messages)
        report(f"postgresql, two workers: messages per worker {dict(split)}")
        assert set(split) == set(from_numbers), \
            f"one worker sent nothing: {dict(split)}\n" + "\n".join(w.log() for w in stopped)
        assert not any(w.lines_with("claim lost") for w in stopped)
    finally:
        for worker in workers:
            worker.kill()
        db.dispose()
