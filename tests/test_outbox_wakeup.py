"""Workers wake at once when another process queues work: PostgreSQL LISTEN/NOTIFY.

The other process is a real one (``python -c``) that enqueues through the product's code and
commits. The workers here poll only every 10 minutes, so a send that happens within seconds
happened because of the notification. Nothing sleeps: the tests wait on events, with a timeout.
"""

from __future__ import annotations

import random
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

from bot.clock import SystemClock
from bot.config import OutboxSettings
from bot.db.models import OutboxMessage
from bot.db.notify import Listener
from bot.db.unit_of_work import Database
from bot.outbox.contract import Delivered
from bot.outbox.worker import OutboxWorker

WAIT_S = 20  # generous: the machine is shared; a wake-up takes milliseconds
ENQUEUE = """
import sys
from datetime import UTC, datetime
from bot.db.unit_of_work import Database
from bot.outbox.queue import enqueue

db = Database(sys.argv[1])
with db.unit_of_work() as uow:  # rolled back: no work, so no notification either
    enqueue(uow, key="never", kind="test.post", purpose="test", payload={}, now=datetime.now(UTC))
with db.unit_of_work() as uow:
    for n in range(int(sys.argv[2])):
        enqueue(uow, key=f"woken:{n}", kind="test.post", purpose="test", payload={"n": n},
                now=datetime.now(UTC))
    uow.commit()
db.dispose()
"""


@pytest.fixture
def database(postgresql_url) -> Iterator[Database]:
    db = Database(postgresql_url)
    db.upgrade()
    try:
        yield db
    finally:
        db.dispose()


def enqueue_in_another_process(url: str, count: int = 1) -> None:
    subprocess.run([sys.executable, "-c", ENQUEUE, url, str(count)], check=True, timeout=60)


def test_every_listening_worker_is_woken_when_another_process_queues_work(database):
    woken = [threading.Event(), threading.Event()]
    listeners = [Listener(database.url, event.set).start() for event in woken]
    try:
        assert all(listener.listening.wait(WAIT_S) for listener in listeners)
        enqueue_in_another_process(database.url)
        assert all(event.wait(WAIT_S) for event in woken)
    finally:
        for listener in listeners:
            listener.stop()


class SignallingSender:
    def __init__(self, expected: int):
        self.keys: list[str] = []
        self.done = threading.Event()
        self._expected = expected
        self._lock = threading.Lock()

    def __call__(self, message: OutboxMessage) -> Delivered:
        with self._lock:
            self.keys.append(message.idempotency_key)
            if len(self.keys) >= self._expected:
                self.done.set()
        return Delivered()


def test_an_idle_worker_sends_what_another_process_queued_without_waiting_for_its_poll(database):
    sender = SignallingSender(expected=3)
    worker = OutboxWorker(db=database, clock=SystemClock(), senders={"test.post": sender},
                          rng=random.Random(0),
                          settings=OutboxSettings(poll_interval_s=600, concurrency=1))
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        # The worker has found nothing and waits (up to 10 minutes) for a wake-up.
        assert worker.listening.wait(WAIT_S)
        enqueue_in_another_process(database.url, count=3)
        assert sender.done.wait(WAIT_S)
        assert sorted(sender.keys) == ["woken:0", "woken:1", "woken:2"]
    finally:
        stop.set()
        worker.wakeup.notify()
        thread.join(timeout=WAIT_S)
    assert not thread.is_alive()
