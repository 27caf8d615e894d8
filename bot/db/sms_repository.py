"""Opt-outs, inbound messages and notices."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .models import InboundMessage, Notice, SmsOptOut


class SmsRepository:
    def __init__(self, session: Session):
        self._session = session

    def is_opted_out(self, phone: str) -> bool:
        return self._session.get(SmsOptOut, phone) is not None

    def opted_out_among(self, phones: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(phones), 900):
            chunk = phones[start:start + 900]
            found.update(self._session.scalars(select(SmsOptOut.phone)
                                               .where(SmsOptOut.phone.in_(chunk))))
        return found

    def opt_out(self, phone: str, *, source: str, at: datetime) -> None:
        if self._session.get(SmsOptOut, phone) is None:
            self._session.add(SmsOptOut(phone=phone, source=source, at=at))
            self._session.flush()

    def opt_in(self, phone: str) -> None:
        self._session.execute(delete(SmsOptOut).where(SmsOptOut.phone == phone))

    def inbound_by_sid(self, sid: str) -> InboundMessage | None:
        return self._session.scalar(select(InboundMessage).where(InboundMessage.sid == sid))

    def add_inbound(self, message: InboundMessage) -> None:
        self._session.add(message)
        self._session.flush()

    def add_notice(self, notice: Notice) -> None:
        self._session.add(notice)
        self._session.flush()

    def notice(self, notice_id: int) -> Notice | None:
        return self._session.get(Notice, notice_id)
