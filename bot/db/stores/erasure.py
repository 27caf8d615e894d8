"""Erasure's writes: one person's rows removed or scrubbed from every table.

Two passes. The rows that are the person's (their contact, RSVPs, audience changes, texts they
sent, conversations, lines in calls, what they said on transcribed calls, deliveries to them,
opt-outs) are deleted or rewritten by
what they are. Then every text and JSON column of every other table is searched for their name
and number (``scrub``: any mention in a timeline update, a draft, a card) and each mention is
replaced. Left as they are: the audit trail (hash-chained; rewriting it would break the chain
that makes it evidence) and approved notes (a published record); the README says why.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy import JSON, String, Text, delete, select, update
from sqlalchemy.orm import Session

from bot.db.models import (
    ActionItem,
    Attendance,
    AudienceChange,
    Base,
    CallNotes,
    Contact,
    ContactIncidentType,
    ContactReach,
    ContactRegion,
    ContactTag,
    Conversation,
    InboundMessage,
    Invitation,
    NotesVersion,
    OutboxMessage,
    SmsOptOut,
    TranscriptSegment,
    TranscriptSuggestion,
    VoiceOptOut,
)

ERASED = "[erased]"  # what a name, number or address in a text becomes
ERASED_PHONE = "•••"  # what a number becomes (retention's reduced numbers contain "•" too)
KEPT_TABLES = ("audit_events", "audit_chain_head", "erased_numbers", "erasure_key", "inbox")
LIVE = ("pending", "sending", "unknown")
BATCH = 500
Scrub = Callable[[str], str]


class ErasureRepository:
    def __init__(self, session: Session):
        self._session = session

    def _run(self, statement: Any) -> int:
        return self._session.execute(statement.execution_options(synchronize_session=False)
                                     ).rowcount or 0

    def remove_contact(self, contact_id: int) -> Counter:
        """The contact, their links, RSVPs and audience changes gone; rows that name them by id
        keep the row, without the id."""
        counts: Counter = Counter()
        counts += self._remove_lines(TranscriptSegment.contact_id == contact_id)
        for model in (Invitation, AudienceChange, ContactRegion, ContactIncidentType, ContactReach,
                      ContactTag):
            counts[model.__tablename__] += self._run(delete(model).where(
                model.contact_id == contact_id))
        for model in (Attendance, InboundMessage, Conversation):
            counts[model.__tablename__] += self._run(update(model).where(
                model.contact_id == contact_id).values(contact_id=None))
        # An item they owned stays, owned by nobody named (a contact id would point nowhere).
        counts["action_items"] += self._run(update(ActionItem).where(
            ActionItem.owner_kind == "contact", ActionItem.owner_ref == str(contact_id))
            .values(owner_kind="organisation", owner_ref=ERASED, owner_label=ERASED))
        counts["contacts"] += self._run(delete(Contact).where(Contact.id == contact_id))
        return counts

    def _remove_lines(self, theirs: Any) -> Counter:
        """What they said on transcribed calls: their lines (and suggestions found in them)."""
        lines = select(TranscriptSegment.id).where(theirs)
        counts: Counter = Counter()
        counts["transcript_suggestions"] += self._run(delete(TranscriptSuggestion).where(
            TranscriptSuggestion.segment_id.in_(lines)))
        counts["transcript_segments"] += self._run(delete(TranscriptSegment).where(theirs))
        return counts

    def remove_number(self, phone: str) -> Counter:
        """What the number sent, received and answered: bodies emptied, the number replaced;
        deliveries not yet made are stopped (``suppressed``, ``erased``)."""
        counts: Counter = Counter()
        for model in (SmsOptOut, VoiceOptOut):
            counts[model.__tablename__] += self._run(delete(model).where(model.phone == phone))
        counts += self._remove_lines(TranscriptSegment.call_sid.in_(
            select(Attendance.call_sid).where(Attendance.phone == phone)))
        counts["inbound_messages"] += self._run(
            update(InboundMessage).where(InboundMessage.from_phone == phone)
            .values(from_phone=ERASED_PHONE, body=""))
        for model in (Conversation, Attendance):
            counts[model.__tablename__] += self._run(
                update(model).where(model.phone == phone).values(phone=ERASED_PHONE))
        to_them = OutboxMessage.recipient == phone
        self._run(update(OutboxMessage).where(to_them, OutboxMessage.status.in_(LIVE))
                  .values(status="suppressed", error_code="erased"))
        counts["outbox"] += self._run(update(OutboxMessage).where(to_them).values(
            recipient=ERASED_PHONE, payload={"erased": True}, error_message=None))
        return counts

    def scrub(self, scrub: Scrub) -> Counter:
        """Every text and JSON value of every table (but the kept ones, primary keys, unique
        columns and approved notes) passed through ``scrub``; changed values written back.
        Returns the rows changed per table."""
        counts: Counter = Counter()
        approved = set(self._session.execute(
            select(CallNotes.id, CallNotes.approved_version)
            .where(CallNotes.approved_version.is_not(None))).all())
        for table in Base.metadata.sorted_tables:
            if table.name in KEPT_TABLES:
                continue
            columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)
                       and not c.primary_key and not c.unique]
            keys = list(table.primary_key.columns)
            if not columns or len(keys) != 1:
                continue
            counts[table.name] += self._scrub_table(table, keys[0], columns, scrub, approved)
        return +counts

    def _scrub_table(self, table: Any, key: Any, columns: list, scrub: Scrub,
                     approved: set) -> int:
        changed, last = 0, None
        extra = [NotesVersion.notes_id, NotesVersion.version] if table is NotesVersion.__table__ else []
        while True:
            query = select(key, *columns, *extra).order_by(key).limit(BATCH)
            rows = self._session.execute(query if last is None else query.where(key > last)).all()
            if not rows:
                return changed
            for row in rows:
                last = row[0]
                if extra and (row[-2], row[-1]) in approved:
                    continue
                values = {column.key: _scrubbed(value, scrub, isinstance(column.type, JSON))
                          for column, value in zip(columns, row[1:len(columns) + 1], strict=True)}
                values = {name: value for name, value in values.items() if value is not _SAME}
                if values:
                    self._session.execute(update(table).where(key == row[0]).values(**values))
                    changed += 1


_SAME = object()


def _scrubbed(value: Any, scrub: Scrub, is_json: bool) -> Any:
    cleaned = _walk(value, scrub) if is_json else (scrub(value) if isinstance(value, str)
                                                   else value)
    return _SAME if cleaned == value else cleaned


def _walk(value: Any, scrub: Scrub) -> Any:
    """Every string in a JSON value scrubbed (keys too), read as text, not as escaped JSON."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        return [_walk(item, scrub) for item in value]
    if isinstance(value, dict):
        return {_walk(key, scrub): _walk(item, scrub) for key, item in value.items()}
    return value
