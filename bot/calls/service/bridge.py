"""The phone bridge: which call a PIN opens, and who is on the line."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.calls.rules.bridge import is_open
from bot.calls.rules.when import MAX_CALL
from bot.calls.service import attendance
from bot.config import Settings
from bot.db.models import Call
from bot.db.unit_of_work import Database, UnitOfWork

# The earliest start of a call that may still be under way: the longest call, run over by the
# four hours the end job keeps looking for (``bot.calls.jobs``).
LONGEST_CALL = MAX_CALL + timedelta(hours=4)


def language_of(uow: UnitOfWork, phone: str | None) -> str:
    contact = uow.contacts.by_phone(phone) if phone else None
    return contact.language if contact else "en"


def admit(uow: UnitOfWork, *, pin: str, call_sid: str, phone: str | None, now: datetime,
          settings: Settings) -> Call | None:
    """The call this PIN opens now: from ``bridge_opens_before_min`` before its start to its
    scheduled end, whoever has hung up meanwhile, and longer while it runs over."""
    opens_before = timedelta(minutes=settings.calls.bridge_opens_before_min)
    candidates = uow.calls.with_pin(pin.strip(), earliest=now - LONGEST_CALL,
                                    latest=now + opens_before)
    call = next((c for c in candidates
                 if is_open(status=c.status, starts_at=c.starts_at, duration_min=c.duration_min,
                            now=now, opens_before=opens_before)), None)
    if call is None:
        return None
    if not call.transcribe:  # a transcribed call's caller is on the line once they answered
        # Conference events carry no phone number: remember who this line is.
        attendance.joined(uow, conference=call.conference_name, call_sid=call_sid, phone=phone,
                          at=now)
    return call


def caller_language(db: Database, phone: str | None) -> str:
    """The language to greet a caller in: their contact's, else English."""
    with db.unit_of_work(read_only=True) as uow:
        return language_of(uow, phone)


def answer_pin(db: Database, *, digits: str | None, call_sid: str, phone: str | None,
               now: datetime, settings: Settings) -> tuple[str, Call | None]:
    """(the caller's language, the call the PIN they typed opens, or None), in one transaction."""
    with db.unit_of_work() as uow:
        language = language_of(uow, phone)
        call = None
        if digits:
            call = admit(uow, pin=digits, call_sid=call_sid, phone=phone, now=now,
                         settings=settings)
        uow.commit()
        return language, call
