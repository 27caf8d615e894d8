"""The calendar file behind a call's signed link (``GET /calls/{id}.ics?t=…``)."""

from __future__ import annotations

from bot.access.links import valid_token
from bot.calls import calendar
from bot.calls.service.calls import occurrences
from bot.config import Settings
from bot.db.unit_of_work import Database


def calendar_file(db: Database, settings: Settings, call_id: int, token: str) -> bytes | None:
    """The call's ``.ics`` (its series' when it is in one); None for a bad token or a call that
    is not there (both look alike, so a link cannot be used to learn which calls exist)."""
    if not valid_token(settings, f"call:{call_id}", token):
        return None
    with db.unit_of_work(read_only=True) as uow:
        call = uow.calls.get(call_id)
        if call is None:
            return None
        incident = uow.incidents.get(call.incident_id)
        return calendar.calendar_file(occurrences(uow, call), incident, settings)
