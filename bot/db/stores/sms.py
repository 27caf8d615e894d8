"""Opt-outs, inbound messages and notices."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from bot.db.models import Conversation, EarlyStatus, InboundMessage, Notice, SmsOptOut
from bot.db.stores.erased import ErasedNumbers
from bot.db.stores.membership import among


class SmsRepository:
    def __init__(self, session: Session):
        self._session = session
        self._erased = ErasedNumbers(session)

    def is_opted_out(self, phone: str) -> bool:
        """On the opt-out list, or erased on request (``bot.records.erasure``)."""
        return self._session.get(SmsOptOut, phone) is not None or bool(self._erased.among([phone]))

    def opted_out_among(self, phones: list[str]) -> set[str]:
        found: set[str] = self._erased.among(phones)
        for listed in among(self._session, SmsOptOut.phone, phones):
            found.update(self._session.scalars(select(SmsOptOut.phone).where(listed)))
        return found

    def opt_out(self, phone: str, *, source: str, at: datetime) -> None:
        if self._session.get(SmsOptOut, phone) is None:
            self._session.add(SmsOptOut(phone=phone, source=source, at=at))
            self._session.flush()

    def opt_in(self, phone: str) -> None:
        self._session.execute(delete(SmsOptOut).where(SmsOptOut.phone == phone))

    def lock_message(self, sid: str) -> None:
        """Serialises, until commit, the work on one provider message id (PostgreSQL).

        A status callback can race the worker recording that very send; both take this lock
        first, so whichever runs second sees what the first committed. SQLite transactions
        are serialised already (BEGIN IMMEDIATE).
        """
        if self._session.get_bind().dialect.name == "postgresql":
            self._session.execute(select(func.pg_advisory_xact_lock(func.hashtext(sid))))

    def lock_messages(self, sids: list[str]) -> None:
        """``lock_message`` for many ids at once, in a fixed order (no deadlocks)."""
        if sids and self._session.get_bind().dialect.name == "postgresql":
            self._session.execute(text(
                "SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtext(s) AS h "
                "FROM unnest(CAST(:sids AS text[])) AS s ORDER BY 1) AS locks"), {"sids": sids})

    def take_early_statuses(self, sids: list[str]) -> list[EarlyStatus]:
        found: list[EarlyStatus] = []
        for listed in among(self._session, EarlyStatus.sid, sids):
            found += self._session.scalars(select(EarlyStatus).where(listed))
        for early in found:
            self._session.delete(early)
        return found

    def keep_early_status(self, sid: str, status: str, error_code: str | None,
                          at: datetime) -> None:
        current = self._session.get(EarlyStatus, sid)
        if current is None:
            self._session.add(EarlyStatus(sid=sid, status=status, error_code=error_code, at=at))
        elif current.status not in ("delivered", "undelivered", "failed"):
            current.status, current.error_code, current.at = status, error_code, at

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

    def latest_conversation(self, phone: str, incident_id: int | None) -> Conversation | None:
        """The newest conversation with ``phone`` about ``incident_id`` (None: no incident)."""
        about = (Conversation.incident_id.is_(None) if incident_id is None
                 else Conversation.incident_id == incident_id)
        return self._session.scalar(select(Conversation)
                                    .where(Conversation.phone == phone, about)
                                    .order_by(Conversation.id.desc()).limit(1))

    def conversation(self, conversation_id: int) -> Conversation | None:
        return self._session.get(Conversation, conversation_id)

    def add_conversation(self, conversation: Conversation) -> None:
        self._session.add(conversation)
        self._session.flush()

    def inbound(self, message_id: int) -> InboundMessage | None:
        return self._session.get(InboundMessage, message_id)
