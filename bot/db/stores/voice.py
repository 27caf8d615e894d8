"""The voice opt-out list (numbers that pressed 0 on a message call)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import VoiceOptOut
from bot.db.stores.erased import ErasedNumbers
from bot.db.stores.membership import among


class VoiceRepository:
    def __init__(self, session: Session):
        self._session = session
        self._erased = ErasedNumbers(session)

    def is_opted_out(self, phone: str) -> bool:
        """Pressed 0 on a message call, or erased on request (``bot.records.erasure``)."""
        return self._session.get(VoiceOptOut, phone) is not None or bool(self._erased.among([phone]))

    def opted_out_among(self, phones: list[str]) -> set[str]:
        found: set[str] = self._erased.among(phones)
        for listed in among(self._session, VoiceOptOut.phone, phones):
            found.update(self._session.scalars(select(VoiceOptOut.phone).where(listed)))
        return found

    def opt_out(self, phone: str, *, source: str, at: datetime) -> None:
        if self._session.get(VoiceOptOut, phone) is None:
            self._session.add(VoiceOptOut(phone=phone, source=source, at=at))
            self._session.flush()
