"""Shared fixtures. Database tests run on every backend named by ``--backends``.

PostgreSQL tests use the server in ``COORDBOT_TEST_DATABASE_URL`` (default: the local one).
``database_url`` is a database already at the newest schema, made by the migrations
(``tests/support/databases.py`` says how without migrating per test); ``empty_database_url``
and ``postgresql_url`` have no schema yet.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.bootstrap import Container, bootstrap
from bot.config import Settings
from bot.db.schemas import fresh_schema
from bot.db.unit_of_work import Database
from tests.support.databases import SchemaPool, SqliteTemplate
from tests.support.fakes import FakeClock, FakeSlack, FakeSms, FakeVoice

pytest_plugins = ("tests.support.twilio", "tests.support.voice", "tests.support.notes",
                  "tests.support.live")

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
COORDINATOR = "UCOORD001"
OFFICIAL = "UOFFIC001"
BYSTANDER = "UBYSTAND1"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--backends", default="sqlite,postgresql",
                     help="comma-separated database backends for database tests")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if {"database_url", "empty_database_url"} & set(metafunc.fixturenames):
        backends = metafunc.config.getoption("backends").split(",")
        metafunc.parametrize("backend", backends, indirect=False, scope="function")


def test_server() -> str:
    return os.environ.get("COORDBOT_TEST_DATABASE_URL", DEFAULT_PG)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    return SqliteTemplate(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def _schema_pool() -> Iterator[SchemaPool]:
    pool = SchemaPool(test_server())
    yield pool
    pool.close()


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A database at the newest schema, with no rows."""
    if backend == "sqlite":
        yield request.getfixturevalue("_sqlite_template").copy_to(tmp_path / "coordbot.db")
        return
    if backend != "postgresql":
        raise pytest.UsageError(f"unknown backend {backend}")
    with request.getfixturevalue("_schema_pool").schema() as url:
        yield url


@pytest.fixture
def empty_database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A database with no schema at all, for the tests of creating and upgrading one."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'coordbot.db'}"
        return
    if backend != "postgresql":
        raise pytest.UsageError(f"unknown backend {backend}")
    with fresh_schema(test_server()) as url:
        yield url


@pytest.fixture
def postgresql_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh schema on the test PostgreSQL server, for the tests that need PostgreSQL itself
    (advisory locks, ``SKIP LOCKED`` between processes); skipped when ``--backends`` leaves it out."""
    if "postgresql" not in request.config.getoption("backends").split(","):
        pytest.skip("needs PostgreSQL (not in --backends)")
    with fresh_schema(test_server()) as url:
        yield url


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database={"url": database_url},
        slack={"bot_token": "xoxb-test-token", "signing_secret": "test-signing-secret",
               "announcements_channel": "CANNOUNCE1"},
        roles={"coordinators": [COORDINATOR, "@incident-leads"], "officials": [OFFICIAL]},
        timezone="America/New_York",
        sms={"confirm_threshold": 3, "rate_per_s": 0},
        twilio={"auth_token": "test-twilio-token", "account_sid": "AC" + "0" * 32,
                "from_number": "+12025550100"},
        server={"public_base_url": "https://coordbot.example.org"},
        # PostgreSQL's advisory locks are per database, not per schema: a test's scheduler must
        # not contend with another test's for the default key.
        scheduler={"lock_key": random.randrange(1 << 40, 1 << 62)},
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def slack() -> FakeSlack:
    return FakeSlack(groups={"@incident-leads": ["ULEAD0001"]})


@pytest.fixture
def sms() -> FakeSms:
    return FakeSms()


@pytest.fixture
def voice() -> FakeVoice:
    return FakeVoice()


@pytest.fixture
def container(settings: Settings, clock: FakeClock, slack: FakeSlack, sms: FakeSms,
              voice: FakeVoice) -> Iterator[Container]:
    built = bootstrap(settings, clock=clock, slack=slack, sms=sms, voice=voice)
    yield built
    built.stop()


@pytest.fixture
def db(container: Container) -> Database:
    return container.db
