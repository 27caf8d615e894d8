"""Senders for the Slack outbox kinds: create an incident's channel, invite, post, pin."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.access.roles import Roles
from bot.clock import Clock
from bot.config import Settings
from bot.db.models import Incident, OutboxMessage
from bot.db.unit_of_work import Database, UnitOfWork
from bot.incidents import blocks as incident_blocks
from bot.incidents.channel_names import incident_channel_name
from bot.outbox.kinds import Kind
from bot.outbox.worker import Deferred, Delivered, Sender, Wakeup, enqueue
from bot.ports import DeliveryError, NameTaken, SlackPort
from bot.records import audit
from bot.sms import blocks as sms_blocks
from bot.sms.service import notices

MAX_NAME_ATTEMPTS = 20

log = logging.getLogger(__name__)


class SlackDelivery:
    def __init__(self, *, db: Database, slack: SlackPort, roles: Roles, settings: Settings,
                 clock: Clock, wakeup: Wakeup):
        self._db = db
        self._slack = slack
        self._roles = roles
        self._settings = settings
        self._clock = clock
        self._wakeup = wakeup

    def senders(self) -> dict[str, Sender]:
        return {Kind.PROVISION_CHANNEL: self.provision_channel, Kind.INVITE: self.invite,
                Kind.POST: self.post, Kind.PIN: self.pin,
                Kind.DELIVERY_SUMMARY: self.delivery_summary, Kind.UPLOAD: self.upload}

    def upload(self, message: OutboxMessage) -> Delivered:
        payload = message.payload
        channel = payload.get("channel") or self._incident_channel(message.incident_id)
        self._slack.upload_file(channel, filename=payload["filename"], content=payload["content"],
                                title=payload["title"], comment=payload.get("comment", ""))
        return Delivered()

    def delivery_summary(self, message: OutboxMessage) -> Delivered:
        """Posts, then keeps editing, one summary message per notice in the incident channel."""
        notice_id = message.payload["notice_id"]
        with self._db.unit_of_work(read_only=True) as uow:
            notice = uow.sms.notice(notice_id)
            if notice is None:
                raise DeliveryError("notice_not_found", str(notice_id), permanent=True)
            counts, errors = notices.delivery_counts(uow, notice_id)
            text = sms_blocks.delivery_summary(notice_id, notice.recipients, counts, errors)
            ts = notice.summary_ts
        channel = self._incident_channel(message.incident_id)
        if ts:
            self._slack.update(channel, ts, text)
            return Delivered(ts)
        posted = self._slack.post(channel, text)
        with self._db.unit_of_work() as uow:
            notice = uow.sms.notice(notice_id)
            notice.summary_channel, notice.summary_ts = posted.channel, posted.ts
            uow.commit()
        return Delivered(posted.ts)

    def provision_channel(self, message: OutboxMessage) -> Delivered:
        incident_id = message.payload["incident_id"]
        with self._db.unit_of_work() as uow:
            incident = _incident(uow, incident_id)
            if incident.channel_id:
                return Delivered(incident.channel_id)
            key, title = incident.key, incident.title
        channel_id, name = self._create_channel(key, title)
        now = self._clock.now()
        with self._db.unit_of_work() as uow:
            incident = _incident(uow, incident_id)
            incident.channel_id, incident.channel_name = channel_id, name
            audit.record(uow, at=now, actor="coordbot", action="incident.channel_created",
                         incident_id=incident_id, channel_id=channel_id, channel_name=name)
            self._queue_channel_setup(uow, incident, now)
            uow.commit()
        self._wakeup.notify()
        return Delivered(channel_id)

    def _create_channel(self, key: str, title: str) -> tuple[str, str]:
        prefix = self._settings.slack.channel_prefix
        for attempt in range(MAX_NAME_ATTEMPTS):
            name = incident_channel_name(prefix, key, title, attempt)
            try:
                return self._slack.create_channel(name), name
            except NameTaken:
                log.info("channel name %s is taken; trying the next suffix", name)
        raise DeliveryError("name_taken", f"no free channel name for {key}", permanent=True)

    def _queue_channel_setup(self, uow: UnitOfWork, incident: Incident, now: datetime) -> None:
        users = [incident.declared_by, *self._roles.user_ids("coordinator")]
        users = [u for u in dict.fromkeys(users) if u.startswith(("U", "W"))]
        enqueue(uow, key=f"invite:{incident.id}", kind=Kind.INVITE, purpose="incident_channel",
                incident_id=incident.id, recipient=incident.channel_id, now=now,
                payload={"channel": incident.channel_id, "users": users})
        text, blocks = incident_blocks.summary(incident, self._settings.timezone)
        enqueue(uow, key=f"summary:{incident.id}", kind=Kind.POST, purpose="incident_summary",
                incident_id=incident.id, recipient=incident.channel_id, now=now,
                payload={"channel": incident.channel_id, "text": text, "blocks": blocks,
                         "pin": True, "remember_as": "summary"})
        announcements = self._settings.slack.announcements_channel
        if announcements:
            enqueue(uow, key=f"announce:{incident.id}", kind=Kind.POST, purpose="announcement",
                    incident_id=incident.id, recipient=announcements, now=now,
                    payload={"channel": announcements,
                             "text": incident_blocks.announcement(incident)})

    def invite(self, message: OutboxMessage) -> Delivered:
        users = message.payload["users"]
        if users:
            self._slack.invite(message.payload["channel"], users)
        return Delivered()

    def post(self, message: OutboxMessage) -> Delivered:
        payload = message.payload
        channel = payload.get("channel") or self._incident_channel(message.incident_id)
        posted = self._slack.post(channel, payload["text"], payload.get("blocks"),
                                  thread_ts=payload.get("thread_ts"))
        if payload.get("pin") or payload.get("remember_as"):
            self._after_post(message, posted.channel, posted.ts)
        return Delivered(posted.ts)

    def pin(self, message: OutboxMessage) -> Delivered:
        self._slack.pin(message.payload["channel"], message.payload["ts"])
        return Delivered()

    def _after_post(self, message: OutboxMessage, channel: str, ts: str) -> None:
        # Pinning is its own outbox row so that a failed pin never re-sends the post.
        with self._db.unit_of_work() as uow:
            if message.payload.get("remember_as") == "summary" and message.incident_id:
                _incident(uow, message.incident_id).summary_ts = ts
            if message.payload.get("pin"):
                enqueue(uow, key=f"pin:{message.idempotency_key}", kind=Kind.PIN,
                        purpose=message.purpose, incident_id=message.incident_id,
                        recipient=channel, now=self._clock.now(),
                        payload={"channel": channel, "ts": ts})
            uow.commit()
        self._wakeup.notify()

    def _incident_channel(self, incident_id: int | None) -> str:
        with self._db.unit_of_work() as uow:
            incident = _incident(uow, incident_id)
            if incident.channel_id is None:
                raise Deferred(f"{incident.key} has no channel yet")
            return incident.channel_id


def _incident(uow: UnitOfWork, incident_id: int | None) -> Incident:
    incident = uow.incidents.get(incident_id) if incident_id is not None else None
    if incident is None:
        raise DeliveryError("incident_not_found", f"incident {incident_id}", permanent=True)
    return incident
