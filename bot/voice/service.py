"""Message calls: what a call reads, what its keys do, how it ended, and the call that stands in
for a text to a landline.

A message call is an outbox row of kind ``voice.message`` whose payload is the text's
(``{"body": …}``), keyed like the text (``notice:2:51``), so a notice's delivery summary counts
its calls with its texts. The call itself is placed by ``bot.voice.delivery``; Twilio then
fetches what to say (``script``), posts the key pressed (``pressed``) and, when the call is over,
its outcome (``record_outcome``). An unanswered or busy call is tried again on the same row,
``voice.retry_after_min`` later, until ``voice.max_tries`` calls have gone; the CallSids already
tried are kept in the payload (``calls``) so that a lost answer is never taken for an old call.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.calls.service.calls import record_rsvp
from bot.config import VoiceSettings
from bot.db.models import OutboxMessage
from bot.db.unit_of_work import Database, UnitOfWork
from bot.outbox.kinds import Kind
from bot.outbox.queue import enqueue
from bot.records import audit
from bot.sms.service import notices
from bot.voice.rules import (
    FALLBACK_PURPOSES,
    FALLBACK_SUFFIX,
    REPEAT_KEY,
    RETRIED,
    RSVP_KEYS,
    STOP_CALLS_KEY,
    Outcome,
    asks_for_rsvp,
    outcome,
    spoken,
)

log = logging.getLogger(__name__)
# A call placed and not over yet: the only state an outcome is recorded on (a late or repeated
# callback for a call already tried again finds the row pending and changes nothing).
PLACED = "sent"


@dataclass(frozen=True)
class Script:
    """What a message call says: the text (as spoken), in which language, and whether its menu
    asks for an RSVP."""
    text: str
    language: str
    rsvp: bool


def script(uow: UnitOfWork, message_id: int) -> Script | None:
    """The message call ``message_id`` reads; None when there is no such call."""
    row = _message(uow, message_id)
    if row is None:
        return None
    return Script(spoken(row.payload.get("body", "")), row.language or "en",
                  asks_for_rsvp(row.idempotency_key))


def pressed(uow: UnitOfWork, *, message_id: int, digits: str, now: datetime) -> str:
    """Does what the key means and returns it: ``yes``/``no``/``maybe`` (an RSVP recorded, for a
    call that asks for one), ``repeat``, ``stopped`` (no more message calls to this number), or
    ``other`` (any other key, or an RSVP key on a call that asks none, or none left to answer)."""
    row = _message(uow, message_id)
    key = (digits or "")[:1]
    if row is None or not row.recipient:
        return "other"
    if key == REPEAT_KEY:
        return "repeat"
    if key == STOP_CALLS_KEY:
        uow.voice.opt_out(row.recipient, source=f"voice:{row.idempotency_key}", at=now)
        audit.record(uow, at=now, actor=f"voice:{row.recipient[-4:]}", action="voice.opted_out",
                     incident_id=row.incident_id, message_id=row.id)
        return "stopped"
    answer = RSVP_KEYS.get(key)
    if answer is None or not asks_for_rsvp(row.idempotency_key):
        return "other"
    contact = uow.contacts.by_phone(row.recipient)
    if contact is None or record_rsvp(uow, contact=contact, answer=answer, now=now,
                                      via=f"voice:{contact.id}") is None:
        return "other"
    return answer


def record_outcome(uow: UnitOfWork, *, sid: str, call_status: str, answered_by: str | None,
                   now: datetime, settings: VoiceSettings) -> OutboxMessage | None:
    """Applies a call's ``completed`` status callback to its message (see ``apply_outcome``);
    the message when it was one of ours and still awaiting its outcome.

    Twilio can call back before the worker has recorded the call (a call answered and hung up
    at once): the outcome is kept and applied once the worker records it (``early_outcomes``).
    """
    uow.sms.lock_message(sid)  # serialises work on one provider id with the worker (PostgreSQL)
    ended = outcome(call_status, answered_by)
    if ended is None:
        return None
    row = uow.outbox.by_provider_id(sid)
    if row is None:
        if sid.startswith("CA"):
            uow.sms.keep_early_status(sid, ended.value, None, now)
        return None
    return row if apply_outcome(uow, row, ended, sid=sid, now=now, settings=settings) else None


def early_outcomes(uow: UnitOfWork, rows: list[OutboxMessage], *, now: datetime,
                   settings: VoiceSettings) -> None:
    """The outcomes that arrived before these just-placed calls were recorded, applied now
    (the caller holds ``lock_messages`` on their CallSids)."""
    placed = {row.provider_id: row for row in rows if row.provider_id and row.status == PLACED}
    for early in uow.sms.take_early_statuses(list(placed)):
        apply_outcome(uow, placed[early.sid], Outcome(early.status), sid=early.sid, now=now,
                      settings=settings)


def apply_outcome(uow: UnitOfWork, row: OutboxMessage, ended: Outcome, *, sid: str,
                  now: datetime, settings: VoiceSettings) -> bool:
    """Answered, voicemail or failed for good; for no answer and busy, another try later while
    tries are left. Only a call awaiting its outcome changes (False otherwise)."""
    if row.kind != Kind.VOICE_MESSAGE or row.status != PLACED:
        return False
    tries = int(row.payload.get("tries", 1))
    if ended in RETRIED and tries < settings.max_tries:
        row.payload = {**row.payload, "tries": tries + 1,
                       "calls": [*row.payload.get("calls", []), sid]}
        row.status, row.attempts, row.claimed_until = "pending", 0, None
        row.next_attempt_at = now + timedelta(minutes=settings.retry_after_min)
        row.error_code, row.error_message = ended.value, f"call {tries}: {ended.value}, calling again"
    else:
        row.status = ended.value
        if ended in (Outcome.ANSWERED, Outcome.VOICEMAIL):
            row.delivered_at, row.error_code = now, None
        else:
            row.error_code = ended.value
            row.error_message = f"{ended.value} after {tries} call{'s' if tries > 1 else ''}"
    audit.record(uow, at=now, actor="twilio", action="voice.call_ended",
                 incident_id=row.incident_id, message_id=row.id, outcome=ended.value, tries=tries)
    refresh_summary(uow, row, now)
    return True


def refresh_summary(uow: UnitOfWork, row: OutboxMessage, now: datetime) -> None:
    """A notice's delivery summary shows its calls too: refreshed when one changes."""
    if row.purpose == "incident_notice" and row.incident_id is not None:
        notices.queue_summary(uow, notice_id=int(row.idempotency_key.split(":")[1]),
                              incident_id=row.incident_id, now=now)


def call_instead(uow: UnitOfWork, row: OutboxMessage, now: datetime) -> bool:
    """A notice or an invitation that Twilio refused as a landline (21614, 30006) is read by a
    phone call instead, once (its key is the text's plus ``:voice``); True when queued now."""
    if row.kind != Kind.SMS or not row.recipient or row.purpose not in FALLBACK_PURPOSES:
        return False
    queued = enqueue(uow, key=row.idempotency_key + FALLBACK_SUFFIX, kind=Kind.VOICE_MESSAGE,
                     purpose=row.purpose, incident_id=row.incident_id, recipient=row.recipient,
                     language=row.language, payload={"body": row.payload.get("body", "")}, now=now)
    if queued:
        log.info("outbox %s: a landline, calling instead", row.idempotency_key)
    return queued


def _message(uow: UnitOfWork, message_id: int) -> OutboxMessage | None:
    row = uow.outbox.get(message_id)
    return row if row is not None and row.kind == Kind.VOICE_MESSAGE else None


# ----- one transaction each, for the webhooks ---------------------------------------------------
def read_script(db: Database, message_id: int | None) -> Script | None:
    if message_id is None:
        return None
    with db.unit_of_work(read_only=True) as uow:
        return script(uow, message_id)


def key_pressed(db: Database, *, message_id: int | None, digits: str,
                now: datetime) -> tuple[str, Script | None]:
    """(what the key meant, the call's script) — see ``pressed``."""
    if message_id is None:
        return "other", None
    with db.unit_of_work() as uow:
        found = script(uow, message_id)
        meaning = pressed(uow, message_id=message_id, digits=digits, now=now) if found else "other"
        uow.commit()
        return meaning, found


def call_ended(db: Database, *, sid: str, call_status: str, answered_by: str | None,
               now: datetime, settings: VoiceSettings) -> None:
    with db.unit_of_work() as uow:
        record_outcome(uow, sid=sid, call_status=call_status, answered_by=answered_by, now=now,
                       settings=settings)
        uow.commit()
