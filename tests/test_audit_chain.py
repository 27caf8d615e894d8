"""The audit trail's hash chain: it verifies after a realistic incident, and a row altered,
deleted or inserted in the database behind the bot's back is found and named (both backends)."""

from __future__ import annotations

import threading

import pytest
from alembic import command
from sqlalchemy import text

from bot.db.unit_of_work import Database, alembic_config
from bot.records import audit, chain
from bot.records.service import verify_database
from tests.conftest import COORDINATOR
from tests.support.scenario import declared_with_contacts


@pytest.fixture
def commands(container):
    """Hurricane Xavier declared, updated, edited, closed and reopened: a dozen audit events."""
    slash = declared_with_contacts(container, [])
    for line in ("update Shelters open in Tallahassee", 'edit severity=critical summary="Landfall"',
                 "update Évacuation: ñ, 中文 and emoji 🌀 are hashed as themselves"):
        slash.run(f"{line.split()[0]} INC-2026-0001 {line.partition(' ')[2]}", user=COORDINATOR)
    slash.run("close INC-2026-0001", user=COORDINATOR)
    container.worker.drain()
    return slash


def ids(db: Database) -> list[int]:
    with db.unit_of_work(read_only=True) as uow:
        return [event.id for event in uow.audit.list()]


def execute(db: Database, sql: str, **params) -> None:
    with db.engine.begin() as connection:
        connection.execute(text(sql), params)


def test_the_chain_verifies_after_a_realistic_incident(commands, db):
    result = verify_database(db)
    assert result.ok, result.problem
    assert result.checked == len(ids(db)) >= 5
    with db.unit_of_work(read_only=True) as uow:
        events = uow.audit.list()
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert events[0].prev_hash == chain.GENESIS
        assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:], strict=False))
        assert uow.audit.head() == (events[-1].seq, events[-1].hash)


def test_an_altered_row_is_named(commands, db):
    victim = ids(db)[2]
    execute(db, "UPDATE audit_events SET actor = 'UINNOCENT' WHERE id = :id", id=victim)
    problem = verify_database(db).problem
    assert problem is not None and (problem.kind, problem.id) == ("altered", victim)
    assert f"id {victim}" in problem.message and "altered" in problem.message


def test_an_altered_timestamp_or_detail_is_named(commands, db):
    victim = ids(db)[1]
    execute(db, "UPDATE audit_events SET at = :at WHERE id = :id", id=victim,
            at="2020-01-01 00:00:00")
    assert verify_database(db).problem.id == victim


def test_a_deleted_row_is_named_by_the_event_after_it(commands, db):
    events = ids(db)
    execute(db, "DELETE FROM audit_events WHERE id = :id", id=events[3])
    problem = verify_database(db).problem
    assert (problem.kind, problem.id) == ("removed", events[4])
    assert f"id {events[2]}" in problem.message and f"id {events[4]}" in problem.message


def test_deleting_the_last_rows_is_caught_by_the_head(commands, db):
    events = ids(db)
    execute(db, "DELETE FROM audit_events WHERE id >= :id", id=events[-2])
    problem = verify_database(db).problem
    assert (problem.kind, problem.id) == ("head", events[-3])


def test_an_inserted_row_is_named_even_when_the_bot_writes_after_it(commands, db, clock):
    execute(db, "INSERT INTO audit_events (at, actor, action, details) "
                "VALUES (:at, 'UFORGER01', 'incident.closed', '{}')", at="2026-12-01 12:00:00")
    forged = ids(db)[-1]
    with db.unit_of_work() as uow:
        audit.record(uow, at=clock.now(), actor=COORDINATOR, action="test.after")
        uow.commit()
    problem = verify_database(db).problem
    assert (problem.kind, problem.id) == ("inserted", forged)


def test_an_inserted_row_at_the_end_is_named(commands, db):
    execute(db, "INSERT INTO audit_events (at, actor, action, details, seq, prev_hash, hash) "
                "VALUES (:at, 'UFORGER01', 'x', '{}', 999, :p, :h)", at="2026-12-01 12:00:00",
            p="0" * 64, h="f" * 64)
    problem = verify_database(db).problem
    assert (problem.kind, problem.id) == ("inserted", ids(db)[-1])


def test_a_rolled_back_event_leaves_the_chain_whole(commands, db, clock):
    with db.unit_of_work() as uow:
        audit.record(uow, at=clock.now(), actor=COORDINATOR, action="test.rolled_back")
    with db.unit_of_work() as uow:
        audit.record(uow, at=clock.now(), actor=COORDINATOR, action="test.kept")
        uow.commit()
    assert verify_database(db).ok


def test_two_writers_at_once_do_not_fork_the_chain(commands, db, clock):
    """Each thread appends in its own transaction and connection (the same as two processes to
    the database): they take turns at the head, so every event links to the one before."""
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            other = Database(db.url)
            start.wait()
            for n in range(15):
                with other.unit_of_work() as uow:
                    audit.record(uow, at=clock.now(), actor=name, action="test.concurrent", n=n)
                    uow.commit()
            other.dispose()
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(error)

    threads = [threading.Thread(target=writer, args=(f"UWRITER0{i}",)) for i in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    result = verify_database(db)
    assert result.ok, result.problem
    with db.unit_of_work(read_only=True) as uow:
        assert len(uow.audit.list(action="test.concurrent")) == 30


def test_the_migration_chains_the_events_already_written(empty_database_url):
    """A trail written before 0016 verifies after it, and new events link to its head."""
    database = Database(empty_database_url)
    with database.engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0010")
        for n, at in enumerate(("2026-11-30 10:00:00.250000", "2026-11-30 11:00:00")):
            connection.execute(text(
                "INSERT INTO audit_events (at, actor, action, details) VALUES "
                "(:at, 'UOLD00001', 'incident.updated', :details)"),
                {"at": at, "details": f'{{"n": {n}, "text": "Ñandú", "2": [1, 2.5]}}'})
    database.upgrade()
    assert verify_database(database).checked == 2 and verify_database(database).ok
    with database.unit_of_work() as uow:
        from datetime import UTC, datetime
        audit.record(uow, at=datetime(2026, 12, 1, tzinfo=UTC), actor="UNEW00001", action="x")
        uow.commit()
    result = verify_database(database)
    assert result.ok and result.checked == 3
    database.dispose()
