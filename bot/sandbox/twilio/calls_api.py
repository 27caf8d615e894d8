"""The Calls REST API for outbound calls (``CreateCall``, ``api.v2010.account.call`` and
``ListCallResponse`` in the OpenAPI description):

* ``POST Calls.json`` places a call to ``To`` from ``From`` that, once answered, follows the TwiML
  at ``Url``; ``StatusCallback`` gets the ``StatusCallbackEvent``
  call-progress events (``completed`` when none is named), ``MachineDetection`` (``Enable`` or
  ``DetectMessageEnd``) says who answered as ``AnsweredBy``: on the TwiML request and the status
  callbacks, or, with ``AsyncAmd=true``, in a separate POST to ``AsyncAmdStatusCallback``;
* ``GET Calls.json`` (``To``, ``From``, ``Status``; newest first) and ``GET Calls/{Sid}.json``.

The call rings until a test plays the person at the other end
(``TwilioEmulator.answer_call`` / ``fail_call``). The routes answer at once; the callbacks a
request causes are handed to ``send_later``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from .conferences import Conferences
from .faults import Faults
from .records import Effect, EmulatedCall
from .wire import API_VERSION, ApiError, ignored, new_sid, not_found, page, rfc2822, text, true, words

ROUTE = re.compile(r"^/2010-04-01/Accounts/(?P<account>[^/]+)/Calls(?:/(?P<call>[^/]+?))?\.json$")
_ENDPOINT = re.compile(r"^(?:\+[1-9]\d{6,14}|client:[A-Za-z0-9_.-]+|sip:\S+@\S+)$")
# CreateCall's request properties in the OpenAPI description; anything else is reported ignored.
_CALL_PARAMS = frozenset({
    "ApplicationSid", "AsyncAmd", "AsyncAmdStatusCallback", "AsyncAmdStatusCallbackMethod", "Byoc",
    "CallReason", "CallToken", "CallerId", "ClientNotificationUrl", "FallbackMethod", "FallbackUrl",
    "From", "MachineDetection", "MachineDetectionSilenceTimeout", "MachineDetectionSpeechEndThreshold",
    "MachineDetectionSpeechThreshold", "MachineDetectionTimeout", "Method", "Record",
    "RecordingChannels", "RecordingStatusCallback", "RecordingStatusCallbackEvent",
    "RecordingStatusCallbackMethod", "RecordingTrack", "SendDigits", "SipAuthPassword",
    "SipAuthUsername", "StatusCallback", "StatusCallbackEvent", "StatusCallbackMethod", "TimeLimit",
    "Timeout", "To", "Trim", "Twiml", "Url",
})
_LIST_PARAMS = ("To", "From", "Status", "PageSize")
_DETECTION = ("Enable", "DetectMessageEnd")


def _settings(params: dict) -> tuple[str, str, str, int]:
    """(To, From, Url, Timeout) of a create request; raises Twilio's error for the first thing
    wrong. Inline ``Twiml`` is not simulated: a call needs its ``Url``."""
    to, from_ = text(params, "To"), text(params, "From")
    if to is None:
        raise ApiError(400, 21201, "No 'To' number is specified")
    if from_ is None:
        raise ApiError(400, 21213, "No 'From' number is specified")
    if not _ENDPOINT.match(to):
        raise ApiError(400, 21211)
    if not _ENDPOINT.match(from_):
        raise ApiError(400, 21212)
    url = text(params, "Url")
    if url is None:
        raise ApiError(400, 21205, "Url parameter is required (the emulator does not run inline Twiml)")
    try:
        timeout = int(text(params, "Timeout") or 60)
    except ValueError:
        raise ApiError(400, 20001, "Invalid Timeout") from None
    if not 1 <= timeout <= 600:
        raise ApiError(400, 20001, f"Timeout must be between 1 and 600, not {timeout}")
    detection = text(params, "MachineDetection")
    if detection is not None and detection not in _DETECTION:
        raise ApiError(400, 20001, f"Invalid MachineDetection: {detection}")
    return to, from_, url, timeout


class CallsApi:
    """Answers the Calls routes and keeps the calls placed (``placed``, in order). Shares the
    emulator's ``lock``."""

    def __init__(self, *, account_sid: str, lock: threading.Lock, conferences: Conferences,
                 faults: Faults, send_later: Callable[[list[Effect]], None]):
        self.account_sid = account_sid
        self._lock = lock
        self._conferences = conferences
        self._faults = faults
        self._send_later = send_later
        self.placed: list[EmulatedCall] = []

    def route(self, method: str, path: str, match: re.Match, record: dict) -> tuple[int, dict]:
        sid = match.group("call")
        if sid is None and method == "POST":
            return 201, self.create(record)
        if sid is None and method == "GET":
            return 200, self.list_calls(path, record["query"])
        if sid is not None and method == "GET":
            with self._lock:
                call = self._conferences.calls.get(sid)
                if call is None:
                    raise not_found(path)
                return 200, self.call_json(call)
        raise ApiError(405, 20004, "Method not allowed")

    def create(self, record: dict) -> dict:
        params = record["params"]
        unknown = ignored(params, _CALL_PARAMS)
        if unknown:
            record["ignored_params"] = unknown
        to = text(params, "To")
        dropped = self._faults.before_create(to)  # raises a reset-before at once
        self._faults.raise_injected(to)
        to, from_, url, timeout = _settings(params)
        now = datetime.now(UTC)
        call = EmulatedCall(
            sid=new_sid("CA"), from_=from_, to=to, direction="outbound-api", status="queued",
            date_created=now, status_callback=text(params, "StatusCallback"),
            status_callback_method=(text(params, "StatusCallbackMethod") or "POST").upper(),
            status_callback_events=frozenset(words(params.get("StatusCallbackEvent")) or ["completed"]),
            url=url, method=(text(params, "Method") or "POST").upper(),
            machine_detection=text(params, "MachineDetection"),
            async_amd=true(text(params, "AsyncAmd"), False),
            amd_callback=text(params, "AsyncAmdStatusCallback"),
            amd_callback_method=(text(params, "AsyncAmdStatusCallbackMethod") or "POST").upper(),
            timeout_s=timeout)
        with self._lock:
            self._faults.refuse_uncallable_locked(to)
            self._conferences.calls[call.sid] = call
            self.placed.append(call)
            payload = self.call_json(call)
            effects = self._conferences.call_event_locked(call, "initiated")
        self._send_later(effects)
        if dropped is not None:  # placed, but the answer is lost
            raise dropped
        return payload

    def list_calls(self, path: str, query: dict) -> dict:
        wanted = {"to": text(query, "To"), "from_": text(query, "From"),
                  "status": text(query, "Status")}
        with self._lock:
            records = [self.call_json(call) for call in reversed(self._conferences.calls.values())
                       if all(value is None or getattr(call, name) == value
                              for name, value in wanted.items())]
        return page(path, query, "calls", records, _LIST_PARAMS)

    def call_json(self, call: EmulatedCall) -> dict:
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Calls/{call.sid}"
        duration = None
        if call.end_time is not None:
            started = call.start_time or call.end_time
            duration = str(max(0, int((call.end_time - started).total_seconds())))
        return {
            "account_sid": self.account_sid, "annotation": None, "answered_by": call.answered_by,
            "api_version": API_VERSION, "caller_name": None,
            "date_created": rfc2822(call.date_created),
            "date_updated": rfc2822(call.end_time or call.start_time or call.date_created),
            "direction": call.direction, "duration": duration, "end_time": rfc2822(call.end_time),
            "forwarded_from": None, "from": call.from_, "from_formatted": call.from_,
            "group_sid": None, "parent_call_sid": None, "phone_number_sid": None, "price": None,
            "price_unit": "USD", "queue_time": "0", "sid": call.sid,
            "start_time": rfc2822(call.start_time), "status": call.status,
            "subresource_uris": {"recordings": f"{uri}/Recordings.json",
                                 "notifications": f"{uri}/Notifications.json"},
            "to": call.to, "to_formatted": call.to, "trunk_sid": None, "uri": f"{uri}.json",
        }
