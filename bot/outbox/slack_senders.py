"""Senders for the Slack outbox kinds: create an incident's channel, invite, post, pin.

Each post carries its row's key (``SlackPort.post(key=…)``), so that a post whose answer was lost
is found instead of posted again: ``reconcile`` looks for it, and a retried post looks before it
posts. A channel whose ``conversations.create`` answer was lost is found the same way: the name
is taken, by a channel our bot created that no incident has, so it is adopted rather than
creating ``…-2`` next to an orphan.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.access.roles import Roles
from bot.clock import Clock
from bot.config import Settings
from bot.db.models import Incident, OutboxMessage
from bot.db.unit_of_work import Database, UnitOfWork
from bot.incidents import blocks as incident_blocks
from bot.incidents.channel_names import incident_channel_name
from bot.outbox.contract import Deferred, Delivered, Sender
from bot.outbox.kinds import Kind
from bot.outbox.queue import enqueue
from bot.outbox.slack_failures import SlackSender, incident_channel
from bot.outbox.worker import Wakeup
from bot.ports import ChannelInfo, DeliveryError, NameTaken, PostedMessage, SlackPort
from bot.records import audit
from bot.sms import blocks as sms_blocks
from bot.sms.service import notices

MAX_NAME_ATTEMPTS = 20
# How much earlier than the row's creation a post may carry Slack's ts (clocks differ).
CLOCK_SLACK = timedelta(minutes=2)

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
        def sender(send, reconcile=None) -> SlackSender:
            return SlackSender(send, clock=self._clock, reconcile=reconcile)

        return {Kind.PROVISION_CHANNEL: sender(self.provision_channel, self.reconcile_channel),
                Kind.INVITE: sender(self.invite), Kind.POST: sender(self.post, self.reconcile_post),
                Kind.PIN: sender(self.pin),
                Kind.DELIVERY_SUMMARY: sender(self.delivery_summary, self.reconcile_summary),
                Kind.UPLOAD: sender(self.upload)}

    def upload(self, message: OutboxMessage) -> Delivered:
        payload = message.payload
        channel = payload.get("channel") or self._incident_channel(message.incident_id)
        self._slack.upload_file(channel, filename=payload["filename"], content=payload["content"],
                                title=payload["title"], comment=payload.get("comment", ""))
        return Delivered()

    def delivery_summary(self, message: OutboxMessage) -> Delivered:
        """Posts the sent notice (its texts, languages and counts) in the incident channel, then
        keeps editing that one message as the delivery summary changes.

        Only one row posts: the notice's earliest summary row that has not failed. A refresh
        queued while that row's outcome is unknown (its answer lost, or its worker dead
        mid-send) waits for it, since the post may exist without our knowing its ts yet;
        posting it would leave two summaries in the channel.
        """
        notice_id = message.payload["notice_id"]
        with self._db.unit_of_work(read_only=True) as uow:
            notice = uow.sms.notice(notice_id)
            if notice is None:
                raise DeliveryError("notice_not_found", str(notice_id), permanent=True)
            post = notices.channel_post(uow, notice_id, now=self._clock.now(),
                                        segments_per_s=self._settings.sms.send_budget())
            text = sms_blocks.notice_post(post, self._settings.timezone)
            ts = notice.summary_ts
            poster = None if ts else uow.outbox.first_id(
                key_prefix=notices.summary_prefix(notice_id), except_status="failed")
        channel = self._incident_channel(message.incident_id)
        if ts:
            self._slack.update(channel, ts, text)
            return Delivered(ts)
        if poster is not None and poster != message.id:
            raise Deferred(f"notice {notice_id}'s summary is not posted yet")
        posted = self._posted_before(message, channel) or self._slack.post(
            channel, text, key=message.idempotency_key)
        with self._db.unit_of_work() as uow:
            notice = uow.sms.notice(notice_id)
            notice.summary_channel, notice.summary_ts = posted.channel, posted.ts
            uow.commit()
        return Delivered(posted.ts)

    def reconcile_summary(self, message: OutboxMessage) -> Delivered | None:
        """After a lost answer: the summary this row posted, found by its key (and remembered
        as the notice's summary), else None. An edit of a known summary is simply made again."""
        notice_id = message.payload["notice_id"]
        with self._db.unit_of_work(read_only=True) as uow:
            notice = uow.sms.notice(notice_id)
            if notice is None or notice.summary_ts:
                return None
            channel = _incident(uow, message.incident_id).channel_id
        found = channel and self._find(message, channel)
        if not found:
            return None
        with self._db.unit_of_work() as uow:
            notice = uow.sms.notice(notice_id)
            notice.summary_channel, notice.summary_ts = found.channel, found.ts
            uow.commit()
        return Delivered(found.ts)

    def provision_channel(self, message: OutboxMessage) -> Delivered:
        return self._provision(message, create=True)

    def reconcile_channel(self, message: OutboxMessage) -> Delivered | None:
        """After a lost answer: adopts the channel that ``conversations.create`` made, if any."""
        return self._provision(message, create=False)

    def _provision(self, message: OutboxMessage, *, create: bool) -> Delivered | None:
        incident_id = message.payload["incident_id"]
        with self._db.unit_of_work() as uow:
            incident = _incident(uow, incident_id)
            if incident.channel_id:
                return Delivered(incident.channel_id)
            key, title = incident.key, incident.title
        found = self._create_channel(incident_id, key, title, create=create)
        if found is None:
            return None
        channel_id, name, adopted = found
        now = self._clock.now()
        with self._db.unit_of_work() as uow:
            incident = _incident(uow, incident_id)
            incident.channel_id, incident.channel_name = channel_id, name
            audit.record(uow, at=now, actor="coordbot", action="incident.channel_created",
                         incident_id=incident_id, channel_id=channel_id, channel_name=name,
                         **({"adopted": True} if adopted else {}))
            self._queue_channel_setup(uow, incident, now)
            uow.commit()
        self._wakeup.notify()
        return Delivered(channel_id)

    def _create_channel(self, incident_id: int, key: str, title: str, *,
                        create: bool) -> tuple[str, str, bool] | None:
        """(id, name, adopted) of the incident's channel: the first name that is free, or taken
        by a channel of ours that a lost answer left behind. Without ``create``, only looks:
        None when no such channel exists (the first free name was never created)."""
        prefix = self._settings.slack.channel_prefix
        for attempt in range(MAX_NAME_ATTEMPTS):
            name = incident_channel_name(prefix, key, title, attempt)
            if create:
                try:
                    return self._slack.create_channel(name), name, False
                except NameTaken:
                    pass
            existing = self._slack.find_channel(name)
            if existing is None and not create:
                return None
            if existing is not None and self._ours(incident_id, existing):
                log.info("adopting channel %s (%s): created for %s, its answer lost",
                         name, existing.id, key)
                return existing.id, name, True
            log.info("channel name %s is taken; trying the next suffix", name)
        raise DeliveryError("name_taken", f"no free channel name for {key}", permanent=True)

    def _ours(self, incident_id: int, channel: ChannelInfo) -> bool:
        """Whether our bot created ``channel`` and no other incident has it."""
        if channel.creator != self._slack.bot_user_id():
            return False
        with self._db.unit_of_work(read_only=True) as uow:
            owner = uow.incidents.by_channel(channel.id)
        return owner is None or owner.id == incident_id

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
        posted = self._posted_before(message, channel) or self._slack.post(
            channel, payload["text"], payload.get("blocks"), thread_ts=payload.get("thread_ts"),
            key=message.idempotency_key)
        if payload.get("pin") or payload.get("remember_as"):
            self._after_post(message, posted.channel, posted.ts)
        return Delivered(posted.ts)

    def reconcile_post(self, message: OutboxMessage) -> Delivered | None:
        """Delivered when the post is in its channel (found by its key), else None."""
        payload = message.payload
        channel = payload.get("channel")
        if channel is None:
            with self._db.unit_of_work(read_only=True) as uow:
                channel = _incident(uow, message.incident_id).channel_id
        found = channel and self._find(message, channel)
        if not found:
            return None
        if payload.get("pin") or payload.get("remember_as"):
            self._after_post(message, found.channel, found.ts)
        return Delivered(found.ts)

    def _posted_before(self, message: OutboxMessage, channel: str) -> PostedMessage | None:
        """On a second attempt, the post an earlier attempt made (its answer lost), if any."""
        return self._find(message, channel) if message.attempts > 1 else None

    def _find(self, message: OutboxMessage, channel: str) -> PostedMessage | None:
        return self._slack.find_post(channel, message.idempotency_key,
                                     since=message.created_at - CLOCK_SLACK,
                                     thread_ts=message.payload.get("thread_ts"))

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
        with self._db.unit_of_work(read_only=True) as uow:
            return incident_channel(uow, _incident(uow, incident_id))


def _incident(uow: UnitOfWork, incident_id: int | None) -> Incident:
    incident = uow.incidents.get(incident_id) if incident_id is not None else None
    if incident is None:
        raise DeliveryError("incident_not_found", f"incident {incident_id}", permanent=True)
    return incident
