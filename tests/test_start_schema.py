"""``serve`` and ``worker`` start only on a schema at this release's newest revision.

An old or empty schema is refused with exit 2 and a sentence saying what to run, and nothing in
the database changes; ``--upgrade`` brings it to head first; a schema a newer release migrated
(a revision this release does not know) is refused even with ``--upgrade``. A start on a schema
at head does no schema work: it takes no migration lock, so it starts while a migration job
holds it, and so does the worker child a web process restarts. ``db upgrade`` says where it
found the schema, and refuses an unknown one too.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from bot.config import Settings
from bot.db.leadership import PostgresLease
from bot.db.schema_version import schema_version
from bot.db.unit_of_work import MIGRATION_LOCK, Database, alembic_config
from bot.sandbox.server import free_port
from tests.support.processes import COORDBOT, Worker, clean_env, worker_children
from tests.support.waiting import wait_until

OLD = "0013"  # an older revision of this release's chain


def newest() -> str:
    from alembic.script import ScriptDirectory

    (head,) = ScriptDirectory.from_config(alembic_config()).get_heads()
    return head


HEAD = newest()


@pytest.fixture
def database(empty_database_url):
    db = Database(empty_database_url)
    yield db
    db.dispose()


def migrate_to(db: Database, revision: str) -> None:
    from alembic import command

    with db.engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def stamp(db: Database, revision: str) -> None:
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})


def env_for(empty_database_url: str) -> dict[str, str]:
    return clean_env(COORDBOT_DATABASE__URL=empty_database_url,
                     COORDBOT_SLACK__BOT_TOKEN="xoxb-schema-test",
                     COORDBOT_SLACK__SIGNING_SECRET="schema-test-secret",
                     COORDBOT_SLACK__API_BASE_URL="http://127.0.0.1:9/api/",
                     COORDBOT_SCHEDULER__LOCK_KEY=str(random.randrange(1, 2**62)))


def start(empty_database_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(COORDBOT), *args], cwd=tmp_path, env=env_for(empty_database_url),
                          capture_output=True, text=True, timeout=60)


# ----- what the schema is --------------------------------------------------------------------
def test_an_empty_database_has_no_schema(database):
    found = schema_version(database)
    assert (found.state, found.current, found.heads) == ("empty", (), (HEAD,))


def test_an_older_revision_is_old_and_head_is_head(database):
    migrate_to(database, OLD)
    assert (schema_version(database).state, schema_version(database).current) == ("old", (OLD,))
    database.upgrade()
    assert schema_version(database).state == "head"
    assert schema_version(database).at_head


def test_a_revision_this_release_does_not_know_is_unknown(database):
    database.upgrade()
    stamp(database, "0099")
    found = schema_version(database)
    assert (found.state, found.unknown) == ("unknown", ("0099",))
    assert "a newer release has migrated it" in found.describe()


# ----- serve and worker at start -------------------------------------------------------------
def test_worker_refuses_an_empty_database_and_creates_nothing(empty_database_url, database, tmp_path):
    result = start(empty_database_url, tmp_path, "worker")
    assert result.returncode == 2, result.stderr
    assert "the database has no coordbot schema yet" in result.stderr
    assert "Run `coordbot db upgrade`" in result.stderr and "--upgrade" in result.stderr
    assert "Traceback" not in result.stderr
    assert schema_version(database).state == "empty"
    if empty_database_url.startswith("sqlite"):  # not even an empty file
        assert not Path(database.engine.url.database).exists()


def test_with_json_logs_the_refusal_is_a_json_error_line(empty_database_url, database, tmp_path):
    migrate_to(database, OLD)
    result = start(empty_database_url, tmp_path, "worker", "--log-format", "json")
    assert result.returncode == 2, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line["level"] == "ERROR"]
    assert len(errors) == 1, lines
    assert errors[0]["message"].endswith(f"the database schema is at revision {OLD}, older than "
                                         f"this release's {HEAD}. Run `coordbot db upgrade` (the "
                                         "release's migration step) first, or start with "
                                         "--upgrade.")


def test_serve_refuses_an_old_schema_and_leaves_it_as_it_was(empty_database_url, database, tmp_path):
    migrate_to(database, OLD)
    result = start(empty_database_url, tmp_path, "serve", "--no-scheduler")
    assert result.returncode == 2, result.stderr
    assert f"the database schema is at revision {OLD}, older than this release's {HEAD}" \
        in result.stderr
    assert "coordbot db upgrade" in result.stderr
    assert schema_version(database).current == (OLD,)


@pytest.mark.parametrize("command", [("worker", "--upgrade"), ("db", "upgrade")],
                         ids=["worker --upgrade", "db upgrade"])
def test_an_unknown_schema_is_refused_even_by_an_upgrade(empty_database_url, database, tmp_path,
                                                         command):
    database.upgrade()
    stamp(database, "0099")
    result = start(empty_database_url, tmp_path, *command)
    assert result.returncode == 2, result.stderr
    assert "0099, which this release does not know" in result.stderr
    assert "a newer release has migrated it" in result.stderr
    assert "Traceback" not in result.stderr
    assert schema_version(database).current == ("0099",)


def test_worker_with_upgrade_brings_an_old_schema_to_head_and_runs(empty_database_url, database,
                                                                   tmp_path):
    migrate_to(database, OLD)
    port = free_port()
    worker = Worker("--upgrade", "--metrics-port", str(port), log_path=tmp_path / "worker.log",
                    env=env_for(empty_database_url))
    try:
        wait_until(lambda: worker.check_alive() or _answers(f"http://127.0.0.1:{port}/metrics"),
                   timeout_s=60, what="the upgraded worker's /metrics", describe=worker.log)
        assert schema_version(database).state == "head"
        assert worker.lines_with(f"revision {OLD}, older than this release's {HEAD}; upgraded")
    finally:
        assert worker.terminate() == 0, worker.log()


@pytest.mark.postgres
def test_a_start_at_head_takes_no_migration_lock(postgresql_url, tmp_path):
    """While a migration job holds the lock, ``serve`` at head starts, and its killed worker
    child comes back: neither waits for the lock (the old start upgraded, and waited)."""
    db = Database(postgresql_url)
    db.upgrade()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = env_for(postgresql_url)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    with db.engine.connect() as migration_job:
        migration_job.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        serve = Worker("--no-scheduler", "--port", str(port), command="serve",
                       log_path=tmp_path / "serve.log", env=env)
        try:
            wait_until(lambda: serve.check_alive() or _answers(f"{url}/healthz"), timeout_s=60,
                       what="serve to start while the migration lock is held",
                       describe=serve.log)
            child = _worker_child(serve)
            os.kill(child, signal.SIGKILL)
            wait_until(lambda: _worker_child(serve, missing_ok=True) not in (None, child)
                       and _answers(f"{url}/healthz"), timeout_s=30,
                       what="the worker child to restart while the lock is held",
                       describe=serve.log)
        finally:
            serve.terminate()
            migration_job.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
    db.dispose()


def _worker_child(serve: Worker, *, missing_ok: bool = False) -> int | None:
    found = worker_children(serve.pid)
    assert found or missing_ok, f"serve has no worker child:\n{serve.log()}"
    return found[0] if found else None


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


# ----- the migration step --------------------------------------------------------------------
def test_db_upgrade_says_where_it_found_the_schema(empty_database_url, database, tmp_path):
    migrate_to(database, OLD)
    result = start(empty_database_url, tmp_path, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert f"database schema is up to date at revision {HEAD}; found at {OLD}" in result.stdout
    assert schema_version(database).state == "head"



@pytest.mark.postgres
@pytest.mark.timeout(60)
def test_an_upgrade_does_not_wait_for_the_running_scheduler(postgresql_url):
    """The scheduler's leader holds its advisory lock for as long as it runs; the migration
    lock once had the same key, so an upgrade (a deploy's migration job, or any command opening
    the database) waited for the leader forever."""
    db = Database(postgresql_url)
    leader = PostgresLease(db.engine, Settings().scheduler.lock_key)
    try:
        # A process started by another test may lead with the default key for a moment.
        wait_until(leader.acquire, timeout_s=30, what="the default scheduler lock", poll_s=0.1)
        other = Database(postgresql_url)
        with other.engine.begin() as connection:
            connection.execute(text("SET LOCAL lock_timeout = '5s'"))  # a failure, not a hang
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        other.upgrade()  # at head already: returns at once
        other.dispose()
    finally:
        leader.release()
        db.dispose()
