"""The suite's reused PostgreSQL schemas (tests/support/databases.py) come back as new."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from tests.conftest import test_server as server_url
from tests.support.databases import SchemaPool


@pytest.fixture
def pool(request: pytest.FixtureRequest):
    if "postgresql" not in request.config.getoption("backends").split(","):
        pytest.skip("needs PostgreSQL (not in --backends)")
    found = SchemaPool(server_url())
    yield found
    found.close()


def test_a_reused_schema_has_only_what_the_migrations_wrote_and_a_stray_session_is_ended(pool):
    with pool.schema() as url:
        engine = create_engine(url)
        with engine.begin() as connection:
            fresh = connection.execute(text("SELECT id, seq FROM audit_chain_head")).all()
            connection.execute(text("INSERT INTO slack_user_names (user_id, name, seen_at) "
                                    "VALUES ('U1', 'x', now())"))
        stray = engine.connect()  # a test's session left open, inside a transaction
        stray.execute(text("SELECT count(*) FROM slack_user_names"))
    with pool.schema() as again:
        assert again != url
        with pytest.raises(DBAPIError):  # ended: it cannot write into the next test's data
            stray.execute(text("INSERT INTO slack_user_names (user_id, name, seen_at) "
                               "VALUES ('U2', 'y', now())"))
        engine.dispose()
        reused = create_engine(again)
        with reused.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM slack_user_names")).scalar() == 0
            assert connection.execute(text("SELECT id, seq FROM audit_chain_head")).all() == fresh
        reused.dispose()
