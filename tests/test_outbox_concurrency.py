"""The outbox under concurrency on every database backend: two workers claiming and draining at
once, and the same key enqueued by two overlapping transactions.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from bot.outbox.queue import enqueue
from tests.support.outbox import (
    KIND,
    RecordingSender,
    all_rows,
    make_worker,
)

# ----- concurrency -------------------------------------------------------------------------------

def run_in_threads(*targets) -> None:
    """Starts ``targets`` together and re-raises the first exception one of them raised."""
    barrier = threading.Barrier(len(targets))
    errors: list[Exception] = []

    def wrapped(target):
        try:
            barrier.wait(timeout=30)
            target()
        except Exception as error:  # handed back to the test thread
            errors.append(error)

    threads = [threading.Thread(target=wrapped, args=(t,), daemon=True) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert not any(thread.is_alive() for thread in threads), "a worker thread hung"
    if errors:
        raise errors[0]


def test_two_workers_claiming_concurrently_never_get_the_same_row(db, clock):
    with db.unit_of_work() as uow:
        for n in range(200):
            enqueue(uow, key=f"k{n:03d}", kind=KIND, purpose="test", payload={"n": n},
                    now=clock.now())
        uow.commit()
    all_ids = {r.id for r in all_rows(db)}
    assert len(all_ids) == 200
    now, lease = clock.now(), timedelta(minutes=10)
    claimed: dict[str, list[int]] = {"a": [], "b": []}
    batch_sizes: list[int] = []

    def claimer(name: str):
        def loop():
            while True:
                with db.unit_of_work() as uow:
                    ids = uow.outbox.claim_due(now=now, limit=7, lease=lease)
                    uow.commit()
                if not ids:
                    return
                batch_sizes.append(len(ids))
                claimed[name].extend(ids)
        return loop

    run_in_threads(claimer("a"), claimer("b"))

    a, b = claimed["a"], claimed["b"]
    assert max(batch_sizes) <= 7
    assert len(a) == len(set(a)) and len(b) == len(set(b))
    assert set(a) & set(b) == set()
    assert set(a) | set(b) == all_ids
    rows = all_rows(db)
    assert {r.status for r in rows} == {"sending"}
    assert {r.attempts for r in rows} == {1}  # each row was claimed exactly once


def test_two_workers_draining_concurrently_deliver_each_message_once(db, clock):
    with db.unit_of_work() as uow:
        for n in range(60):
            enqueue(uow, key=f"k{n:03d}", kind=KIND, purpose="test", payload={"n": n},
                    now=clock.now())
        uow.commit()
    sender = RecordingSender()
    workers = [make_worker(db, clock, {KIND: sender}, batch_size=3) for _ in range(2)]

    run_in_threads(*(lambda w=w: w.drain(max_rounds=1000) for w in workers))

    assert sorted(sender.keys) == [f"k{n:03d}" for n in range(60)]
    rows = all_rows(db)
    assert {r.status for r in rows} == {"sent"} and {r.attempts for r in rows} == {1}


def lock_waiters(db) -> int:
    """How many PostgreSQL backends wait for a lock (always 0 on SQLite)."""
    if db.engine.dialect.name != "postgresql":
        return 0
    with db.engine.connect() as connection:
        return connection.exec_driver_sql("SELECT count(*) FROM pg_locks WHERE NOT granted").scalar()


def test_same_key_enqueued_by_two_overlapping_transactions_is_one_row(db, clock):
    results: dict[str, bool] = {}
    with db.unit_of_work() as first:
        results["first"] = enqueue(first, key="k1", kind=KIND, purpose="test", payload={"v": 1},
                                   now=clock.now())

        def second():
            with db.unit_of_work() as uow:
                results["second"] = enqueue(uow, key="k1", kind=KIND, purpose="test",
                                            payload={"v": 2}, now=clock.now())
                uow.commit()

        thread = threading.Thread(target=second, daemon=True)
        thread.start()
        # On PostgreSQL the second insert blocks on the unique key until the first commits;
        # wait (without sleeping) until it does, so that the IntegrityError path is taken.
        if db.engine.dialect.name == "postgresql":
            assert any(lock_waiters(db) for _ in range(20_000)), "the second insert never blocked"
        first.commit()
    thread.join(timeout=30)
    assert not thread.is_alive()

    assert results == {"first": True, "second": False}
    sender = RecordingSender()
    make_worker(db, clock, {KIND: sender}).drain()
    assert sender.received == [("k1", {"v": 1})]
    assert len(all_rows(db)) == 1
