"""Chaos: one notice's SMS drained by two ``coordbot worker`` processes on PostgreSQL through the
Twilio emulator, with ~10% of sends meeting a fault (429 and 503 with ``Retry-After``, 500, a
reset before acceptance, a reset or a timeout after it) and two SIGKILLs of a worker at random
moments (each replaced by a new one). At the emulator every recipient gets exactly one SMS, and
nothing is left pending, sending or unknown.

The small form (300 recipients) runs in ``make test``; ``COORDBOT_CHAOS_RECIPIENTS`` makes it
bigger and ``COORDBOT_CHAOS_SEED`` picks another run (the seed is printed).
"""

from __future__ import annotations

import os
import random
from collections import Counter
from collections.abc import Iterator

import pytest

from bot.db.unit_of_work import Database
from bot.sandbox.twilio import TwilioEmulator
from tests.support.processes import Worker, logs, running
from tests.support.waiting import wait_until
from tests.test_sms_crash import (
    assert_each_recipient_once,
    drained,
    enqueue_messages,
    recipient,
    report,
    status_counts,
    write_config,
)

RECIPIENTS = int(os.environ.get("COORDBOT_CHAOS_RECIPIENTS", "300"))
SEED = int(os.environ.get("COORDBOT_CHAOS_SEED", "20261201"))
FAULT_RATE = 0.10
KILLS = 2
START_TIMEOUT_S = 30.0
DRAIN_TIMEOUT_S = 60.0 + RECIPIENTS / 10


@pytest.fixture
def chaotic() -> Iterator[TwilioEmulator]:
    emu = TwilioEmulator(deliver_callbacks=False).start()
    emu.set_latency(0.002)
    # The answer to a "timeout" fault is held past the workers' 0.5 s request timeout.
    emu.set_chaos(FAULT_RATE, seed=SEED, retry_after=1, hold_s=1.0)
    try:
        yield emu
    finally:
        emu.stop()


@pytest.mark.postgres
@pytest.mark.chaos
@pytest.mark.timeout(int(DRAIN_TIMEOUT_S) + 120)
def test_two_workers_under_faults_and_kills_send_each_sms_exactly_once(postgresql_url, chaotic,
                                                                        tmp_path):
    rng = random.Random(SEED)
    db = Database(postgresql_url)
    config = write_config(tmp_path / "worker.toml", database_url=postgresql_url, emu=chaotic,
                          sms={"request_timeout_s": 0.5},
                          outbox={"batch_size": 25, "max_attempts": 30, "backoff_base_s": 0.2,
                                  "backoff_max_s": 2.0})
    started = 0
    workers: list[Worker] = []

    def start() -> None:
        nonlocal started
        started += 1
        workers.append(Worker("--config", str(config), log_path=tmp_path / f"worker-{started}.log"))

    try:
        db.upgrade()
        start()
        start()
        wait_until(running(workers, lambda: all(w.lines_with("outbox worker started")
                                                for w in workers)),
                   timeout_s=START_TIMEOUT_S, what="both workers to start", poll_s=0.05,
                   describe=lambda: logs(workers))
        enqueue_messages(db, RECIPIENTS)
        kill_at = sorted(rng.uniform(0.1, 0.8) * RECIPIENTS for _ in range(KILLS))
        for threshold in kill_at:
            wait_until(running(workers, lambda t=threshold: len(chaotic.messages) >= t),
                       timeout_s=DRAIN_TIMEOUT_S, what=f"{int(threshold)} messages at the emulator",
                       describe=lambda: f"outbox {status_counts(db)}\n{logs(workers)}",
                       poll_s=0.005)
            victim = workers.pop(rng.randrange(len(workers)))
            victim.kill()
            report(f"chaos: SIGKILLed {victim.name} at {len(chaotic.messages)} messages")
            start()

        wait_until(running(workers, drained(db)), timeout_s=DRAIN_TIMEOUT_S,
                   what="the outbox to drain", poll_s=0.05,
                   describe=lambda: f"outbox {status_counts(db)}\n{logs(workers)}")
        codes = [worker.terminate() for worker in workers]
        assert codes == [0] * len(workers), logs(workers)
        stopped, workers = workers, []

        assert_each_recipient_once(chaotic, db, {recipient(i) for i in range(RECIPIENTS)})
        with chaotic.lock:
            refused = Counter(r["code"] for r in chaotic.requests if r["code"])
        dropped = Counter(kind for kind, _ in chaotic.dropped)
        report(f"chaos (seed {SEED}): {RECIPIENTS} recipients, each texted once; refusals "
               f"{dict(refused)}, lost answers {dict(dropped)}; "
               f"{sum(len(w.lines_with('was already sent as')) for w in stopped)} found at the "
               "lookup by the last workers")
        assert sum(refused.values()) + sum(dropped.values()) >= RECIPIENTS * FAULT_RATE / 2
    finally:
        for worker in workers:
            worker.kill()
        db.dispose()
