"""Action items and the channel messages marked as decisions, issues or actions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from bot.db.models import ActionItem, ChannelMessage
from bot.db.stores.numbered import NumberedRows


class ActionRepository(NumberedRows[ActionItem]):
    model = ActionItem

    def by_source(self, incident_id: int, source_ts: str) -> ActionItem | None:
        return self._session.scalar(select(ActionItem).where(ActionItem.incident_id == incident_id,
                                                             ActionItem.source_ts == source_ts))

    def for_incident(self, incident_id: int, *, status: str | None = None) -> Sequence[ActionItem]:
        query = select(ActionItem).where(ActionItem.incident_id == incident_id)
        if status is not None:
            query = query.where(ActionItem.status == status)
        return self._session.scalars(query.order_by(ActionItem.number)).all()

    def open_for_contact(self, contact_id: int, number: int) -> Sequence[ActionItem]:
        """Open items numbered ``number`` owned by the contact (one per incident at most)."""
        return self.numbered_for_owner("contact", str(contact_id), number)

    def numbered_for_owner(self, kind: str, ref: str, number: int) -> Sequence[ActionItem]:
        """Items numbered ``number`` (one per incident at most) owned by a contact (``kind``
        "contact", ``ref`` its id) or a Slack user ("slack", the user id), newest first."""
        return self._session.scalars(
            select(ActionItem).where(ActionItem.owner_kind == kind, ActionItem.owner_ref == ref,
                                     ActionItem.number == number)
            .order_by(ActionItem.created_at.desc())).all()

    def overdue(self, incident_id: int, *, now: datetime) -> Sequence[ActionItem]:
        return self._session.scalars(
            select(ActionItem).where(ActionItem.incident_id == incident_id,
                                     ActionItem.status == "open", ActionItem.due_at < now)
            .order_by(ActionItem.due_at, ActionItem.number)).all()

    def incidents_with_overdue(self, *, now: datetime) -> list[int]:
        return list(self._session.scalars(
            select(ActionItem.incident_id).where(ActionItem.status == "open",
                                                 ActionItem.due_at < now).distinct()))

    # marked channel messages
    def message(self, channel: str, ts: str) -> ChannelMessage | None:
        return self._session.scalar(select(ChannelMessage).where(ChannelMessage.channel == channel,
                                                                 ChannelMessage.ts == ts))

    def add_message(self, message: ChannelMessage) -> None:
        self._session.add(message)
        self._session.flush()

    def marked_between(self, incident_id: int, start: datetime,
                       end: datetime) -> Sequence[ChannelMessage]:
        return self._session.scalars(
            select(ChannelMessage).where(ChannelMessage.incident_id == incident_id,
                                         ChannelMessage.posted_at >= start,
                                         ChannelMessage.posted_at <= end)
            .order_by(ChannelMessage.posted_at, ChannelMessage.id)).all()
