"""``column IN (values)`` for a list of any length, in the form each database takes best.

On PostgreSQL: one ``column = ANY(:values)``, the list bound as a single array. Its SQL is the
same whatever the list's length, so SQLAlchemy's cache holds the whole statement, whereas an
expanding ``IN`` is rendered again for every list and psycopg then converts one parameter per
value: for the outbox worker's batches of 200 that was a fifth of its claim-and-record CPU, time
taken from the sends (which share the process's interpreter lock). The index on ``column`` serves
``= ANY`` as it does ``IN``.

On SQLite: ``IN (…)`` lists of at most ``CHUNK`` values, under its bound-parameter limit (999
before SQLite 3.32), one condition per chunk for the caller to run in turn.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

CHUNK = 900


def among(session: Session, column, values: Sequence) -> list[ColumnElement[bool]]:
    """Conditions that together select the rows whose ``column`` is one of ``values``: run the
    query once per condition (one on PostgreSQL; none for no values)."""
    if not values:
        return []
    if session.get_bind().dialect.name == "postgresql":
        return [column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))]
    return [column.in_(values[start:start + CHUNK]) for start in range(0, len(values), CHUNK)]


def one_of(session: Session, column, values: Sequence) -> ColumnElement[bool]:
    """One condition for all of ``values``, for lists a caller bounds itself (a claim of the
    outbox's, at most ``outbox.batch_size``, 1,000): SQLite's limit has been 32,766 parameters
    since 3.32."""
    if values and session.get_bind().dialect.name == "postgresql":
        return among(session, column, values)[0]
    return column.in_(list(values))
