"""A worker that dies holding claimed rows does not keep them until their lease runs out: the
other workers see it is gone (PostgreSQL: its advisory lock went with its session; SQLite: its
process is gone) and claim the rows at once, asking the provider first as after an expired
lease. A live worker's rows are never taken, and rows claimed with no name keep their lease.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from bot.db.claimants import PostgresClaimant, local_token
from bot.db.models.outbox import LEASE_EXPIRED
from tests.support.outbox import KIND, add, make_worker, row
from tests.test_outbox_leases import Reconciling

LEASE = timedelta(seconds=120)  # the product's default: far longer than any wait here


def claim(db, clock, claimant: str | None) -> list[int]:
    with db.unit_of_work() as uow:
        ids = uow.outbox.claim_due(now=clock.now(), limit=10, lease=LEASE, claimant=claimant)
        uow.commit()
    return ids


def dead_token(db) -> str:
    """The name a worker that has since died wrote on its claims, on this backend."""
    if db.engine.dialect.name == "postgresql":
        gone = PostgresClaimant(db.engine)
        token = gone.token()
        gone._drop()  # the session ends without an unlock, as when its process is killed
        return token
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    token = local_token(process.pid)
    process.kill()
    process.wait()
    return token


def test_the_rows_of_a_dead_worker_are_sent_at_once_after_a_lookup(db, clock):
    add(db, clock, "k1")
    assert claim(db, clock, dead_token(db))
    sender = Reconciling()
    worker = make_worker(db, clock, {KIND: sender}, lease_s=120.0)
    try:
        assert worker.drain() == 1  # no time has passed: the lease alone would hold it 2 min
    finally:
        worker.close()
    assert sender.looked_up == ["k1"] and sender.sent == ["k1"]  # asked first, then sent once
    assert row(db, "k1").status == "sent"


@contextmanager
def live_token(db) -> Iterator[str]:
    """The name of another worker that is alive meanwhile, on this backend."""
    if db.engine.dialect.name == "postgresql":
        other = PostgresClaimant(db.engine)
        try:
            yield other.token()
        finally:
            other.close()
        return
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        yield local_token(process.pid)
    finally:
        process.kill()
        process.wait()


def test_a_live_workers_rows_and_unnamed_claims_are_left_to_their_lease(db, clock):
    with live_token(db) as other:
        add(db, clock, "live")
        assert claim(db, clock, other)
        add(db, clock, "unnamed")
        assert claim(db, clock, None)
        sender = Reconciling()
        worker = make_worker(db, clock, {KIND: sender}, lease_s=120.0)
        try:
            assert worker.drain() == 0
            assert worker._claims.watching  # it keeps an eye on the live worker's rows
        finally:
            worker.close()
        assert sender.sent == [] and {row(db, k).status for k in ("live", "unnamed")} == {"sending"}


def test_a_freed_row_is_claimed_as_after_an_expired_lease(db, clock):
    add(db, clock, "k1")
    claim(db, clock, dead_token(db))
    worker = make_worker(db, clock, {}, lease_s=120.0)
    try:
        with db.unit_of_work() as uow:
            assert worker._claims.sweep(uow) == 1
            uow.commit()
    finally:
        worker.close()
    assert claim(db, clock, None) != []
    claimed = row(db, "k1")
    assert claimed.error_code == LEASE_EXPIRED and claimed.attempts == 2


def test_a_worker_names_its_claims_with_a_name_that_is_alive(db, clock):
    add(db, clock, "k1")
    worker = make_worker(db, clock, {KIND: lambda message: None}, lease_s=120.0)
    try:
        token = worker._claims.token()
        assert claim(db, clock, token)
        with db.unit_of_work(read_only=True) as uow:
            assert uow.outbox.claim_holders(now=clock.now()) == {token}
            assert worker._claims._claimant.dead(uow.session.connection(), {token}) == set()
    finally:
        worker.close()
