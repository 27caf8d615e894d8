"""The SMS sender for the outbox, and what Twilio's answers and status callbacks mean.

Before a claimed batch goes out, one query finds recipients who texted STOP (their messages are
``suppressed``). A message whose last attempt may have reached Twilio (its answer was lost, or its
worker died mid-send) is looked up at Twilio (``reconcile``) before the worker sends it again.
A 429 pauses every send of this sender until its ``Retry-After`` has passed: the limit is the
account's, not one message's.

``TWILIO_ERRORS`` is the one table of what Twilio's error codes mean for a contact, whether the
code comes with a refused send or with a status callback.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from enum import Enum

from bot.clock import Clock
from bot.db.models import OutboxMessage
from bot.db.unit_of_work import UnitOfWork
from bot.outbox.rate_limit import RateLimiter
from bot.outbox.worker import Deferred, Delivered, Suppressed
from bot.ports import DeliveryError, OutcomeUnknown, SmsPort
from bot.sms.service import consent, notices


class NumberIs(Enum):
    """What an error code says about the number (``Contact.phone_status``, or the opt-out list)."""
    OPTED_OUT = "opted_out"
    LANDLINE = "landline"
    INVALID = "invalid"
    UNREACHABLE = "unreachable"


# Twilio's error codes (its error dictionary) that say something lasting about the number.
TWILIO_ERRORS = {
    "21610": NumberIs.OPTED_OUT,    # the recipient replied STOP: until they text START
    "21614": NumberIs.LANDLINE,     # 'To' is not a valid mobile number
    "30006": NumberIs.LANDLINE,     # landline or unreachable carrier
    "21211": NumberIs.INVALID,      # invalid 'To' phone number
    "30005": NumberIs.INVALID,      # unknown destination handset (the number does not exist)
    "30003": NumberIs.UNREACHABLE,  # unreachable destination handset
}
OPTED_OUT_CODE = "21610"
FINAL_STATUSES = {"delivered", "undelivered", "failed"}
# Twilio's dates have whole seconds, and its clock is not quite ours: the lookup window starts
# this much before the row's first attempt. Wider would risk taking an identical text sent just
# before (another notice with the same words) for this one.
LOOKUP_SKEW = timedelta(seconds=5)

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

    @property
    def rate_per_s(self) -> float:
        return self._limiter.rate_per_s

    def reconcile(self, message: OutboxMessage) -> Delivered | None:
        """Whether Twilio has this message (exact number and body, from us, since its first
        attempt); raises ``DeliveryError`` when Twilio cannot say."""
        if self._sms is None:
            return None
        since = (message.first_attempted_at or message.created_at) - LOOKUP_SKEW
        sid = self._sms.find_sent(to=message.recipient or "", body=message.payload["body"],
                                  since=since)
        return Delivered(sid) if sid else None

    def __call__(self, message: OutboxMessage) -> Delivered:
        if self._sms is None:
            raise DeliveryError("sms_not_configured", "set twilio.account_sid and auth_token",
                                permanent=True)
        self._limiter.acquire()
        paused = self._limiter.paused_for()
        if paused > 0:  # Twilio said to wait: every message of this sender waits, uncounted
            raise Deferred("Twilio asked to retry later", paused)
        try:
            sid = self._sms.send(to=message.recipient or "", body=message.payload["body"],
                                 status_callback=self._callback)
        except DeliveryError as error:
            if error.retry_after is not None and not isinstance(error, OutcomeUnknown):
                self._limiter.pause(error.retry_after)
            raise
        return Delivered(sid)

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
        if error.permanent:
            apply_error_code(uow, row.recipient, error.code, now)


def apply_error_code(uow: UnitOfWork, phone: str | None, code: str | None, at: datetime) -> None:
    """What Twilio's error ``code`` says about ``phone``, recorded: an opt-out that holds until
    the person texts START, or a number that cannot take texts (landline, invalid, unreachable)."""
    meaning = TWILIO_ERRORS.get(code or "")
    if meaning is None or not phone:
        return
    if meaning is NumberIs.OPTED_OUT:
        consent.opt_out(uow, phone, source=f"twilio:{code}", at=at)
    else:
        consent.mark_number(uow, phone, status=meaning.value, code=code, at=at)


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
        apply_error_code(uow, message.recipient, error_code, now)
