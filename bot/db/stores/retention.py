"""Retention's queries: which rows of an incident (or of none) still hold what must go, and
rewriting them a batch at a time.

Each target picks the rows that still need it (a body not yet removed, a number not yet cut to
its last digits), so a second pass finds nothing, a pass killed halfway resumes where it stopped,
and counting them (a dry run) counts exactly what a real pass changes. Rows still on their way
(an outbox row pending, sending or of unknown outcome) are never touched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from bot.db.models import (
    Attendance,
    Call,
    CallNotes,
    CallTranscript,
    ChannelMessage,
    Conversation,
    DueJob,
    InboundMessage,
    Incident,
    NotesVersion,
    Notice,
    OutboxMessage,
    TranscriptionChoice,
    TranscriptSegment,
)

LIVE = ("pending", "sending", "unknown")
REDUCED = "•"  # what every reduced (or erased) number contains, and no full number does
PURGED = "purged"  # outbox payloads become {"retention": "purged"}


Reduce = Callable[[str], str]  # a full number to what is kept of it (its last digits)


def _not_reduced(column: Any) -> Any:
    return and_(column.is_not(None), ~column.contains(REDUCED))


def _of_calls(model: Any, incident_id: int | None) -> Any:
    calls = select(Call.id).where(Call.incident_id == incident_id)
    return model.call_id.in_(calls)


class RetentionRepository:
    TARGETS = ("outbox", "inbound", "conversations", "transcripts", "transcript_lines",
               "channel_messages", "notices", "attendance", "notes_drafts")
    # Targets whose rows go whole, a call at a time (``uow.transcripts.purge_call``), rather
    # than being rewritten here.
    BY_CALL = ("transcript_lines",)
    UNATTACHED = ("outbox", "inbound", "conversations")  # targets with rows tied to no incident

    def __init__(self, session: Session):
        self._session = session

    def turn(self, key: str, *, now: datetime) -> DueJob:
        """The day's run, keyed by the date: made ``working`` by the first tick that asks
        (``claim_due_jobs`` leaves it alone: it is not ``pending``), ``done`` once finished."""
        job = self._session.scalar(select(DueJob).where(DueJob.key == key).with_for_update())
        if job is None:
            job = DueJob(key=key, kind="records.retention", payload={}, due_at=now,
                         status="working")
            self._session.add(job)
            self._session.flush()
        return job

    def closed_before(self, cutoff: datetime) -> Sequence[Incident]:
        return self._session.scalars(
            select(Incident).where(Incident.status == "closed", Incident.closed_at <= cutoff)
            .order_by(Incident.closed_at, Incident.id)).all()

    def _query(self, target: str, incident_id: int | None, before: datetime | None) -> Any:
        """``(model, where)``: the rows of ``target`` that still need rewriting."""
        own = {"outbox": OutboxMessage, "inbound": InboundMessage, "conversations": Conversation,
               "channel_messages": ChannelMessage, "notices": Notice}
        model = own.get(target)
        if incident_id is None:
            at = {"outbox": OutboxMessage.created_at, "inbound": InboundMessage.received_at,
                  "conversations": Conversation.last_message_at}[target]
            scope = and_(model.incident_id.is_(None), at <= before)
        elif model is not None:
            scope = model.incident_id == incident_id
        if target == "outbox":
            return model, and_(scope, OutboxMessage.status.not_in(LIVE), or_(
                func.coalesce(OutboxMessage.payload["retention"].as_string(), "") != PURGED,
                and_(OutboxMessage.recipient.like("+%"), _not_reduced(OutboxMessage.recipient))))
        if target == "inbound":
            return model, and_(scope, or_(InboundMessage.body != "",
                                          _not_reduced(InboundMessage.from_phone)))
        if target == "conversations":
            return model, and_(scope, _not_reduced(Conversation.phone))
        if target in ("channel_messages", "notices"):
            return model, and_(scope, model.text != "")
        if target == "transcripts":
            return CallTranscript, and_(_of_calls(CallTranscript, incident_id),
                                        CallTranscript.text != "")
        if target == "transcript_lines":  # the bridge's live transcription, once notes are done
            return TranscriptSegment, TranscriptSegment.call_id.in_(
                self._transcribed_calls(incident_id))
        if target == "attendance":
            return Attendance, and_(_of_calls(Attendance, incident_id),
                                    _not_reduced(Attendance.phone))
        if target == "notes_drafts":  # every version but the approved one
            notes = select(CallNotes.id).where(CallNotes.incident_id == incident_id)
            approved = select(CallNotes.approved_version).where(
                CallNotes.id == NotesVersion.notes_id).scalar_subquery()
            return NotesVersion, and_(NotesVersion.notes_id.in_(notes), NotesVersion.text != "",
                                      or_(approved.is_(None), NotesVersion.version != approved))
        raise ValueError(f"unknown retention target {target}")

    def _transcribed_calls(self, incident_id: int | None) -> Any:
        """The incident's calls with live-transcription rows (lines or callers' answers) whose
        notes are approved or were never drafted: notes under review keep their lines until
        the reviewer is done."""
        reviewing = select(CallNotes.call_id).where(CallNotes.status != "approved")
        calls = select(Call.id).where(Call.incident_id == incident_id, Call.id.not_in(reviewing))
        return select(TranscriptSegment.call_id).where(TranscriptSegment.call_id.in_(calls)) \
            .union(select(TranscriptionChoice.call_id)
                   .where(TranscriptionChoice.call_id.in_(calls)))

    def transcribed_calls(self, *, incident_id: int | None, limit: int) -> list[int]:
        """Up to ``limit`` of those calls, oldest first."""
        ids = self._transcribed_calls(incident_id).subquery()
        return list(self._session.scalars(select(ids.c[0]).order_by(ids.c[0]).limit(limit)))

    def count(self, target: str, *, incident_id: int | None,
              before: datetime | None = None) -> int:
        model, where = self._query(target, incident_id, before)
        return self._session.scalar(select(func.count()).select_from(model).where(where)) or 0

    def purge(self, target: str, *, incident_id: int | None, limit: int, reduce: Reduce,
              before: datetime | None = None) -> int:
        """Rewrites up to ``limit`` rows of ``target``; returns how many."""
        model, where = self._query(target, incident_id, before)
        rows = self._session.scalars(select(model).where(where).order_by(model.id)
                                     .limit(limit).with_for_update()).all()
        for row in rows:
            _REWRITES[target](row, reduce)
        self._session.flush()
        return len(rows)


def _reduce(value: str | None, reduce: Reduce) -> str | None:
    return reduce(value) if value and REDUCED not in value else value


def _outbox(row: OutboxMessage, reduce: Reduce) -> None:
    row.payload = {"retention": PURGED}
    if row.recipient and row.recipient.startswith("+"):
        row.recipient = _reduce(row.recipient, reduce)
    row.error_message = None  # a provider's message may quote the number


def _inbound(row: InboundMessage, reduce: Reduce) -> None:
    row.body = ""
    row.from_phone = _reduce(row.from_phone, reduce)


def _phone(row: Any, reduce: Reduce) -> None:
    row.phone = _reduce(row.phone, reduce)


def _text(row: Any, reduce: Reduce) -> None:
    row.text = ""


_REWRITES: dict[str, Callable[[Any, Reduce], None]] = {
    "outbox": _outbox, "inbound": _inbound, "conversations": _phone, "attendance": _phone,
    "transcripts": _text, "channel_messages": _text, "notices": _text, "notes_drafts": _text}
