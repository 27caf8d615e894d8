"""The message-call sender for the outbox: places the call that reads a text to a contact.

Before a claimed batch goes out, one query finds numbers that pressed 0 on an earlier call (their
calls are ``suppressed``). Calls go at ``voice.rate_per_s`` (Twilio's default for an account is
one a second); a 429 pauses every call of this sender until its ``Retry-After``. A call whose
answer was lost, or whose worker died while placing it, is looked up at Twilio (``reconcile``:
calls from our number to that number since the row's first attempt, less the CallSids it has
already tried) before it is placed again, so nobody's phone rings twice for one message.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from bot.clock import Clock
from bot.config import VoiceSettings
from bot.db.models import OutboxMessage
from bot.db.unit_of_work import Database, UnitOfWork
from bot.outbox.contract import Deferred, Delivered, Suppressed
from bot.outbox.rate_limit import RateLimiter
from bot.ports import DeliveryError, OutcomeUnknown
from bot.voice import service

# Twilio's dates have whole seconds and its clock is not quite ours (as for SMS lookups).
LOOKUP_SKEW = timedelta(seconds=5)
OPTED_OUT = "voice_opted_out"


class MessageCallPort(Protocol):
    def place_call(self, *, to: str, url: str, status_callback: str | None,
                   machine_detection: str | None = "DetectMessageEnd") -> str: ...

    def find_call(self, *, to: str, since: datetime,
                  taken: Callable[[str], bool] = ...) -> str | None: ...


class MessageCalls:
    def __init__(self, *, voice: MessageCallPort | None, clock: Clock, limiter: RateLimiter,
                 base_url: str, settings: VoiceSettings, db: Database | None = None):
        self._voice = voice
        self._clock = clock
        self._settings = settings
        self._limiter = limiter
        self._base = base_url.rstrip("/")
        self._detection = "DetectMessageEnd" if settings.machine_detection else None
        self._db = db

    @property
    def rate_per_s(self) -> float:
        return self._limiter.rate_per_s

    def prepare(self, uow: UnitOfWork, messages: list[OutboxMessage]) -> dict[int, Suppressed]:
        stopped = uow.voice.opted_out_among([m.recipient for m in messages if m.recipient])
        return {m.id: Suppressed(OPTED_OUT, "pressed 0 to stop these calls")
                for m in messages if m.recipient in stopped}

    def __call__(self, message: OutboxMessage) -> Delivered:
        if self._voice is None:
            raise DeliveryError("voice_not_configured",
                                "set twilio.account_sid, auth_token and from_number", permanent=True)
        self._limiter.acquire()
        paused = self._limiter.paused_for()
        if paused > 0:
            raise Deferred("Twilio asked to retry later", paused)
        try:
            sid = self._voice.place_call(
                to=message.recipient or "", url=f"{self._base}/twilio/voice/message?m={message.id}",
                status_callback=f"{self._base}/twilio/voice/message/status",
                machine_detection=self._detection)
        except DeliveryError as error:
            if error.retry_after is not None and not isinstance(error, OutcomeUnknown):
                self._limiter.pause(error.retry_after)
            raise
        return Delivered(sid)

    def reconcile(self, message: OutboxMessage) -> Delivered | None:
        """Whether Twilio has placed this try's call (raises ``DeliveryError`` when it cannot say)."""
        if self._voice is None:
            return None
        since = (message.first_attempted_at or message.created_at) - LOOKUP_SKEW
        tried = set(message.payload.get("calls", []))

        def taken(sid: str) -> bool:
            if sid in tried:
                return True
            if self._db is None:
                return False
            with self._db.unit_of_work(read_only=True) as uow:
                owner = uow.outbox.by_provider_id(sid)
                return owner is not None and owner.id != message.id

        sid = self._voice.find_call(to=message.recipient or "", since=since, taken=taken)
        return Delivered(sid) if sid else None

    def after_outcomes(self, uow: UnitOfWork,
                       outcomes: list[tuple[OutboxMessage, DeliveryError | None]]) -> None:
        """Outcomes that came before the calls were recorded are applied; a notice's summary
        counts its calls: refreshed when they are placed or fail."""
        now = self._clock.now()
        placed = [row for row, error in outcomes if error is None and row.provider_id]
        if placed:
            uow.sms.lock_messages([row.provider_id for row in placed])
            service.early_outcomes(uow, placed, now=now, settings=self._settings)
        for row, _ in outcomes:
            service.refresh_summary(uow, row, now)
