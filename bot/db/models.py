"""SQLAlchemy 2 typed tables. Instants are timezone-aware UTC (see ``UtcDateTime``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UtcDateTime(TypeDecorator):
    """Stores aware datetimes as UTC; SQLite drops the zone, so it is put back on load."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; pass an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime, dict[str, Any]: JSON}


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    year: Mapped[int]
    number: Mapped[int]
    type: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    regions: Mapped[list[str]] = mapped_column(JSON)
    severity: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), index=True)
    declared_by: Mapped[str] = mapped_column(String(64))
    declared_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    channel_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    channel_name: Mapped[str | None] = mapped_column(String(80))
    summary_ts: Mapped[str | None] = mapped_column(String(32))

    timeline: Mapped[list[TimelineEntry]] = relationship(
        back_populates="incident", order_by="TimelineEntry.id", cascade="all, delete-orphan"
    )

    __table_args__ = (Index("uq_incident_year_number", "year", "number", unique=True),)


class TimelineEntry(Base):
    __tablename__ = "timeline_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    author: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]

    incident: Mapped[Incident] = relationship(back_populates="timeline")


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class OutboxMessage(Base):
    """One outbound message or call to a provider, written with the change that caused it."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(String(40))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    recipient: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    provider_id: Mapped[str | None] = mapped_column(String(64))
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    segments: Mapped[int | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),
                      Index("ix_outbox_provider_id", "provider_id"))


class Contact(Base):
    """A stakeholder. Phone numbers are personal data: stored E.164, shown masked in Slack."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    organisation_type: Mapped[str] = mapped_column(String(60), default="")
    role: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    slack_user_id: Mapped[str | None] = mapped_column(String(32), index=True)
    language: Mapped[str] = mapped_column(String(16))
    timezone: Mapped[str] = mapped_column(String(64))
    regions: Mapped[list[str]] = mapped_column(JSON)
    incident_types: Mapped[list[str]] = mapped_column(JSON)
    tags: Mapped[list[str]] = mapped_column(JSON)
    sms_consent: Mapped[str] = mapped_column(String(16), default="unknown")
    consent_source: Mapped[str | None] = mapped_column(String(120))
    consent_at: Mapped[datetime | None]
    phone_status: Mapped[str] = mapped_column(String(16), default="ok")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ContactRegion(Base):
    """One row per (contact, region served): lets the audience query use an index."""

    __tablename__ = "contact_regions"

    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"),
                                            primary_key=True)
    region: Mapped[str] = mapped_column(String(16), primary_key=True, index=True)


class ContactIncidentType(Base):
    __tablename__ = "contact_incident_types"

    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"),
                                            primary_key=True)
    incident_type: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)


class ContactTag(Base):
    __tablename__ = "contact_tags"

    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"),
                                            primary_key=True)
    tag: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class AudienceChange(Base):
    """A coordinator's explicit addition to or removal from an incident's audience."""

    __tablename__ = "audience_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    action: Mapped[str] = mapped_column(String(8))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


class SmsOptOut(Base):
    """Numbers that asked us to stop texting them: checked before every SMS, contact or not."""

    __tablename__ = "sms_opt_outs"

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    source: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime]


class InboundMessage(Base):
    """Every SMS we received, stored before it is acted on."""

    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    sid: Mapped[str] = mapped_column(String(64), unique=True)
    from_phone: Mapped[str] = mapped_column(String(20), index=True)
    to_phone: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    received_at: Mapped[datetime]


class Notice(Base):
    """An SMS notice a coordinator sends to an incident's audience."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(24))
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
    summary_channel: Mapped[str | None] = mapped_column(String(32))
    summary_ts: Mapped[str | None] = mapped_column(String(32))


class EarlyStatus(Base):
    """A status callback that arrived before its send was recorded; applied once it is."""

    __tablename__ = "sms_early_statuses"

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(16))
    at: Mapped[datetime]


class Call(Base):
    """A coordination conference call; one row per occurrence of a recurring series."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    number: Mapped[int]
    series_id: Mapped[int | None] = mapped_column(index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    duration_min: Mapped[int]
    agenda: Mapped[str] = mapped_column(Text, default="")
    bridge: Mapped[str] = mapped_column(String(500))
    pin: Mapped[str] = mapped_column(String(6), index=True)
    conference_name: Mapped[str] = mapped_column(String(64), unique=True)
    zone: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]

    __table_args__ = (Index("uq_call_incident_number", "incident_id", "number", unique=True),)


class Invitation(Base):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(16))
    rsvp: Mapped[str] = mapped_column(String(8), default="pending")
    rsvp_at: Mapped[datetime | None]

    __table_args__ = (Index("uq_invitation_call_contact", "call_id", "contact_id", unique=True),)


class Attendance(Base):
    """One stretch of one phone line in a call's conference."""

    __tablename__ = "attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), index=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    joined_at: Mapped[datetime]
    left_at: Mapped[datetime | None]


class DueJob(Base):
    """Time-driven work (reminders, call start and end), persisted so restarts lose nothing."""

    __tablename__ = "due_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    fired_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_due_jobs_due", "status", "due_at"),)


class ActionItem(Base):
    """A task decided for an incident: numbered A-1, A-2 … per incident."""

    __tablename__ = "action_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    owner_kind: Mapped[str] = mapped_column(String(16))  # slack | contact | organisation
    owner_ref: Mapped[str] = mapped_column(String(200))
    owner_label: Mapped[str] = mapped_column(String(200))
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    due_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)
    source: Mapped[str] = mapped_column(String(16))
    source_ts: Mapped[str | None] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    done_by: Mapped[str | None] = mapped_column(String(64))
    post_channel: Mapped[str | None] = mapped_column(String(32))
    post_ts: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (Index("uq_action_incident_number", "incident_id", "number", unique=True),)


class ChannelMessage(Base):
    """A message in an incident channel marked DECISION / ISSUE / ACTION (prefix or reaction)."""

    __tablename__ = "channel_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))
    user: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    posted_at: Mapped[datetime] = mapped_column(index=True)
    mark: Mapped[str] = mapped_column(String(16))  # decision | issue | action
    marked_by: Mapped[str] = mapped_column(String(16))  # prefix | reaction

    __table_args__ = (Index("uq_channel_message", "channel", "ts", unique=True),)


class CallTranscript(Base):
    """Transcript text attached to a call; its marked lines feed the notes."""

    __tablename__ = "call_transcripts"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(200))
    attached_by: Mapped[str] = mapped_column(String(64))
    attached_at: Mapped[datetime]


class CallNotes(Base):
    """The notes of one call: drafted by the bot, reviewed, approved by an official, published."""

    __tablename__ = "call_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), unique=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    status: Mapped[str] = mapped_column(String(24))  # draft | changes_requested | approved
    version: Mapped[int] = mapped_column(Integer, default=1)
    review_channel: Mapped[str | None] = mapped_column(String(32))
    review_ts: Mapped[str | None] = mapped_column(String(32))
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None]
    approved_version: Mapped[int | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class NotesVersion(Base):
    """Every version of a call's notes, kept with its author and time."""

    __tablename__ = "notes_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    notes_id: Mapped[int] = mapped_column(ForeignKey("call_notes.id"), index=True)
    version: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]

    __table_args__ = (Index("uq_notes_version", "notes_id", "version", unique=True),)


class SlackUserName(Base):
    """The name Slack shows for a user who acted on an incident, for documents read outside Slack."""

    __tablename__ = "slack_user_names"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    seen_at: Mapped[datetime]
