"""The stakeholder directory, audience changes, and the names Slack shows for users."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models.base import Base


class Contact(Base):
    """A stakeholder. Phone numbers are personal data: stored E.164, shown masked in Slack.

    ``name_folded`` and ``organisation_folded`` are the names without accents or case
    (``bot.directory.rules.names``), written with the names and searched instead of them, so
    that SQLite (whose ``lower()`` knows only ASCII) finds "Ángel" as PostgreSQL does.
    ``language`` is the catalog the person's SMS and voice prompts are in; ``home_language``
    the language they speak (any ISO 639), which differs for a language without a catalog.
    """

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_folded: Mapped[str] = mapped_column(String(600), index=True)
    organisation: Mapped[str] = mapped_column(String(200), default="")
    organisation_folded: Mapped[str] = mapped_column(String(600), default="", index=True)
    organisation_type: Mapped[str] = mapped_column(String(60), default="")
    role: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    phone_extension: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    slack_user_id: Mapped[str | None] = mapped_column(String(32), index=True)
    language: Mapped[str] = mapped_column(String(16))
    home_language: Mapped[str] = mapped_column(String(16))
    timezone: Mapped[str] = mapped_column(String(64))
    regions: Mapped[list[str]] = mapped_column(JSON)
    incident_types: Mapped[list[str]] = mapped_column(JSON)
    tags: Mapped[list[str]] = mapped_column(JSON)
    sms_consent: Mapped[str] = mapped_column(String(16), default="unknown")
    consent_source: Mapped[str | None] = mapped_column(String(120))
    consent_at: Mapped[datetime | None]
    phone_status: Mapped[str] = mapped_column(String(16), default="ok")
    # How the person asked to be reached: "sms", "voice" (a phone call reads them the message) or
    # "slack"; "" when the directory does not say (then the number and Slack id decide).
    channel: Mapped[str] = mapped_column(String(8), default="", server_default="")
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
    # (tag, contact_id): the audience's always-include lookup reads the index alone.
    __table_args__ = (Index("ix_contact_tags_tag_contact", "tag", "contact_id"),)

    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"),
                                            primary_key=True)
    tag: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class ContactReach(Base):
    """The audience's index: one row per way an active contact can be matched, with what the
    audience needs of the contact, so that the query reads these rows and nothing else.

    ``key`` is ``"REGION/TYPE"`` for each pair of a region served and an incident type followed
    (``all`` among them), ``"#TAG"`` for each tag, and ``"*"`` once per contact (the row a
    coordinator's addition reads). ``sort_key`` is the directory's order
    (``bot.directory.rules.names.order_key``), compared byte by byte; it is in the primary key
    so that each key's rows are read in that order and merged, not sorted. ``profile`` is a
    JSON array of the language, the language spoken, the organisation type and the channel the
    rules give: a few hundred distinct values in a large directory, read as one string per
    member rather than four; ``regions`` the contact's regions as JSON text. ``bot.db.reach``
    keeps every row in step with ``contacts``; inactive contacts have none. With 100,000 contacts (15,000
    members) the query read from here took 14 ms of CPU on SQLite where joining the members
    to ``contacts`` took 49 to 63 ms.
    """

    __tablename__ = "contact_reach"
    __table_args__ = (Index("ix_contact_reach_contact_id", "contact_id"),
                      {"sqlite_with_rowid": False})  # rows stored in key order: one range each

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    sort_key: Mapped[str] = mapped_column(
        String(500).with_variant(String(500, collation="C"), "postgresql"), primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"),
                                            primary_key=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    profile: Mapped[str] = mapped_column(Text)
    regions: Mapped[str] = mapped_column(Text)


class AudienceChange(Base):
    """A coordinator's explicit addition to or removal from an incident's audience."""

    __tablename__ = "audience_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    action: Mapped[str] = mapped_column(String(8))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


class SlackUserName(Base):
    """The name Slack shows for a user who acted on an incident, for documents read outside Slack."""

    __tablename__ = "slack_user_names"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    seen_at: Mapped[datetime]
