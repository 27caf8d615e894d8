"""The SMS sender for the outbox, and what Twilio's status callbacks mean for a message.

Before a claimed batch goes out, one query finds recipients who texted STOP (their messages are
``suppressed``). A message reclaimed after its worker died may already have reached Twilio, so
before sending it again the sender asks Twilio whether that body went to that number.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.db.models import OutboxMessage
from bot.db.models.outbox import LEASE_EXPIRED
from bot.db.unit_of_work import UnitOfWork
from bot.outbox.rate_limit import RateLimiter
from bot.outbox.worker import Delivered, Suppressed
from bot.ports import DeliveryError, SmsPort
from bot.sms.service import consent, notices

OPTED_OUT_CODE = "21610"
UNUSABLE_NUMBER = {"21211": "invalid", "21614": "landline", "30006": "landline"}
FINAL_STATUSES = {"delivered", "undelivered", "failed"}

log = logging.getLogger(__name__)


class SmsSender:
    def __init__(self, *, sms: SmsPort | None, clock: Clock, limiter: RateLimiter,
                 status_callback_url: str | None):
        self._sms = sms
        self._clock = clock
        self._limiter = limiter
        self._callback = status_callback_url

    def prepare(self, uow: UnitOfWork, messages: list[OutboxMessage]) -> dict[int, Suppressed]:
        stopped = uow.sms.opted_out_among([m.recipient for m in messages if m.recipient])
        return {m.id: Suppressed("opted_out", f"{m.recipient} texted STOP")
                for m in messages if m.recipient in stopped}

    def __call__(self, message: OutboxMessage) -> Delivered:
        if self._sms is None:
            raise DeliveryError("sms_not_configured", "set twilio.account_sid and auth_token",
                                permanent=True)
        to, body = message.recipient or "", message.payload["body"]
        if message.error_code == LEASE_EXPIRED:
            # The previous worker died mid-send: this body may already be on its way.
            # Twilio's dates have whole seconds: allow for the rounding.
            sid = self._sms.find_sent(to=to, body=body,
                                      since=message.created_at - timedelta(seconds=1))
            if sid:
                log.info("outbox %s was already sent as %s", message.idempotency_key, sid)
                return Delivered(sid)
        self._limiter.acquire()
        return Delivered(self._sms.send(to=to, body=body, status_callback=self._callback))

    def after_outcomes(self, uow: UnitOfWork,
                       outcomes: list[tuple[OutboxMessage, DeliveryError | None]]) -> None:
        """What a recorded batch means: early callbacks, opt-outs, bad numbers, summaries."""
        now = self._clock.now()
        sent = {row.provider_id: row for row, error in outcomes if error is None and row.provider_id}
        if sent:
            uow.sms.lock_messages(list(sent))
            for early in uow.sms.take_early_statuses(list(sent)):
                _apply_status(uow, sent[early.sid], early.status, early.error_code, now,
                              refresh=False)
        for row, error in outcomes:
            if error is not None and row.recipient:
                self._refused(uow, row, error, now)
        for notice_id, incident_id in {_notice_of(row) for row, _ in outcomes} - {None}:
            notices.queue_summary(uow, notice_id=notice_id, incident_id=incident_id, now=now)

    def _refused(self, uow: UnitOfWork, row: OutboxMessage, error: DeliveryError,
                 now: datetime) -> None:
        if error.code == OPTED_OUT_CODE:
            row.status = "suppressed"
            consent.opt_out(uow, row.recipient, source="twilio:21610", at=now)
        elif error.code in UNUSABLE_NUMBER:
            consent.mark_number(uow, row.recipient, status=UNUSABLE_NUMBER[error.code],
                                code=error.code, at=now)


def _notice_of(row: OutboxMessage) -> tuple[int, int] | None:
    if row.purpose != "incident_notice" or row.incident_id is None:
        return None
    return int(row.idempotency_key.split(":")[1]), row.incident_id


def record_status(uow: UnitOfWork, *, sid: str, status: str, error_code: str | None,
                  now: datetime) -> OutboxMessage | None:
    """Applies a status callback; a final status is never replaced by an earlier one."""
    uow.sms.lock_message(sid)
    message = uow.outbox.by_provider_id(sid)
    if message is None:
        # Twilio can call back before the worker has recorded the send: keep it for then.
        if sid.startswith(("SM", "MM")) and status:
            uow.sms.keep_early_status(sid, status, error_code, now)
        return None
    _apply_status(uow, message, status, error_code, now)
    return message


def _apply_status(uow: UnitOfWork, message: OutboxMessage, status: str, error_code: str | None,
                  now: datetime, *, refresh: bool = True) -> None:
    if message.status in FINAL_STATUSES or status not in FINAL_STATUSES:
        return
    message.status = status
    notice = _notice_of(message)
    if refresh and notice:
        notices.queue_summary(uow, notice_id=notice[0], incident_id=notice[1], now=now)
    if status == "delivered":
        message.delivered_at = now
    else:
        message.error_code = error_code or message.error_code
        if error_code in UNUSABLE_NUMBER and message.recipient:
            consent.mark_number(uow, message.recipient, status=UNUSABLE_NUMBER[error_code],
                                code=error_code, at=now)
