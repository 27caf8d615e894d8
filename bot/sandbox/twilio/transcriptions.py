"""Real-Time Transcription as the emulator plays it: ``<Start><Transcription>`` in TwiML, the
``Calls/{CallSid}/Transcriptions`` resource (``CreateRealtimeTranscription``,
``UpdateRealtimeTranscription`` with ``Status=stopped``, by SID or by name, as in the OpenAPI
description), and the signed events posted to ``statusCallbackUrl``.

Nothing listens to the audio: a test or the demo plays the caller with ``TwilioEmulator.say``
("the caller on this leg says …"), and the leg's transcription posts what Twilio would —
``transcription-content`` partials (growing prefixes, ``Final=false`` with a ``Stability``)
then the final line (``Final=true``), each with the next ``SequenceId``, a ``Timestamp`` and
``TranscriptionData`` (JSON ``transcript`` and ``confidence``). ``transcription-started`` comes
when it starts, ``transcription-stopped`` when it is stopped or its call ends. A leg with no
transcription (the caller declined) produces no events at all, as on Twilio.

Events can be held (``say(..., deliver=False)``) and delivered later out of order and twice
(``deliver_transcription(order="shuffled", duplicate=True)``): a duplicate is a redelivery, with
the same signature and the same ``I-Twilio-Idempotency-Token``.
"""

from __future__ import annotations

import json
import random
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin

from .records import Effect, EmulatedCall, SendWebhook
from .wire import API_VERSION, ApiError, ignored, new_sid, not_found, rfc2822, text, true

ROUTE = re.compile(r"^/2010-04-01/Accounts/(?P<account>[^/]+)/Calls/(?P<call>[^/]+)"
                   r"/Transcriptions(?:/(?P<sid>[^/]+?))?\.json$")
# CreateRealtimeTranscription's request properties in the OpenAPI description.
_CREATE_PARAMS = frozenset({
    "Name", "Track", "StatusCallbackUrl", "StatusCallbackMethod", "InboundTrackLabel",
    "OutboundTrackLabel", "PartialResults", "LanguageCode", "TranscriptionEngine",
    "ProfanityFilter", "SpeechModel", "Hints", "EnableAutomaticPunctuation", "IntelligenceService",
    "ConversationConfiguration", "ConversationId", "ConfigurationId", "EnableProviderData",
})
_TRACKS = ("inbound_track", "outbound_track", "both_tracks")
ORDERS = ("spoken", "reversed", "shuffled")


@dataclass
class EmulatedTranscription:
    sid: str
    call_sid: str
    name: str | None
    track: str
    status_callback_url: str | None
    status_callback_method: str
    language_code: str
    partial_results: bool
    engine: str
    status: str = "in-progress"
    date_updated: datetime = field(default_factory=lambda: datetime.now(UTC))
    sequence: int = 0


def _timestamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _partials(text_said: str) -> list[str]:
    """Growing prefixes of the line, as a streaming engine revises its guess: at most two."""
    words = text_said.split()
    cuts = sorted({max(1, len(words) // 3), max(1, 2 * len(words) // 3)})
    return [" ".join(words[:cut]) for cut in cuts if cut < len(words)]


class Transcriptions:
    """Every transcription started, by SID; held events. Shares the emulator's ``lock``."""

    def __init__(self, *, account_sid: str, lock: threading.Lock, calls: dict[str, EmulatedCall]):
        self.account_sid = account_sid
        self._lock = lock
        self._calls = calls
        # What REST requests cause is sent from the voice thread (set by the emulator).
        self.send_later: Callable[[list[Effect]], None] = lambda effects: None
        self.by_sid: dict[str, EmulatedTranscription] = {}
        self.held: list[SendWebhook] = []

    # ----- starting and stopping -------------------------------------------------------------
    def start_verb(self, call: EmulatedCall, verb: ET.Element, document_url: str) -> tuple[
            list[SendWebhook], list[str]]:
        """``<Start>``: each ``<Transcription>`` child starts one; (events, verbs not simulated)."""
        effects, skipped = [], []
        for child in verb:
            if child.tag != "Transcription":
                skipped.append(f"Start/{child.tag}")
                continue
            attrs = dict(child.attrib)
            callback = attrs.get("statusCallbackUrl")
            with self._lock:
                effects += self._start_locked(call, {
                    "Name": attrs.get("name"), "Track": attrs.get("track"),
                    "StatusCallbackUrl": urljoin(document_url, callback) if callback else None,
                    "StatusCallbackMethod": attrs.get("statusCallbackMethod"),
                    "LanguageCode": attrs.get("languageCode"),
                    "PartialResults": attrs.get("partialResults"),
                    "TranscriptionEngine": attrs.get("transcriptionEngine")})[1]
        return effects, skipped

    def _start_locked(self, call: EmulatedCall, params: dict) -> tuple[EmulatedTranscription,
                                                                     list[SendWebhook]]:
        track = text(params, "Track") or "both_tracks"
        if track not in _TRACKS:
            raise ApiError(400, 20001, f"Invalid Track: {track}")
        found = EmulatedTranscription(
            sid=new_sid("GT"), call_sid=call.sid, name=text(params, "Name"), track=track,
            status_callback_url=text(params, "StatusCallbackUrl"),
            status_callback_method=(text(params, "StatusCallbackMethod") or "POST").upper(),
            language_code=text(params, "LanguageCode") or "en-US",
            partial_results=true(text(params, "PartialResults"), False),
            engine=text(params, "TranscriptionEngine") or "google")
        self.by_sid[found.sid] = found
        return found, self._event_locked(found, "transcription-started", {
            "LanguageCode": found.language_code, "TranscriptionEngine": found.engine,
            "PartialResults": str(found.partial_results).lower(), "Track": found.track,
            **({"Name": found.name} if found.name else {})})

    def stop_locked(self, found: EmulatedTranscription) -> list[SendWebhook]:
        if found.status == "stopped":
            return []
        found.status, found.date_updated = "stopped", datetime.now(UTC)
        return self._event_locked(found, "transcription-stopped", {})

    def call_ended_locked(self, call: EmulatedCall) -> list[SendWebhook]:
        """A call that ends stops its transcriptions."""
        return [effect for found in list(self.by_sid.values()) if found.call_sid == call.sid
                for effect in self.stop_locked(found)]

    # ----- what callers say -----------------------------------------------------------------
    def say_locked(self, call_sid: str, said: str, at: datetime | None) -> list[SendWebhook]:
        """The caller on ``call_sid`` says ``said``: the events of every live transcription of
        their leg (none when it has none)."""
        if call_sid not in self._calls:
            raise KeyError(f"no call {call_sid}")
        at = at or datetime.now(UTC)
        effects = []
        for found in self.by_sid.values():
            if found.call_sid != call_sid or found.status != "in-progress" \
                    or found.track == "outbound_track":
                continue
            lines = (_partials(said) if found.partial_results else []) + [said]
            for index, line in enumerate(lines):
                final = index == len(lines) - 1
                extra = {"LanguageCode": found.language_code, "Track": "inbound_track",
                         "TranscriptionData": json.dumps(
                             {"transcript": line, "confidence": 0.93 if final else 0.71},
                             ensure_ascii=False),
                         "Final": str(final).lower()}
                if not final:
                    extra["Stability"] = "0.8"
                effects += self._event_locked(found, "transcription-content", extra, at)
        return effects

    def _event_locked(self, found: EmulatedTranscription, kind: str, extra: dict,
                      at: datetime | None = None) -> list[SendWebhook]:
        found.sequence += 1
        if not found.status_callback_url:
            return []
        params = {"AccountSid": self.account_sid, "CallSid": found.call_sid,
                  "TranscriptionSid": found.sid, "SequenceId": str(found.sequence),
                  "Timestamp": _timestamp(at or datetime.now(UTC)), "TranscriptionEvent": kind,
                  **extra}
        return [SendWebhook("transcription", found.status_callback_url,
                            found.status_callback_method, params, found.call_sid)]

    def take_held_locked(self, order: str, seed: int) -> list[SendWebhook]:
        if order not in ORDERS:
            raise ValueError(f"order must be one of {', '.join(ORDERS)}")
        held, self.held = self.held, []
        if order == "reversed":
            held.reverse()
        elif order == "shuffled":
            random.Random(seed).shuffle(held)
        return held

    # ----- REST ------------------------------------------------------------------------------
    def route(self, method: str, path: str, match: re.Match, record: dict) -> tuple[int, dict]:
        """(status, JSON) for ``Calls/{CallSid}/Transcriptions[/{Sid}].json``; the events it
        causes go to ``send_later``."""
        status, payload, effects = self._route(method, path, match, record)
        self.send_later(list(effects))
        return status, payload

    def _route(self, method: str, path: str, match: re.Match, record: dict) -> tuple[
            int, dict, list[SendWebhook]]:
        if method != "POST":
            raise ApiError(405, 20004, "Method not allowed")
        params = record["params"]
        with self._lock:
            call = self._calls.get(match.group("call"))
            if call is None:
                raise not_found(path)
            if match.group("sid") is None:
                unknown = ignored(params, _CREATE_PARAMS)
                if unknown:
                    record["ignored_params"] = unknown
                if call.end_time is not None:
                    raise ApiError(400, 21220, "Call is not in-progress")
                found, effects = self._start_locked(call, params)
                return 200, self.json(found), effects
            found = self._find_locked(call.sid, match.group("sid"))
            if found is None:
                raise not_found(path)
            if text(params, "Status") != "stopped":
                raise ApiError(400, 20001, "Status must be stopped")
            effects = self.stop_locked(found)
            return 200, self.json(found), effects

    def _find_locked(self, call_sid: str, key: str) -> EmulatedTranscription | None:
        return next((t for t in self.by_sid.values()
                     if t.call_sid == call_sid and key in (t.sid, t.name)), None)

    def json(self, found: EmulatedTranscription) -> dict:
        return {"sid": found.sid, "account_sid": self.account_sid, "call_sid": found.call_sid,
                "name": found.name, "status": found.status,
                "date_updated": rfc2822(found.date_updated),
                "uri": f"/{API_VERSION}/Accounts/{self.account_sid}/Calls/{found.call_sid}"
                       f"/Transcriptions/{found.sid}.json"}


def deliver(request: Callable[..., tuple[dict, str]], events: list[SendWebhook], *,
            duplicate: bool, seed: int) -> list[dict]:
    """Sends ``events`` in the order given (call on the voice thread with its ``request``); with
    ``duplicate`` each is then delivered once more, in a shuffled order, as a redelivery: the
    same signature and idempotency token. Returns the records of the first deliveries."""
    entries = [request(event.kind, event.url, event.method, event.params, **event.tags())[0]
               for event in events]
    if duplicate:
        again = list(entries)
        random.Random(seed + 1).shuffle(again)
        for entry in again:
            request(entry["kind"], entry["url"], entry["method"], entry["params"],
                    headers=entry["headers"], call_sid=entry.get("call_sid"), redelivery=True)
    return entries
