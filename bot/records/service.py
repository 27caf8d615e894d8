"""Reading the audit trail back and verifying its chain in the database; an incident's legal hold."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from bot.db.models import Incident
from bot.db.unit_of_work import Database, UnitOfWork
from bot.records import audit, chain
from bot.records.audit import as_dict

HOLD_PLACED = "incident.legal_hold_placed"
HOLD_RELEASED = "incident.legal_hold_released"


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


def set_legal_hold(uow: UnitOfWork, incident: Incident, *, hold: bool, actor: str,
                   now: datetime) -> bool:
    """Places or releases the hold; False (and nothing recorded) when it already was so."""
    locked = uow.incidents.lock(incident.id) or incident
    if locked.legal_hold == hold:
        return False
    locked.legal_hold = hold
    audit.record(uow, at=now, actor=actor, action=HOLD_PLACED if hold else HOLD_RELEASED,
                 incident_id=locked.id)
    return True
