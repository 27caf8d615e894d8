"""The migrations build exactly the schema the models describe, on every backend.

The rest of the suite runs on databases the migrations built once and that are then copied or
cleaned (tests/support/databases.py); this is what says those are the models' schema.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from bot.db.models import Base
from bot.db.unit_of_work import open_database


def test_an_empty_database_upgraded_to_head_has_the_models_schema(empty_database_url):
    open_database(empty_database_url).dispose()
    engine = create_engine(empty_database_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
            tables = set(inspect(connection).get_table_names())
    finally:
        engine.dispose()
    assert differences == []
    assert tables == {*Base.metadata.tables, "alembic_version"}
