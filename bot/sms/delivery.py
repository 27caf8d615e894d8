"""The SMS sender for the outbox, and what Twilio's answers and status callbacks mean.

Before a claimed batch goes out, one query finds recipients who texted STOP (their messages are
``suppressed``). A message whose last attempt may have reached Twilio (its answer was lost, or its
worker died mid-send) is looked up at Twilio (``reconcile``) before the worker sends it again.
Every send first takes its segments from the sender's budget, shared by every worker
(``bot.outbox.budget``), and waits for its place in a second. A 429 pauses every send of this
sender, in every worker, until its ``Retry-After`` has passed: the limit is the account's, not
one message's. A time-bound text (``expires_at``: a reminder, an invitation) carries Twilio's
``ValidityPeriod``, the seconds it has left, so that Twilio drops it rather than deliver it late;
one already too late when its turn comes is not sent at all (``expired``).

What Twilio's error codes mean for a contact is one table (``rules.failures.TWILIO_ERRORS``),
whether the code comes with a refused send or with a status callback. A text that fails for good
(a refusal, attempts spent, an ``undelivered`` callback) is told to the coordinator who caused it
(``service.failures``), grouped by its cause; ``FailureReports`` posts those reports.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.db.models import OutboxMessage
from bot.db.unit_of_work import Database, UnitOfWork
from bot.outbox.budget import SendBudget
from bot.outbox.cards import SlackCards
from bot.outbox.contract import Deferred, Delivered, Expired, Sender, Suppressed
from bot.outbox.kinds import Kind
from bot.outbox.slack_failures import incident_channel
from bot.ports import DeliveryError, OutcomeUnknown, SmsPort
from bot.sms import blocks as sms_blocks
from bot.sms.rules.failures import OPTED_OUT_CODE, TWILIO_ERRORS, NumberIs
from bot.sms.rules.segments import segments as count_segments
from bot.sms.service import consent, failures, notices
from bot.voice import service as voice

FINAL_STATUSES = {"delivered", "undelivered", "failed"}
# Twilio's dates have whole seconds, and its clock is not quite ours: the lookup window starts
# this much before the row's first attempt. Wider would risk taking an identical text sent just
# before (another notice with the same words) for this one.
LOOKUP_SKEW = timedelta(seconds=5)
# Twilio's ValidityPeriod: whole seconds from 1 to 36000 (10 hours, also its default).
VALIDITY_MAX_S = 36000

log = logging.getLogger(__name__)


class SmsSender:
    def __init__(self, *, sms: SmsPort | None, clock: Clock, budget: SendBudget,
                 status_callback_url: str | None, db: Database | None = None):
        self._sms = sms
        self._db = db
        self._clock = clock
        self._budget = budget
        self._callback = status_callback_url

    def prepare(self, uow: UnitOfWork, messages: list[OutboxMessage]) -> dict[int, Suppressed]:
        stopped = uow.sms.opted_out_among([m.recipient for m in messages if m.recipient])
        return {m.id: Suppressed("opted_out", f"{m.recipient} texted STOP")
                for m in messages if m.recipient in stopped}

    @property
    def segments_per_s(self) -> float:
        """The sender's budget (0: none), so that the worker claims no more than it can send."""
        return self._budget.rate_per_s

    def reconcile(self, message: OutboxMessage) -> Delivered | None:
        """Whether Twilio has this message (exact number and body, from us, since its first
        attempt, and not a message another row already owns); raises ``DeliveryError`` when
        Twilio cannot say."""
        if self._sms is None:
            return None
        since = (message.first_attempted_at or message.created_at) - LOOKUP_SKEW
        sid = self._sms.find_sent(to=message.recipient or "", body=message.payload["body"],
                                  since=since, taken=self._owned_by_another(message))
        return Delivered(sid) if sid else None

    def _owned_by_another(self, message: OutboxMessage) -> Callable[[str], bool]:
        def taken(sid: str) -> bool:
            if self._db is None:
                return False
            with self._db.unit_of_work(read_only=True) as uow:
                owner = uow.outbox.by_provider_id(sid)
                return owner is not None and owner.id != message.id

        return taken

    def __call__(self, message: OutboxMessage) -> Delivered:
        if self._sms is None:
            raise DeliveryError("sms_not_configured", "set twilio.account_sid and auth_token",
                                permanent=True)
        body = message.payload["body"]
        paused = (self._budget.take(message.segments or count_segments(body).segments)
                  or self._budget.paused_for())
        if paused > 0:  # Twilio said to wait: every message of this sender waits, uncounted
            raise Deferred("Twilio asked to retry later", paused)
        validity = validity_period(message, self._clock.now())
        try:
            sid = self._sms.send(to=message.recipient or "", body=body,
                                 status_callback=self._callback,
                                 **({"validity_period_s": validity} if validity else {}))
        except DeliveryError as error:
            if error.retry_after is not None and not isinstance(error, OutcomeUnknown):
                self._budget.pause(error.retry_after)
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
            if error is not None:
                failures.note_failure(uow, row, now=now)
        for notice_id, incident_id in {_notice_of(row) for row, _ in outcomes} - {None}:
            notices.queue_summary(uow, notice_id=notice_id, incident_id=incident_id, now=now)

    def _refused(self, uow: UnitOfWork, row: OutboxMessage, error: DeliveryError,
                 now: datetime) -> None:
        if error.code == OPTED_OUT_CODE:
            row.status = "suppressed"
        if error.permanent:
            apply_error_code(uow, row.recipient, error.code, now)
            _call_a_landline(uow, row, error.code, now)


def validity_period(message: OutboxMessage, now: datetime) -> int | None:
    """The seconds a time-bound text may wait in Twilio's queue (its ``ValidityPeriod``), None
    for one that is not time-bound or has more than Twilio's maximum left; raises ``Expired``
    when it has none left (its wait for a slot ran past its expiry)."""
    if message.expires_at is None:
        return None
    left = (message.expires_at - now).total_seconds()
    if left < 1:
        raise Expired(f"not sent: it expired at {message.expires_at:%Y-%m-%d %H:%M:%S} UTC "
                      "while it waited for its turn")
    return int(left) if left < VALIDITY_MAX_S else None


class FailureReports(SlackCards):
    """Posts the reports of texts that failed for good (``service.failures``), each rendered
    when it is sent, so that the failures that joined it while it waited are in it."""

    def senders(self) -> dict[str, Sender]:
        return {Kind.SMS_FAILURE_REPORT: self.sender(self.report, self.reconcile_report)}

    def report(self, message: OutboxMessage) -> Delivered:
        payload = message.payload
        with self._db.unit_of_work(read_only=True) as uow:
            found = failures.report(uow, cause=payload["cause"], number=payload["report"],
                                    incident_id=message.incident_id)
            channel = payload.get("channel") or self._channel(uow, message)
        if not found.total:  # every text it was to tell was retried since: nothing to say
            return Delivered()
        posted = (self.find(message, channel) if message.attempts > 1 else None) or \
            self._slack.post(channel, sms_blocks.failure_report(found),
                             sms_blocks.failure_report_blocks(found, cause=payload["cause"],
                                                              number=payload["report"]),
                             key=message.idempotency_key)
        return Delivered(posted.ts)

    def reconcile_report(self, message: OutboxMessage) -> Delivered | None:
        """Delivered when the report is in its channel (found by its key), else None."""
        with self._db.unit_of_work(read_only=True) as uow:
            channel = message.payload.get("channel") or self._channel(uow, message)
        found = self.find(message, channel)
        return Delivered(found.ts) if found else None

    @staticmethod
    def _channel(uow: UnitOfWork, message: OutboxMessage) -> str:
        incident = uow.incidents.get(message.incident_id) if message.incident_id else None
        if incident is None:
            raise DeliveryError("incident_not_found", f"incident {message.incident_id}",
                                permanent=True)
        return incident_channel(uow, incident)


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


def _call_a_landline(uow: UnitOfWork, row: OutboxMessage, code: str | None,
                     now: datetime) -> None:
    """A notice or an invitation that cannot be texted to a landline is read to it by a phone
    call instead (once: ``bot.voice.service.call_instead``)."""
    if TWILIO_ERRORS.get(code or "") is NumberIs.LANDLINE:
        voice.call_instead(uow, row, now)


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
        _call_a_landline(uow, message, error_code, now)
        failures.note_failure(uow, message, now=now)
