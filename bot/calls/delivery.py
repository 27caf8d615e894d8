"""Dial-out at a call's start, for contacts tagged ``dial-out``, and the end of a hosted call
that a coordinator ended, through the outbox.

A dial-out whose answer was lost is looked up (``reconcile``) before it is placed again, so that
nobody's phone rings twice for one call. Ending a conference is idempotent (a conference already
over is left alone), so an end whose answer was lost is simply asked for again."""

from __future__ import annotations

from typing import Protocol

from bot.db.models import OutboxMessage
from bot.outbox.contract import Delivered
from bot.ports import DeliveryError

DIAL_OUT_TAG = "dial-out"


class VoicePort(Protocol):
    def dial_out(self, *, conference: str, to: str, label: str | None, status_callback: str | None,
                 conference_status_callback: str | None = None) -> str: ...

    def find_participant(self, *, conference: str, label: str) -> str | None: ...

    def end_conference(self, *, conference: str) -> list[str]: ...


class Dialer:
    def __init__(self, *, voice: VoicePort | None, events_url: str):
        self._voice = voice
        self._events_url = events_url

    def __call__(self, message: OutboxMessage) -> Delivered:
        if self._voice is None:
            raise DeliveryError("voice_not_configured", "set twilio.account_sid and from_number",
                                permanent=True)
        payload = message.payload
        # The CallSid is recorded as the provider id: conference events name the line by it.
        return Delivered(self._voice.dial_out(
            conference=payload["conference"], to=message.recipient or "", label=payload["label"],
            status_callback=None, conference_status_callback=self._events_url))

    def reconcile(self, message: OutboxMessage) -> Delivered | None:
        """Whether the person is already on (or being rung into) the call, found by the
        participant label the dial-out gave them: a lost answer must not ring them twice."""
        label = message.payload.get("label")
        if self._voice is None or not label:
            return None
        sid = self._voice.find_participant(conference=message.payload["conference"], label=label)
        return Delivered(sid) if sid else None


class ConferenceEnder:
    """Ends the hosted conference of a call a coordinator ended (``calls.service.conference``).
    Nobody on the line (no live conference) is a success too: the call is over either way."""

    def __init__(self, *, voice: VoicePort | None):
        self._voice = voice

    def __call__(self, message: OutboxMessage) -> Delivered:
        if self._voice is None:
            raise DeliveryError("voice_not_configured", "set twilio.account_sid and from_number",
                                permanent=True)
        ended = self._voice.end_conference(conference=message.payload["conference"])
        return Delivered(ended[-1] if ended else None)
