"""Reading the audit trail back: verifying its chain in the database, and what a reader sees."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from bot.db.unit_of_work import Database
from bot.records import chain
from bot.records.audit import as_dict


def events(db: Database, *, incident_id: int | None = None,
           since: datetime | None = None) -> Iterator[dict[str, Any]]:
    """Every event (of one incident, or since an instant) in chain order, as plain dicts."""
    with db.unit_of_work(read_only=True) as uow:
        for event in uow.audit.stream(incident_id=incident_id, since=since):
            yield as_dict(event)


def head(db: Database) -> dict[str, Any]:
    with db.unit_of_work(read_only=True) as uow:
        seq, hash_ = uow.audit.head()
    return {"seq": seq, "hash": hash_}


def verify_database(db: Database) -> chain.Result:
    """The whole trail against its recorded head: the first altered, inserted or removed event."""
    recorded = head(db)
    return chain.verify(events(db), head=recorded)
