"""A local stand-in for Twilio's 2010-04-01 REST API for Messages, in Twilio's wire format.

The real SDK works against it unchanged::

    with TwilioEmulator() as emu:
        client = Client(emu.account_sid, emu.auth_token,
                        http_client=BaseUrlHttpClient(emu.base_url))
        client.messages.create(to="+15551230001", from_="+15557650000", body="hi")

Routes (under ``/2010-04-01/Accounts/{AccountSid}/``): ``POST Messages.json`` (send),
``GET Messages/{Sid}.json`` (fetch) and ``GET Messages.json`` (list, with ``To``, ``From``,
``DateSent``/``DateSent<``/``DateSent>``, ``PageSize``, ``Page``/``PageToken``). Field and parameter
names follow the official OpenAPI description (``CreateMessageRequest``,
``api.v2010.account.message``, ``ListMessageResponse``); errors are Twilio's JSON error bodies.

Status callbacks ("sent", then "delivered" — or "undelivered"/"failed" with ``ErrorCode``) are
POSTed by a small pool of background workers, signed with ``X-Twilio-Signature`` exactly as
Twilio signs them; :meth:`TwilioEmulator.send_inbound` posts a signed inbound-SMS webhook.
Faults (rate limits, server errors, latency, opted-out/invalid/undeliverable numbers) can be
injected. State lives in memory; mutate or read it under ``lock``.

Voice conferences (FACTS §2; ``CreateParticipant``, ``api.v2010.account.conference[.participant]``,
``ListConferenceResponse``/``ListParticipantResponse`` in the OpenAPI description):

* ``POST Conferences/{ConferenceSid}/Participants.json`` dials a participant out (``ConferenceSid`` may
  be the conference's friendly name: an unknown name creates the conference, status ``init``);
  ``GET Conferences.json`` (``FriendlyName``, ``Status``, ``DateCreated``/``DateUpdated`` with ``<``/``>``),
  ``GET``/``POST Conferences/{Sid}.json`` (fetch; ``Status=completed`` ends it),
  ``GET Conferences/{Sid}/Participants.json`` (live participants only, as Twilio lists them) and
  ``GET Conferences/{Sid}/Participants/{CallSid or Label}.json``.
* Simulation drivers (Python, not HTTP): :meth:`TwilioEmulator.place_call` rings a voice webhook and
  follows the TwiML it returns (``<Say>``/``<Play>``/``<Pause>``, ``<Gather>`` for DTMF, ``<Redirect>``,
  ``<Hangup/>``, ``<Dial><Conference>``) as a :class:`CallSession` (``press()``, ``no_input()``,
  ``hang_up()``); :meth:`answer`, :meth:`hang_up_participant`, :meth:`fail_participant` drive dial-outs;
  :meth:`end_conference` ends a conference as the REST API does.
* Conference status callbacks (``conference-start``, ``participant-join``, ``participant-leave``,
  ``conference-end``) go to the statusCallback of the participant who created the conference (only the
  first participant's is used, as Twilio does); dial-out call-progress callbacks (``initiated``,
  ``ringing``, ``answered``, ``completed``) to the participant's ``StatusCallback``. All are signed like
  every other webhook and recorded in ``voice_callbacks``. One background thread runs the voice
  simulation in order; the drivers return once everything they caused has been delivered, while the
  REST routes return at once (use :meth:`wait_for_voice_callbacks`). Do not call the drivers from inside
  a webhook handler the emulator is waiting on: use the REST API there, as an application would.

Where FACTS marks a detail [M] or says nothing the emulator makes a documented choice: the action of a
``<Gather>`` gets ``Digits``; a ``<Dial>``'s ``action`` gets ``DialCallStatus=completed`` when the
conference ends; ``participant-join`` is sent before the ``conference-start`` it causes;
``conference-end`` is sent when a conference anyone joined completes (started or not); a dial-out that
never connected ends with a call-progress callback only (no ``participant-leave``); call-progress
callbacks carry ``CallStatus`` initiated|ringing|in-progress|completed|busy|no-answer|failed|canceled
and, when completed, ``CallDuration``.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hmac
import json
import math
import os
import queue
import random
import re
import socket
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import format_datetime, formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, unquote_plus, urlencode, urljoin

import httpx
from twilio.request_validator import RequestValidator

API_VERSION = "2010-04-01"
_ROUTE = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Messages(?:/([^/]+))?\.json$")
_VOICE_ROUTE = re.compile(r"^/2010-04-01/Accounts/(?P<account>[^/]+)/Conferences"
                          r"(?:/(?P<conference>[^/]+?)(?P<participants>/Participants(?:/(?P<call>[^/]+?))?)?)?"
                          r"\.json$")
_CONFERENCE_SID = re.compile(r"^CF[0-9a-fA-F]{32}$")
_VOICE_ENDPOINT = re.compile(r"^(?:\+[1-9]\d{6,14}|client:[A-Za-z0-9_.-]+|sip:\S+@\S+)$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_SHORT_CODE = re.compile(r"^\d{3,6}$")
_ALPHANUMERIC_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MAX_BODY = 1600
_MAX_LINE = 65536
_PRICE_PER_SEGMENT = "0.00790"
# Parameters of CreateMessageRequest in the OpenAPI description (plus MessageIntent, which the
# SDK also knows); anything else is ignored, as Twilio does, and reported in the request record.
_CREATE_PARAMS = frozenset({
    "To", "StatusCallback", "ApplicationSid", "MaxPrice", "ProvideFeedback", "Attempt",
    "ValidityPeriod", "ForceDelivery", "ContentRetention", "AddressRetention", "SmartEncoded",
    "PersistentAction", "TrafficType", "ShortenUrls", "ScheduleType", "SendAt", "SendAsMms",
    "ContentVariables", "RiskCheck", "From", "FallbackFrom", "MessagingServiceSid", "Body",
    "MediaUrl", "ContentSid", "MessageIntent",
})
_LIST_PARAMS = ("To", "From", "DateSent", "DateSent<", "DateSent>", "PageSize")
# CreateParticipant's request properties in the OpenAPI description, plus the few the SDK also sends
# (RecordingConfigurationId, Passports, Emergency*); anything else is reported as ignored.
_PARTICIPANT_PARAMS = frozenset({
    "From", "To", "StatusCallback", "StatusCallbackMethod", "StatusCallbackEvent", "Label", "Timeout",
    "Record", "Muted", "Beep", "StartConferenceOnEnter", "EndConferenceOnExit", "WaitUrl", "WaitMethod",
    "EarlyMedia", "MaxParticipants", "ConferenceRecord", "ConferenceTrim", "ConferenceStatusCallback",
    "ConferenceStatusCallbackMethod", "ConferenceStatusCallbackEvent", "RecordingChannels",
    "RecordingStatusCallback", "RecordingStatusCallbackMethod", "SipAuthUsername", "SipAuthPassword",
    "Region", "ConferenceRecordingStatusCallback", "ConferenceRecordingStatusCallbackMethod",
    "RecordingStatusCallbackEvent", "ConferenceRecordingStatusCallbackEvent", "Coaching",
    "CallSidToCoach", "JitterBufferSize", "Byoc", "CallerId", "CallReason", "RecordingTrack", "TimeLimit",
    "MachineDetection", "MachineDetectionTimeout", "MachineDetectionSpeechThreshold",
    "MachineDetectionSpeechEndThreshold", "MachineDetectionSilenceTimeout", "AmdStatusCallback",
    "AmdStatusCallbackMethod", "Trim", "CallToken", "ClientNotificationUrl", "CallerDisplayName",
    "RecordingConfigurationId", "Passports",
})
_CONFERENCE_LIST_PARAMS = ("FriendlyName", "Status", "DateCreated", "DateCreated<", "DateCreated>",
                           "DateUpdated", "DateUpdated<", "DateUpdated>", "PageSize")
_PARTICIPANT_LIST_PARAMS = ("Muted", "Hold", "Coaching", "PageSize")
_LIVE = frozenset({"queued", "connecting", "ringing", "connected"})  # participant_enum_status
_CONFERENCE_EVENTS = {"conference-start": "start", "conference-end": "end",
                      "participant-join": "join", "participant-leave": "leave"}
_MAX_TWIML_DOCUMENTS = 50  # documents fetched in a row without waiting for the caller: a Redirect loop
_APPLICATION_ERROR = "We are sorry, an application error has occurred. Goodbye."
# Error codes after which Twilio reports "failed" (never handed to a carrier) rather than
# "undelivered" (handed over, then not delivered).
_FAILED_CODES = frozenset({30001, 30002, 30032, 30034, 30036})
_ERROR_MESSAGES = {
    21211: "Invalid 'To' Phone Number",
    21212: "Invalid 'From' Phone Number",
    20001: "Invalid parameter",
    21602: "Message body is required.",
    21603: "A 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
    21617: "The concatenated message body exceeds the 1600 character limit.",
    30001: "Queue overflow",
    30002: "Account suspended",
    30003: "Unreachable destination handset",
    30004: "Message blocked",
    30005: "Unknown destination handset",
    30006: "Landline or unreachable carrier",
    30007: "Message filtered",
    30008: "Unknown error",
}

# GSM 03.38 default alphabet (one septet each) and its extension table (escape + one septet).
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENSION = frozenset("^{}\\[~]|€\f")


def _segments(body: str) -> int:
    """SMS segments for ``body``: GSM-7 (160 septets, 153 per part) or UCS-2 (70 / 67 units)."""
    septets = 0
    for char in body:
        if char in _GSM_BASIC:
            septets += 1
        elif char in _GSM_EXTENSION:
            septets += 2
        else:
            units = len(body.encode("utf-16-le")) // 2
            return 1 if units <= 70 else math.ceil(units / 67)
    return 1 if septets <= 160 else math.ceil(septets / 153)


def _rfc2822(moment: datetime | None) -> str | None:
    """Twilio's date format, e.g. "Thu, 30 Jul 2015 20:12:31 +0000"."""
    return None if moment is None else _rfc2822_second(int(moment.timestamp()))


@functools.lru_cache(maxsize=1024)
def _rfc2822_second(epoch_second: int) -> str:
    return format_datetime(datetime.fromtimestamp(epoch_second, UTC))


@functools.lru_cache(maxsize=4)
def _http_date(epoch_second: int) -> str:
    return formatdate(epoch_second, usegmt=True)


def _new_sid(prefix: str) -> str:
    return prefix + os.urandom(16).hex()


def _unquote(text: str) -> str:
    return unquote_plus(text) if "%" in text or "+" in text else text


def _form(raw: str) -> dict:
    """Form/query parameters; a repeated name (``MediaUrl``) becomes a list."""
    params: dict = {}
    for pair in raw.split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        name, value = _unquote(name), _unquote(value)
        if name in params:
            previous = params[name]
            params[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            params[name] = value
    return params


def _text(params: dict, name: str) -> str | None:
    value = params.get(name)
    if isinstance(value, list):
        value = value[-1] if value else None
    return value if value else None


def _date_filter(value: str) -> tuple[datetime, bool]:
    """A ``DateSent`` filter value: (UTC moment, whether only the day was given)."""
    value = value.strip()
    if _DAY.match(value):
        return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC), True
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            raise ValueError(value) from None
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)), False


class _ApiError(Exception):
    def __init__(self, status: int, code: int, message: str | None = None, headers: dict | None = None):
        super().__init__(message)
        self.status, self.code = status, code
        self.message = message or _ERROR_MESSAGES.get(code, HTTPStatus(status).phrase)
        self.headers = headers or {}


@dataclass
class EmulatedMessage:
    sid: str
    to: str
    from_: str | None
    messaging_service_sid: str | None
    body: str
    status: str
    status_callback: str | None
    num_segments: int
    error_code: int | None
    date_created: datetime
    direction: str  # "outbound-api" or "inbound"
    date_updated: datetime | None = None
    date_sent: datetime | None = None
    error_message: str | None = None
    price: str | None = None
    media_urls: list[str] = field(default_factory=list)
    params: dict = field(default_factory=dict)  # the create request's form parameters


@dataclass
class EmulatedCall:
    sid: str
    from_: str
    to: str
    direction: str  # "inbound" (place_call) or "outbound-api" (a dial-out participant)
    status: str  # initiated, ringing, in-progress, completed, busy, no-answer, failed, canceled
    date_created: datetime
    start_time: datetime | None = None
    end_time: datetime | None = None
    conference: str | None = None  # friendly name of the conference the call joined or was dialled into
    status_callback: str | None = None  # call-progress callbacks (dial-outs)
    status_callback_method: str = "POST"
    status_callback_events: frozenset[str] = frozenset({"completed"})
    sequence: int = 0


@dataclass
class EmulatedParticipant:
    call_sid: str
    from_: str
    to: str
    label: str | None
    status: str  # participant_enum_status: queued, connecting, ringing, connected, complete, failed
    date_created: datetime
    date_updated: datetime
    muted: bool = False
    hold: bool = False
    coaching: bool = False
    start_conference_on_enter: bool = True
    end_conference_on_exit: bool = False
    beep: str = "true"
    joined_at: datetime | None = None
    left_at: datetime | None = None
    queue_time: str | None = None
    params: dict = field(default_factory=dict)  # the create request's parameters, or the TwiML attributes


@dataclass
class EmulatedConference:
    sid: str
    friendly_name: str
    status: str  # conference_enum_status: init, in-progress, completed
    date_created: datetime
    date_updated: datetime
    status_callback: str | None = None  # set by whoever created the conference, as Twilio does
    status_callback_method: str = "POST"
    status_callback_events: frozenset[str] = frozenset({"start", "end"})
    participants: list[EmulatedParticipant] = field(default_factory=list)  # everyone, in join order
    reason_conference_ended: str | None = None
    call_sid_ending_conference: str | None = None
    sequence: int = 0
    anyone_joined: bool = False

    def live(self) -> list[EmulatedParticipant]:
        return [p for p in self.participants if p.status in _LIVE]


@dataclass(frozen=True)
class Spoken:
    """What a caller heard: ``<Say>`` (text, language, voice), ``<Play>`` (text = URL) or ``<Pause>``
    (text = length in seconds)."""
    verb: str
    text: str
    language: str | None = None
    voice: str | None = None


class CallSession:
    """An incoming call started by :meth:`TwilioEmulator.place_call`, following the app's TwiML.

    ``twiml`` holds every document received, ``spoken`` what the caller heard, ``conference`` the name
    of the conference joined (or None), ``gathering`` the pending ``<Gather>`` (action, method,
    num_digits, finish_on_key, timeout, input) while the call waits for ``press()``, ``requests`` the
    webhooks the call made and ``errors`` what went wrong (an error ends the call, as on Twilio).
    """

    def __init__(self, emulator: TwilioEmulator, call: EmulatedCall, voice_url: str):
        self.emulator = emulator
        self.call = call
        self.voice_url = voice_url
        self.twiml: list[str] = []
        self.spoken: list[Spoken] = []
        self.requests: list[dict] = []
        self.errors: list[str] = []
        self.ignored: list[str] = []  # verbs the emulator does not simulate, skipped
        self.conference: str | None = None
        self.gathering: dict | None = None
        self._after_gather: tuple[list[ET.Element], str] | None = None
        self._after_dial: tuple[ET.Element, list[ET.Element], str] | None = None

    @property
    def call_sid(self) -> str:
        return self.call.sid

    @property
    def status(self) -> str:
        return self.call.status

    @property
    def ended(self) -> bool:
        return self.call.end_time is not None

    @property
    def in_conference(self) -> bool:
        return self._after_dial is not None and not self.ended

    def said(self) -> list[str]:
        """The text of every ``<Say>`` heard so far."""
        return [item.text for item in self.spoken if item.verb == "Say"]

    def press(self, digits: str) -> None:
        """The caller keys ``digits`` into the pending ``<Gather>``; its action is requested."""
        self.emulator._voice_run(lambda: self.emulator._press(self, digits))

    def no_input(self) -> None:
        """The pending ``<Gather>`` times out with no digits: the TwiML after it runs."""
        self.emulator._voice_run(lambda: self.emulator._no_input(self))

    def hang_up(self) -> None:
        """The caller hangs up (leaving the conference, if in one)."""
        self.emulator._voice_run(lambda: self.emulator._hang_up_session(self))

    def __repr__(self) -> str:
        return f"<CallSession {self.call.sid} {self.call.from_}->{self.call.to} {self.call.status}>"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # idle keep-alive connections must not hold up stop()
    request_queue_size = 128
    allow_reuse_address = True


class _Handler(BaseHTTPRequestHandler):
    """One kept-alive connection. Requests are parsed here rather than by ``parse_request()``,
    whose email-package header parser costs more than everything else the emulator does."""

    protocol_version = "HTTP/1.1"  # keep-alive: the SDK's pooled connections are reused
    disable_nagle_algorithm = True
    emulator: TwilioEmulator  # set on a per-emulator subclass in TwilioEmulator.start()
    header_items: list[tuple[str, str]]
    header_map: dict[str, str]  # lower-cased names

    def setup(self) -> None:
        super().setup()
        self.emulator._connection_opened(self.connection)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        self.emulator._connection_closed(self.connection)

    def handle_one_request(self) -> None:
        try:
            if self._read_request():
                self.emulator._handle(self)
        except OSError:  # reset by the client, or shut down by stop()
            self.close_connection = True

    def _read_request(self) -> bool:
        line = self.rfile.readline(_MAX_LINE + 1)
        if not line:
            self.close_connection = True
            return False
        words = line.decode("iso-8859-1").split()
        if len(line) > _MAX_LINE or len(words) != 3 or words[2] not in ("HTTP/1.1", "HTTP/1.0"):
            return self._bad_request()
        self.command, self.path, self.request_version = words
        self.requestline = " ".join(words)
        items = []
        while True:
            header = self.rfile.readline(_MAX_LINE + 1)
            if header in (b"\r\n", b"\n", b""):
                break
            name, colon, value = header.decode("iso-8859-1").partition(":")
            if not colon or len(header) > _MAX_LINE or len(items) >= 100:
                return self._bad_request()
            items.append((name.strip(), value.strip()))
        self.header_items = items
        self.header_map = headers = {name.lower(): value for name, value in items}
        connection = headers.get("connection", "").lower()
        self.close_connection = connection == "close" or (
            self.request_version == "HTTP/1.0" and connection != "keep-alive")
        if headers.get("expect", "").lower() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        return True

    def read_body(self) -> bytes:
        if self.header_map.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline(_MAX_LINE).split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline(_MAX_LINE)
            while self.rfile.readline(_MAX_LINE) not in (b"\r\n", b"\n", b""):  # trailers
                pass
            return b"".join(chunks)
        length = int(self.header_map.get("content-length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _bad_request(self) -> bool:
        self.close_connection = True
        self.wfile.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        return False

    def log_message(self, *args) -> None:  # keep test and benchmark output quiet
        pass


class TwilioEmulator:
    CALLBACK_WORKERS = 4

    def __init__(self, *, account_sid: str = "AC" + "0" * 32, auth_token: str = "emulator-auth-token",
                 host: str = "127.0.0.1", port: int = 0, deliver_callbacks: bool = True):
        self.account_sid, self.auth_token = account_sid, auth_token
        self.host, self.port = host, port
        self.deliver_callbacks = deliver_callbacks
        self.lock = threading.Lock()
        self.messages: list[EmulatedMessage] = []  # accepted outbound messages, in order
        self.inbound: list[EmulatedMessage] = []  # sent with send_inbound(), in order
        self.requests: list[dict] = []
        self.callbacks: list[dict] = []
        self._by_sid: dict[str, EmulatedMessage] = {}
        self._all: list[EmulatedMessage] = []  # outbound and inbound, in creation order
        self._expected_auth = "Basic " + base64.b64encode(
            f"{account_sid}:{auth_token}".encode()).decode("ascii")
        self._validator = RequestValidator(auth_token)
        self._faults: list[dict] = []  # fail_next() entries, oldest first
        self._fault_rate = 0.0
        self._fault: tuple[int, int] = (500, 20500)
        self._random = random.Random(0)
        self._latency = 0.0
        self._opted_out: set[str] = set()
        self._invalid: dict[str, int] = {}
        self._undeliverable: dict[str, int] = {}
        self._callback_queue: queue.SimpleQueue = queue.SimpleQueue()
        self._pending = 0
        self._pending_changed = threading.Condition(threading.Lock())
        self._workers: list[threading.Thread] = []
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        # voice
        self.conferences: dict[str, EmulatedConference] = {}  # by friendly name: the latest one
        self.calls: dict[str, EmulatedCall] = {}  # by CallSid, inbound and dial-outs
        self.call_sessions: dict[str, CallSession] = {}  # by CallSid, inbound calls only
        self.voice_callbacks: list[dict] = []  # every voice webhook sent, in order
        self.voice_errors: list[BaseException] = []  # failures of simulation steps nobody waited for
        self.voice_timeout_s = 30.0  # how long a driver waits for the simulation
        self._conferences_by_sid: dict[str, EmulatedConference] = {}
        self._participants: dict[str, tuple[EmulatedConference, EmulatedParticipant]] = {}
        self._voice_queue: queue.SimpleQueue = queue.SimpleQueue()
        self._voice_pending = 0
        self._voice_changed = threading.Condition(threading.Lock())
        self._voice_thread: threading.Thread | None = None
        self._voice_client: httpx.Client | None = None  # used by the voice thread only

    # ----- lifecycle -----------------------------------------------------------------------------
    def start(self) -> TwilioEmulator:
        if self._server is not None:
            return self
        handler = type("_BoundHandler", (_Handler,), {"emulator": self})
        self._server = _Server((self.host, self.port), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name="twilio-emulator", daemon=True)
        self._thread.start()
        if self.deliver_callbacks:
            self._workers = [threading.Thread(target=self._callback_worker, daemon=True,
                                              name=f"twilio-emulator-callbacks-{n}")
                             for n in range(self.CALLBACK_WORKERS)]
            for worker in self._workers:
                worker.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        with self._connections_lock:
            connections, self._connections = list(self._connections), set()
        for connection in connections:  # end kept-alive connections: nothing answers after stop()
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=5)
        for _ in self._workers:
            self._callback_queue.put(None)
        for worker in self._workers:
            worker.join(timeout=15)
        self._workers = []
        with self._voice_changed:
            voice_thread, self._voice_thread = self._voice_thread, None
        if voice_thread is not None:
            self._voice_queue.put(None)
            voice_thread.join(timeout=15)
        self._server = self._thread = None

    def __enter__(self) -> TwilioEmulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("TwilioEmulator is not started")
        return f"http://{self.host}:{self._server.server_address[1]}"

    # ----- test-facing helpers -------------------------------------------------------------------
    def messages_to(self, number: str) -> list[EmulatedMessage]:
        return [message for message in list(self.messages) if message.to == number]

    def message(self, sid: str) -> EmulatedMessage | None:
        return self._by_sid.get(sid)

    def fail_next(self, count: int = 1, *, status: int = 429, code: int = 20429,
                  message: str = "Too Many Requests", to: str | None = None) -> None:
        """The next ``count`` message or participant creates (to ``to`` only, if given) fail with this
        error."""
        if count > 0:
            with self.lock:
                self._faults.append({"remaining": count, "status": status, "code": code,
                                     "message": message, "to": to})

    def set_fault_rate(self, fraction: float, *, status: int = 500, code: int = 20500,
                       seed: int = 0) -> None:
        """A seeded random ``fraction`` of message and participant creates fail with this error (0 turns
        it off)."""
        with self.lock:
            self._fault_rate = max(0.0, min(1.0, float(fraction)))
            self._fault = (status, code)
            self._random = random.Random(seed)

    def set_latency(self, seconds: float) -> None:
        """Every API request waits ``seconds`` before it is answered."""
        self._latency = max(0.0, float(seconds))

    def mark_opted_out(self, number: str) -> None:
        with self.lock:
            self._opted_out.add(number)

    def mark_invalid(self, number: str, code: int = 21211) -> None:
        with self.lock:
            self._invalid[number] = code

    def mark_undeliverable(self, number: str, code: int = 30003) -> None:
        with self.lock:
            self._undeliverable[number] = code

    def wait_for_callbacks(self, timeout_s: float = 10) -> bool:
        """Blocks until every status callback queued so far has been delivered (or given up)."""
        with self._pending_changed:
            return self._pending_changed.wait_for(lambda: self._pending == 0, timeout=timeout_s)

    def send_inbound(self, *, webhook_url: str, from_: str, to: str, body: str,
                     extra: dict | None = None, timeout_s: float = 10) -> httpx.Response:
        """POSTs a signed inbound-SMS webhook to ``webhook_url`` as Twilio does; returns the reply."""
        sid = _new_sid("SM")
        segments = _segments(body)
        params = {
            "ToCountry": _country(to), "ToState": "", "SmsMessageSid": sid, "NumMedia": "0",
            "ToCity": "", "FromZip": "", "SmsSid": sid, "FromState": "", "SmsStatus": "received",
            "FromCity": "", "Body": body, "FromCountry": _country(from_), "To": to, "ToZip": "",
            "NumSegments": str(segments), "MessageSid": sid, "AccountSid": self.account_sid,
            "From": from_, "ApiVersion": API_VERSION,
        }
        params.update({name: str(value) for name, value in (extra or {}).items()})
        now = datetime.now(UTC)
        message = EmulatedMessage(
            sid=sid, to=to, from_=from_, messaging_service_sid=params.get("MessagingServiceSid"),
            body=body, status="received", status_callback=None, num_segments=segments, error_code=None,
            date_created=now, direction="inbound", date_updated=now, date_sent=now, params=params)
        with self.lock:
            self.inbound.append(message)
            self._all.append(message)
            self._by_sid[sid] = message
        return httpx.post(webhook_url, data=params, headers=self._webhook_headers(webhook_url, params),
                          timeout=timeout_s)

    # ----- HTTP ----------------------------------------------------------------------------------
    def _connection_opened(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(connection)

    def _connection_closed(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    def _handle(self, req: _Handler) -> None:
        method = req.command
        path, _, query = req.path.partition("?")
        try:
            raw_body = req.read_body().decode("utf-8", "replace")
        except ValueError:  # a malformed Content-Length or chunk size
            req._bad_request()
            return
        query_params = _form(query) if query else {}
        record = {"method": method, "path": path, "query": query_params,
                  "params": _form(raw_body) if method == "POST" else query_params,
                  "headers": dict(req.header_items), "status": None, "code": None}
        if self._latency:
            time.sleep(self._latency)
        queued: EmulatedMessage | None = None
        headers: dict = {}
        try:
            status, payload, queued = self._route(method, path, req.header_map.get("authorization"),
                                                  record)
        except _ApiError as error:
            status, headers = error.status, error.headers
            record["code"] = error.code
            payload = {"code": error.code, "message": error.message,
                       "more_info": f"https://www.twilio.com/docs/errors/{error.code}",
                       "status": error.status}
        except Exception as error:  # a bug here must answer, not hang the SDK until its timeout
            status, record["code"] = 500, 20500
            payload = {"code": 20500, "message": f"emulator error: {error!r}",
                       "more_info": "https://www.twilio.com/docs/errors/20500", "status": 500}
        record["status"] = status
        with self.lock:
            self.requests.append(record)
        if queued is not None:
            with self._pending_changed:  # counted before the answer: wait_for_callbacks() sees it
                self._pending += 1
        self._reply(req, status, payload, headers)
        if queued is not None:
            self._callback_queue.put(queued)

    @staticmethod
    def _reply(req: _Handler, status: int, payload, headers: dict) -> None:
        body = json.dumps(payload).encode() if payload is not None else b""
        lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}",
                 f"Date: {_http_date(int(time.time()))}",
                 "Content-Type: application/json; charset=utf-8",
                 f"Content-Length: {len(body)}",
                 f"Twilio-Request-Id: {_new_sid('RQ')}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if req.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        try:
            req.wfile.write(head + body)  # one write: no Nagle / delayed-ACK stall
        except OSError:
            req.close_connection = True

    def _route(self, method: str, path: str, authorization: str | None,
               record: dict) -> tuple[int, dict | None, EmulatedMessage | None]:
        match = _ROUTE.match(path)
        if not self._authorized(authorization):
            raise _ApiError(401, 20003, "Authenticate",
                            headers={"WWW-Authenticate": 'Basic realm="Twilio API"'})
        if match is None:
            voice = _VOICE_ROUTE.match(path)
            if voice is not None and voice.group("account") == self.account_sid:
                return (*self._route_voice(method, path, voice, record), None)
        if match is None or match.group(1) != self.account_sid:
            raise _ApiError(404, 20404, f"The requested resource {path} was not found")
        sid = match.group(2)
        if sid is None and method == "POST":
            message = self._create(record)
            return 201, self._json(message), (message if message.status_callback
                                              and self.deliver_callbacks else None)
        if sid is None and method == "GET":
            return 200, self._list(path, record["query"]), None
        if sid is not None and method == "GET":
            with self.lock:
                message = self._by_sid.get(sid)
                payload = self._json(message) if message is not None else None
            if payload is None:
                raise _ApiError(404, 20404, f"The requested resource {path} was not found")
            return 200, payload, None
        raise _ApiError(405, 20004, "Method not allowed")

    def _authorized(self, authorization: str | None) -> bool:
        if not authorization:
            return False
        if hmac.compare_digest(authorization.encode(), self._expected_auth.encode()):
            return True
        scheme, _, encoded = authorization.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded.strip()).decode().partition(":")
        except ValueError:
            return False
        return user == self.account_sid and hmac.compare_digest(password.encode(),
                                                                self.auth_token.encode())

    # ----- Messages ------------------------------------------------------------------------------
    def _create(self, record: dict) -> EmulatedMessage:
        params = record["params"]
        ignored = sorted(name for name in params if name not in _CREATE_PARAMS)
        if ignored:
            record["ignored_params"] = ignored
        to = _text(params, "To")
        self._inject_fault(to)
        from_ = _text(params, "From")
        service = _text(params, "MessagingServiceSid")
        body = _text(params, "Body") or ""
        media = params.get("MediaUrl") or []
        media = [media] if isinstance(media, str) else [url for url in media if url]
        if to is None:
            raise _ApiError(400, 21604)
        if from_ is None and service is None:
            raise _ApiError(400, 21603)
        if not body and not media and _text(params, "ContentSid") is None:
            raise _ApiError(400, 21602)
        if len(body) > _MAX_BODY:
            raise _ApiError(400, 21617)
        if not _E164.match(to):
            raise _ApiError(400, 21211)
        if from_ is not None and not (_E164.match(from_) or _SHORT_CODE.match(from_)
                                      or _ALPHANUMERIC_SENDER.match(from_)):
            raise _ApiError(400, 21212)
        now = datetime.now(UTC)
        message = EmulatedMessage(
            sid=_new_sid("SM"), to=to, from_=from_, messaging_service_sid=service, body=body,
            status="queued" if from_ is not None else "accepted",
            status_callback=_text(params, "StatusCallback"), num_segments=_segments(body),
            error_code=None, date_created=now, direction="outbound-api", date_updated=now,
            date_sent=now, media_urls=media, params=params)
        with self.lock:
            if to in self._invalid:
                raise _ApiError(400, self._invalid[to])
            if to in self._opted_out:
                raise _ApiError(400, 21610)
            self.messages.append(message)
            self._all.append(message)
            self._by_sid[message.sid] = message
        return message

    def _inject_fault(self, to: str | None) -> None:
        if not self._faults and not self._fault_rate:
            return
        with self.lock:
            for fault in self._faults:
                if fault["to"] is None or fault["to"] == to:
                    fault["remaining"] -= 1
                    if fault["remaining"] <= 0:
                        self._faults.remove(fault)
                    raise _ApiError(fault["status"], fault["code"], fault["message"],
                                    headers={"Retry-After": "1"} if fault["status"] == 429 else None)
            if self._fault_rate and self._random.random() < self._fault_rate:
                raise _ApiError(*self._fault)

    def _list(self, path: str, query: dict) -> dict:
        filters = []
        for name in ("DateSent", "DateSent>", "DateSent<"):
            value = _text(query, name)
            if value is None:
                continue
            try:
                moment, whole_day = _date_filter(value)
            except ValueError:
                raise _ApiError(400, 20001, f"Invalid {name}: {value}") from None
            filters.append((name, moment.date() if whole_day or name == "DateSent" else moment))
        to, from_ = _text(query, "To"), _text(query, "From")
        try:
            page_size = max(1, min(1000, int(_text(query, "PageSize") or 50)))
            page = max(0, int(_text(query, "Page") or 0))
        except ValueError:
            raise _ApiError(400, 20001, "Invalid PageSize or Page") from None
        token = _text(query, "PageToken")

        def wanted(message: EmulatedMessage) -> bool:
            if (to is not None and message.to != to) or (from_ is not None and message.from_ != from_):
                return False
            if filters:
                if message.date_sent is None:
                    return False
                sent = message.date_sent.replace(microsecond=0)
                for name, bound in filters:
                    value = sent.date() if isinstance(bound, date) and not isinstance(bound, datetime) \
                        else sent
                    if (name == "DateSent" and value != bound) or (name == "DateSent>" and value < bound) \
                            or (name == "DateSent<" and value > bound):
                        return False
            return True

        with self.lock:
            matching = [message for message in reversed(self._all) if wanted(message)]  # newest first
            start = page * page_size
            if token is not None and token.startswith("PA"):
                after = next((n for n, m in enumerate(matching) if m.sid == token[2:]), None)
                if after is not None:
                    start = after + 1
            chosen = matching[start:start + page_size]
            records = [self._json(message) for message in chosen]
        kept = [(name, _text(query, name)) for name in _LIST_PARAMS if _text(query, name) is not None]
        if not any(name == "PageSize" for name, _ in kept):
            kept.append(("PageSize", str(page_size)))

        def uri(page_number: int, page_token: str | None = None) -> str:
            extra = [("Page", str(page_number))] + ([("PageToken", page_token)] if page_token else [])
            return f"{path}?{urlencode(kept + extra)}"

        has_more = start + len(chosen) < len(matching)
        return {
            "messages": records,
            "end": start + max(len(chosen) - 1, 0),
            "first_page_uri": uri(0),
            "next_page_uri": uri(page + 1, "PA" + chosen[-1].sid) if has_more and chosen else None,
            "page": page,
            "page_size": page_size,
            "previous_page_uri": uri(page - 1) if page > 0 else None,
            "start": start,
            "uri": uri(page, token),
        }

    def _json(self, message: EmulatedMessage) -> dict:
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{message.sid}"
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": message.body,
            "date_created": _rfc2822(message.date_created),
            "date_sent": _rfc2822(message.date_sent),
            "date_updated": _rfc2822(message.date_updated or message.date_created),
            "direction": message.direction,
            "error_code": message.error_code,
            "error_message": message.error_message,
            "from": message.from_,
            "messaging_service_sid": message.messaging_service_sid,
            "num_media": str(len(message.media_urls)),
            "num_segments": str(message.num_segments),
            "price": message.price,
            "price_unit": "USD",
            "sid": message.sid,
            "status": message.status,
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": message.to,
            "uri": f"{uri}.json",
        }

    # ----- Voice: simulation drivers ---------------------------------------------------------------
    def place_call(self, *, voice_url: str, from_: str, to: str, method: str = "POST") -> CallSession:
        """A phone call from ``from_`` to your number ``to``: requests ``voice_url`` as Twilio does and
        follows the TwiML. Returns once the call waits for digits, sits in a conference or has ended."""
        now = datetime.now(UTC)
        call = EmulatedCall(sid=_new_sid("CA"), from_=from_, to=to, direction="inbound", status="ringing",
                            date_created=now)
        session = CallSession(self, call, voice_url)
        with self.lock:
            self.calls[call.sid] = call
            self.call_sessions[call.sid] = session
        self._voice_run(lambda: self._follow(session, voice_url, method.upper(), None, 0))
        return session

    def answer(self, call_sid: str) -> None:
        """The dial-out ``call_sid`` is answered: it rings, is answered and joins its conference."""
        self._voice_run(lambda: self._answer(call_sid))

    def hang_up_participant(self, call_sid: str) -> None:
        """The participant ``call_sid`` (dial-out or caller) hangs up."""
        session = self.call_sessions.get(call_sid)
        if session is not None:
            session.hang_up()
            return
        self._voice_run(lambda: self._hang_up_dial_out(call_sid))

    def fail_participant(self, call_sid: str, *, status: str = "no-answer") -> None:
        """The dial-out ``call_sid`` is never connected: ``no-answer``, ``busy`` or ``failed``."""
        if status not in ("no-answer", "busy", "failed", "canceled"):
            raise ValueError(f"not a final call status for an unanswered call: {status}")
        self._voice_run(lambda: self._fail_dial_out(call_sid, status))

    def end_conference(self, name: str) -> None:
        """Ends the live conference ``name`` as ``Status=completed`` on the REST API does."""
        def end() -> None:
            with self.lock:
                conference = self.conferences.get(name)
                if conference is None or conference.status == "completed":
                    raise KeyError(f"no live conference named {name!r}")
                effects = self._end_locked(conference, "conference-ended-via-api", None,
                                           "conference_ended_via_api")
            self._apply(effects)
        self._voice_run(end)

    def wait_for_voice_callbacks(self, timeout_s: float = 10) -> bool:
        """Blocks until every voice webhook queued so far (also by REST requests) has been sent."""
        with self._voice_changed:
            return self._voice_changed.wait_for(lambda: self._voice_pending == 0, timeout=timeout_s)

    def conference_callbacks(self, name: str | None = None) -> list[dict]:
        """The conference status callbacks sent (for conference ``name`` only, if given)."""
        with self.lock:
            return [entry for entry in self.voice_callbacks if entry["kind"] == "conference"
                    and (name is None or entry["params"].get("FriendlyName") == name)]

    # ----- Voice: the simulation thread ------------------------------------------------------------
    def _voice_run(self, job: Callable[[], object]) -> object:
        """Runs ``job`` on the voice thread and waits for it (and everything it sends)."""
        if threading.current_thread() is self._voice_thread:
            return job()
        box = self._voice_submit(job)
        if not box["done"].wait(self.voice_timeout_s):
            raise TimeoutError("the voice simulation did not finish in time (a webhook handler waiting "
                               "on a simulation driver?)")
        if box["error"] is not None:
            raise box["error"]
        return box["result"]

    def _voice_submit(self, job: Callable[[], object], *, waited: bool = True) -> dict:
        box = {"done": threading.Event(), "result": None, "error": None, "waited": waited}
        with self._voice_changed:
            self._voice_pending += 1
            if self._voice_thread is None:
                self._voice_thread = threading.Thread(target=self._voice_worker, name="twilio-emulator-voice",
                                                      daemon=True)
                self._voice_thread.start()
        self._voice_queue.put((job, box))
        return box

    def _voice_later(self, effects: list[tuple]) -> None:
        """Sends ``effects`` from the voice thread without waiting (what REST requests cause)."""
        if effects:
            self._voice_submit(lambda: self._apply(effects), waited=False)

    def _voice_worker(self) -> None:
        try:
            while True:
                item = self._voice_queue.get()
                if item is None:
                    return
                job, box = item
                try:
                    box["result"] = job()
                except BaseException as error:  # handed to the waiting driver, or kept for inspection
                    box["error"] = error
                    if not box["waited"]:
                        with self.lock:
                            self.voice_errors.append(error)
                finally:
                    box["done"].set()
                    with self._voice_changed:
                        self._voice_pending -= 1
                        if self._voice_pending == 0:
                            self._voice_changed.notify_all()
        finally:
            if self._voice_client is not None:
                self._voice_client.close()
                self._voice_client = None

    def _voice_request(self, kind: str, url: str, method: str, params: dict, **tags) -> tuple[dict, str]:
        """One signed webhook from the voice thread; returns its record and the response text."""
        self._voice_client = self._voice_client or httpx.Client(timeout=10, follow_redirects=False)
        method = method.upper()
        target = url
        if method == "GET":
            target = f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"
            headers = self._webhook_headers(target, {})
        else:
            headers = self._webhook_headers(url, params)
        entry = {"kind": kind, "url": url, "method": method, "params": params, "headers": headers,
                 "status": None, "error": None, **tags}
        text = ""
        try:
            if method == "GET":
                response = self._voice_client.get(target, headers=headers)
            else:
                response = self._voice_client.post(url, data=params, headers=headers)
            entry["status"], text = response.status_code, response.text
        except (httpx.HTTPError, ValueError) as error:
            entry["error"] = repr(error)
        with self.lock:
            self.voice_callbacks.append(entry)
        return entry, text

    def _apply(self, effects: list[tuple]) -> None:
        """Carries out what a state change caused: ("send", kind, url, method, params, tags) webhooks
        and ("resume", session) for callers whose conference ended under them."""
        for effect in effects:
            if effect[0] == "send":
                _, kind, url, method, params, tags = effect
                self._voice_request(kind, url, method, params, **tags)
            else:
                self._resume_after_conference(effect[1])

    # ----- Voice: following TwiML ------------------------------------------------------------------
    def _call_params(self, call: EmulatedCall) -> dict:
        return {
            "AccountSid": self.account_sid, "ApiVersion": API_VERSION, "CallSid": call.sid,
            "CallStatus": call.status, "Called": call.to, "CalledCity": "",
            "CalledCountry": _country(call.to), "CalledState": "", "CalledZip": "", "Caller": call.from_,
            "CallerCity": "",
            "CallerCountry": _country(call.from_), "CallerState": "", "CallerZip": "",
            "Direction": call.direction, "From": call.from_, "FromCity": "",
            "FromCountry": _country(call.from_), "FromState": "", "FromZip": "", "To": call.to, "ToCity": "",
            "ToCountry": _country(call.to), "ToState": "", "ToZip": "",
        }

    def _follow(self, session: CallSession, url: str, method: str, extra: dict | None, depth: int) -> None:
        """Requests a TwiML document for the call and runs it."""
        if session.ended:
            return
        if depth >= _MAX_TWIML_DOCUMENTS:
            self._application_error(session, f"more than {_MAX_TWIML_DOCUMENTS} TwiML documents in a row")
            return
        params = {**self._call_params(session.call), **(extra or {})}
        entry, text = self._voice_request("twiml", url, method, params, call_sid=session.call.sid)
        session.requests.append(entry)
        if entry["error"] is not None or entry["status"] != 200:
            self._application_error(session, f"{method} {url} answered {entry['status'] or entry['error']}")
            return
        try:
            root = ET.fromstring(text)
        except ET.ParseError as error:
            self._application_error(session, f"{url} returned invalid TwiML: {error}")
            return
        session.twiml.append(text)
        if root.tag != "Response":
            self._application_error(session, f"{url} returned <{root.tag}>, not <Response>")
            return
        if session.call.status == "ringing":  # the first TwiML document answers the call
            with self.lock:
                session.call.status = "in-progress"
                session.call.start_time = datetime.now(UTC)
        self._run(session, list(root), url, depth)

    def _run(self, session: CallSession, verbs: list[ET.Element], document_url: str, depth: int) -> None:
        for index, verb in enumerate(verbs):
            rest = verbs[index + 1:]
            if verb.tag in ("Say", "Play", "Pause"):
                session.spoken.append(_spoken(verb))
            elif verb.tag == "Gather":
                session.spoken.extend(_spoken(child) for child in verb
                                      if child.tag in ("Say", "Play", "Pause"))
                action = (verb.get("action") or "").strip()
                num_digits = verb.get("numDigits")
                session.gathering = {
                    "action": urljoin(document_url, action) if action else document_url,
                    "method": (verb.get("method") or "POST").upper(),
                    "input": verb.get("input") or "dtmf",
                    "num_digits": int(num_digits) if num_digits and num_digits.isdigit() else None,
                    "finish_on_key": verb.get("finishOnKey", "#"),
                    "timeout": verb.get("timeout") or "5",
                    "action_on_empty_result": (verb.get("actionOnEmptyResult") or "").lower() == "true",
                }
                session._after_gather = (rest, document_url)
                return
            elif verb.tag == "Redirect":
                target = urljoin(document_url, (verb.text or "").strip())
                self._follow(session, target, (verb.get("method") or "POST").upper(), None, depth + 1)
                return
            elif verb.tag in ("Hangup", "Reject"):
                self._end_call(session, "completed")
                return
            elif verb.tag == "Dial" and verb.find("Conference") is not None:
                self._join_from_twiml(session, verb, verb.find("Conference"), rest, document_url)
                return
            else:
                session.ignored.append(verb.tag)
        self._end_call(session, "completed")  # out of TwiML: Twilio hangs up

    def _press(self, session: CallSession, digits: str) -> None:
        gather = session.gathering
        if session.ended or gather is None or session._after_gather is None:
            raise RuntimeError(f"{session.call.sid} is not waiting for digits")
        if "dtmf" not in gather["input"].split():
            raise RuntimeError(f"the <Gather> of {session.call.sid} does not take DTMF")
        finish = gather["finish_on_key"]
        if finish and finish in digits:
            digits = digits[:digits.index(finish)]
        if gather["num_digits"]:
            digits = digits[:gather["num_digits"]]
        if not digits:
            self._no_input(session)
            return
        session.gathering = session._after_gather = None
        self._follow(session, gather["action"], gather["method"], {"Digits": digits}, 0)

    def _no_input(self, session: CallSession) -> None:
        gather, after = session.gathering, session._after_gather
        if session.ended or gather is None or after is None:
            raise RuntimeError(f"{session.call.sid} is not waiting for digits")
        session.gathering = session._after_gather = None
        if gather["action_on_empty_result"]:
            self._follow(session, gather["action"], gather["method"], None, 0)
        else:
            self._run(session, after[0], after[1], 0)

    def _application_error(self, session: CallSession, reason: str) -> None:
        session.errors.append(reason)
        session.spoken.append(Spoken("Say", _APPLICATION_ERROR, "en-US"))
        self._hang_up_session(session)

    def _end_call(self, session: CallSession, status: str) -> None:
        with self.lock:
            self._finish_call_locked(session.call, status)
        session.gathering = session._after_gather = None

    def _finish_call_locked(self, call: EmulatedCall, status: str) -> list[tuple]:
        if call.end_time is not None:
            return []
        call.status, call.end_time = status, datetime.now(UTC)
        return self._call_event_locked(call, "completed")

    def _hang_up_session(self, session: CallSession) -> None:
        if session.ended:
            return
        effects: list[tuple] = []
        with self.lock:
            found = self._participants.get(session.call.sid)
            session._after_dial = None
            if found is not None and found[1].status in _LIVE:
                effects = self._leave_locked(found[0], found[1], "participant_hung_up", "completed")
            self._finish_call_locked(session.call, "completed")
        session.gathering = session._after_gather = None
        self._apply(effects)

    def _resume_after_conference(self, session: CallSession) -> None:
        """The conference ended under the caller: ``<Dial action>`` or the TwiML after ``<Dial>`` runs."""
        after = session._after_dial
        if session.ended or after is None:
            return
        session._after_dial = None
        dial, rest, document_url = after
        action = (dial.get("action") or "").strip()
        if action:
            self._follow(session, urljoin(document_url, action), (dial.get("method") or "POST").upper(),
                         {"DialCallStatus": "completed"}, 0)
        else:
            self._run(session, rest, document_url, 0)

    def _join_from_twiml(self, session: CallSession, dial: ET.Element, element: ET.Element,
                         rest: list[ET.Element], document_url: str) -> None:
        name = (element.text or "").strip()
        attrs = dict(element.attrib)
        callback = attrs.get("statusCallback")
        now = datetime.now(UTC)
        with self.lock:
            conference = self._conference_for_locked(
                name, urljoin(document_url, callback) if callback else None,
                attrs.get("statusCallbackMethod") or "POST",
                _words(attrs.get("statusCallbackEvent")) or ["start", "end"])
            participant = EmulatedParticipant(
                call_sid=session.call.sid, from_=session.call.from_, to=session.call.to,
                label=attrs.get("participantLabel"), status="connecting", date_created=now, date_updated=now,
                muted=_true(attrs.get("muted"), False), coaching=bool(attrs.get("coach")),
                start_conference_on_enter=_true(attrs.get("startConferenceOnEnter"), True),
                end_conference_on_exit=_true(attrs.get("endConferenceOnExit"), False),
                beep=attrs.get("beep") or "true", params=attrs)
            conference.participants.append(participant)
            self._participants[session.call.sid] = (conference, participant)
            session.call.conference = session.conference = name
            session._after_dial = (dial, rest, document_url)
            effects = self._join_locked(conference, participant)
        self._apply(effects)

    # ----- Voice: dial-outs ------------------------------------------------------------------------
    def _dial_out(self, call_sid: str) -> tuple[EmulatedConference, EmulatedParticipant, EmulatedCall]:
        found = self._participants.get(call_sid)
        call = self.calls.get(call_sid)
        if found is None or call is None or call.direction != "outbound-api":
            raise KeyError(f"no dial-out participant {call_sid}")
        return found[0], found[1], call

    def _answer(self, call_sid: str) -> None:
        with self.lock:
            conference, participant, call = self._dial_out(call_sid)
            if (participant.status not in ("queued", "connecting", "ringing")
                    or conference.status == "completed"):
                raise RuntimeError(f"{call_sid} cannot be answered: participant {participant.status}, "
                                   f"conference {conference.status}")
            call.status = "ringing"
            effects = self._call_event_locked(call, "ringing")
            call.status, call.start_time = "in-progress", datetime.now(UTC)
            effects += self._call_event_locked(call, "answered")
            effects += self._join_locked(conference, participant)
        self._apply(effects)

    def _hang_up_dial_out(self, call_sid: str) -> None:
        with self.lock:
            conference, participant, call = self._dial_out(call_sid)
            if participant.status != "connected":
                raise RuntimeError(f"{call_sid} is not in the conference ({participant.status})")
            effects = self._leave_locked(conference, participant, "participant_hung_up", "completed")
            effects += self._finish_call_locked(call, "completed")
        self._apply(effects)

    def _fail_dial_out(self, call_sid: str, status: str) -> None:
        with self.lock:
            conference, participant, call = self._dial_out(call_sid)
            if participant.status not in ("queued", "connecting", "ringing"):
                raise RuntimeError(f"{call_sid} is already {participant.status}")
            effects = self._leave_locked(conference, participant, "participant_add_failed", status)
            effects += self._finish_call_locked(call, status)
        self._apply(effects)

    # ----- Voice: conference state (callers hold ``lock``) -----------------------------------------
    def _conference_for_locked(self, name: str, callback: str | None, method: str,
                               events: list[str]) -> EmulatedConference:
        """The live conference ``name``, or a new one whose status callback is the creator's."""
        conference = self.conferences.get(name)
        if conference is None or conference.status == "completed":
            now = datetime.now(UTC)
            conference = EmulatedConference(
                sid=_new_sid("CF"), friendly_name=name, status="init", date_created=now, date_updated=now,
                status_callback=callback, status_callback_method=method.upper(),
                status_callback_events=frozenset(events))
            self.conferences[name] = conference
            self._conferences_by_sid[conference.sid] = conference
        return conference

    def _join_locked(self, conference: EmulatedConference, participant: EmulatedParticipant) -> list[tuple]:
        now = datetime.now(UTC)
        participant.status, participant.joined_at, participant.date_updated = "connected", now, now
        conference.anyone_joined = True
        conference.date_updated = now
        effects = self._conference_event_locked(conference, "participant-join", participant)
        if conference.status == "init" and participant.start_conference_on_enter:
            conference.status = "in-progress"
            effects += self._conference_event_locked(conference, "conference-start")
        return effects

    def _leave_locked(self, conference: EmulatedConference, participant: EmulatedParticipant, reason: str,
                      call_status: str) -> list[tuple]:
        """``participant`` leaves (hung up, or never connected); the conference may end with it."""
        now = datetime.now(UTC)
        connected = participant.status == "connected"
        participant.status = "complete" if connected else "failed"
        participant.left_at = participant.date_updated = conference.date_updated = now
        effects: list[tuple] = []
        if connected:
            effects += self._conference_event_locked(conference, "participant-leave", participant,
                                                     ReasonParticipantLeft=reason,
                                                     ParticipantCallStatus=call_status)
        if conference.status == "completed":
            return effects
        if connected and participant.end_conference_on_exit:
            effects += self._end_locked(conference, "participant-with-end-conference-on-exit-left",
                                        participant, "moderator_ended_conference")
        elif not conference.live():
            effects += self._end_locked(conference, "last-participant-left",
                                        participant if connected else None, None)
        return effects

    def _end_locked(self, conference: EmulatedConference, reason: str, ending: EmulatedParticipant | None,
                    participant_reason: str | None) -> list[tuple]:
        """Ends the conference: the others leave (callers resume their TwiML, dial-outs hang up or are
        canceled), then ``conference-end``."""
        now = datetime.now(UTC)
        effects: list[tuple] = []
        resumes: list[tuple] = []
        for participant in conference.live():
            call = self.calls.get(participant.call_sid)
            connected = participant.status == "connected"
            participant.status = "complete" if connected else "failed"
            participant.left_at = participant.date_updated = now
            if connected:
                effects += self._conference_event_locked(conference, "participant-leave", participant,
                                                         ReasonParticipantLeft=participant_reason,
                                                         ParticipantCallStatus="completed")
            session = self.call_sessions.get(participant.call_sid)
            if session is not None:
                resumes.append(("resume", session))
            elif call is not None:
                effects += self._finish_call_locked(call, "completed" if connected else "canceled")
        conference.status, conference.date_updated = "completed", now
        conference.reason_conference_ended = reason
        conference.call_sid_ending_conference = ending.call_sid if ending is not None else None
        if conference.anyone_joined:
            effects += self._conference_event_locked(
                conference, "conference-end", None, ReasonConferenceEnded=reason,
                CallSidEndingConference=ending.call_sid if ending is not None else None,
                ParticipantLabelEndingConference=ending.label if ending is not None else None)
        return effects + resumes

    def _conference_event_locked(self, conference: EmulatedConference, event: str,
                                 participant: EmulatedParticipant | None = None, **extra) -> list[tuple]:
        if (not conference.status_callback
                or _CONFERENCE_EVENTS[event] not in conference.status_callback_events):
            return []
        conference.sequence += 1
        params = {"AccountSid": self.account_sid, "ConferenceSid": conference.sid,
                  "FriendlyName": conference.friendly_name, "SequenceNumber": str(conference.sequence),
                  "StatusCallbackEvent": event, "Timestamp": _rfc2822(datetime.now(UTC))}
        if participant is not None:
            params.update({"CallSid": participant.call_sid, "Coaching": _bool(participant.coaching),
                           "EndConferenceOnExit": _bool(participant.end_conference_on_exit),
                           "Hold": _bool(participant.hold), "Muted": _bool(participant.muted),
                           "StartConferenceOnEnter": _bool(participant.start_conference_on_enter)})
            if participant.label:
                params["ParticipantLabel"] = participant.label
        params.update({name: value for name, value in extra.items() if value is not None})
        return [("send", "conference", conference.status_callback, conference.status_callback_method, params,
                 {"conference_sid": conference.sid, "call_sid": params.get("CallSid")})]

    def _call_event_locked(self, call: EmulatedCall, event: str) -> list[tuple]:
        """A call-progress callback (``initiated``, ``ringing``, ``answered``, ``completed``) if asked for."""
        if not call.status_callback or event not in call.status_callback_events:
            return []
        call.sequence += 1
        params = {"AccountSid": self.account_sid, "ApiVersion": API_VERSION, "CallSid": call.sid,
                  "CallStatus": call.status, "Called": call.to, "Caller": call.from_,
                  "CallbackSource": "call-progress-events", "Direction": call.direction, "From": call.from_,
                  "SequenceNumber": str(call.sequence - 1), "Timestamp": _rfc2822(datetime.now(UTC)),
                  "To": call.to}
        if event == "completed":
            started = call.start_time or call.end_time or call.date_created
            seconds = str(max(0, int(((call.end_time or started) - started).total_seconds())))
            params["CallDuration"] = params["Duration"] = seconds
        return [("send", "call-status", call.status_callback, call.status_callback_method, params,
                 {"call_sid": call.sid})]

    # ----- Voice: REST -----------------------------------------------------------------------------
    def _route_voice(self, method: str, path: str, match: re.Match, record: dict) -> tuple[int, dict]:
        reference = unquote(match.group("conference")) if match.group("conference") else None
        if reference is None:
            if method == "GET":
                return 200, self._list_conferences(path, record["query"])
        elif match.group("participants") is None:
            if method == "GET":
                with self.lock:
                    return 200, self._conference_json(self._conference_locked(reference, path, by_name=False))
            if method == "POST":
                return 200, self._update_conference(reference, path, record)
        elif match.group("call") is None:
            if method == "POST":
                return 201, self._create_participant(reference, path, record)
            if method == "GET":
                return 200, self._list_participants(reference, path, record["query"])
        elif method == "GET":
            call = unquote(match.group("call"))
            with self.lock:
                conference = self._conference_locked(reference, path, by_name=True)
                for participant in conference.live():
                    if call in (participant.call_sid, participant.label):
                        return 200, self._participant_json(conference, participant)
            raise _ApiError(404, 20404, f"The requested resource {path} was not found")
        raise _ApiError(405, 20004, "Method not allowed")

    def _conference_locked(self, reference: str, path: str, *, by_name: bool) -> EmulatedConference:
        conference = self._conferences_by_sid.get(reference)
        if conference is None and by_name and not _CONFERENCE_SID.match(reference):
            conference = self.conferences.get(reference)
        if conference is None:
            raise _ApiError(404, 20404, f"The requested resource {path} was not found")
        return conference

    def _create_participant(self, reference: str, path: str, record: dict) -> dict:
        params = record["params"]
        ignored = sorted(name for name in params if name not in _PARTICIPANT_PARAMS)
        if ignored:
            record["ignored_params"] = ignored
        to, from_ = _text(params, "To"), _text(params, "From")
        self._inject_fault(to)
        if to is None:
            raise _ApiError(400, 21604)
        if from_ is None:
            raise _ApiError(400, 21603)
        if not _VOICE_ENDPOINT.match(to):
            raise _ApiError(400, 21211)
        if not _VOICE_ENDPOINT.match(from_):
            raise _ApiError(400, 21212)
        try:
            timeout = int(_text(params, "Timeout") or 60)
        except ValueError:
            raise _ApiError(400, 20001, "Invalid Timeout") from None
        if not 5 <= timeout <= 600:
            raise _ApiError(400, 20001, f"Timeout must be between 5 and 600, not {timeout}")
        beep = _text(params, "Beep") or "true"
        if beep not in ("true", "false", "onEnter", "onExit"):
            raise _ApiError(400, 20001, f"Invalid Beep: {beep}")
        callback = _text(params, "ConferenceStatusCallback")
        now = datetime.now(UTC)
        with self.lock:
            if to in self._invalid:
                raise _ApiError(400, self._invalid[to])
            if _CONFERENCE_SID.match(reference):
                conference = self._conference_locked(reference, path, by_name=False)
                if conference.status == "completed":
                    raise _ApiError(400, 20001, f"Conference {reference} is completed")
            else:
                conference = self._conference_for_locked(
                    reference, callback, _text(params, "ConferenceStatusCallbackMethod") or "POST",
                    _words(params.get("ConferenceStatusCallbackEvent")) or ["start", "end"])
            call = EmulatedCall(
                sid=_new_sid("CA"), from_=from_, to=to, direction="outbound-api", status="initiated",
                date_created=now, conference=conference.friendly_name,
                status_callback=_text(params, "StatusCallback"),
                status_callback_method=(_text(params, "StatusCallbackMethod") or "POST").upper(),
                status_callback_events=frozenset(_words(params.get("StatusCallbackEvent")) or ["completed"]))
            participant = EmulatedParticipant(
                call_sid=call.sid, from_=from_, to=to, label=_text(params, "Label"), status="queued",
                date_created=now, date_updated=now, muted=_true(_text(params, "Muted"), False),
                coaching=_true(_text(params, "Coaching"), False),
                start_conference_on_enter=_true(_text(params, "StartConferenceOnEnter"), True),
                end_conference_on_exit=_true(_text(params, "EndConferenceOnExit"), False), beep=beep,
                queue_time="0", params=params)
            conference.participants.append(participant)
            conference.date_updated = now
            self.calls[call.sid] = call
            self._participants[call.sid] = (conference, participant)
            payload = self._participant_json(conference, participant, created=True)
            effects = self._call_event_locked(call, "initiated")
        self._voice_later(effects)
        return payload

    def _update_conference(self, reference: str, path: str, record: dict) -> dict:
        params = record["params"]
        status = _text(params, "Status")
        ignored = sorted(name for name in params if name != "Status")  # AnnounceUrl/-Method: not simulated
        if ignored:
            record["ignored_params"] = ignored
        if status not in (None, "completed"):
            raise _ApiError(400, 20001, f"Invalid Status: {status}")
        with self.lock:
            conference = self._conference_locked(reference, path, by_name=False)
            effects: list[tuple] = []
            if status == "completed" and conference.status != "completed":
                effects = self._end_locked(conference, "conference-ended-via-api", None,
                                           "conference_ended_via_api")
            payload = self._conference_json(conference)
        self._voice_later(effects)
        return payload

    def _list_conferences(self, path: str, query: dict) -> dict:
        filters = []
        for name in _CONFERENCE_LIST_PARAMS[2:-1]:
            value = _text(query, name)
            if value is None:
                continue
            try:
                moment, _ = _date_filter(value)
            except ValueError:
                raise _ApiError(400, 20001, f"Invalid {name}: {value}") from None
            filters.append(("date_created" if name.startswith("DateCreated") else "date_updated",
                            name[-1] if name[-1] in "<>" else "=", moment.date()))
        friendly_name, status = _text(query, "FriendlyName"), _text(query, "Status")

        def wanted(conference: EmulatedConference) -> bool:
            if (friendly_name is not None and conference.friendly_name != friendly_name) or (
                    status is not None and conference.status != status):
                return False
            for attribute, operator, day in filters:
                value = getattr(conference, attribute).date()
                if (operator == "=" and value != day) or (operator == "<" and value > day) or (
                        operator == ">" and value < day):
                    return False
            return True

        with self.lock:
            records = [self._conference_json(conference)
                       for conference in reversed(self._conferences_by_sid.values()) if wanted(conference)]
        return _page(path, query, "conferences", records, _CONFERENCE_LIST_PARAMS)

    def _list_participants(self, reference: str, path: str, query: dict) -> dict:
        flags = {name: _text(query, name).lower() == "true" for name in ("Muted", "Hold", "Coaching")
                 if _text(query, name) is not None}
        with self.lock:
            conference = self._conference_locked(reference, path, by_name=True)
            records = [self._participant_json(conference, participant) for participant in conference.live()
                       if all(getattr(participant, name.lower()) == value for name, value in flags.items())]
        return _page(path, query, "participants", records, _PARTICIPANT_LIST_PARAMS)

    def _conference_json(self, conference: EmulatedConference) -> dict:
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Conferences/{conference.sid}"
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "call_sid_ending_conference": conference.call_sid_ending_conference,
            "date_created": _rfc2822(conference.date_created),
            "date_updated": _rfc2822(conference.date_updated),
            "friendly_name": conference.friendly_name,
            "reason_conference_ended": conference.reason_conference_ended,
            "region": "us1",
            "sid": conference.sid,
            "status": conference.status,
            "subresource_uris": {"participants": f"{uri}/Participants.json",
                                 "recordings": f"{uri}/Recordings.json"},
            "uri": f"{uri}.json",
        }

    def _participant_json(self, conference: EmulatedConference, participant: EmulatedParticipant, *,
                          created: bool = False) -> dict:
        return {
            "account_sid": self.account_sid,
            "call_sid": participant.call_sid,
            "call_sid_to_coach": None,
            "coaching": participant.coaching,
            "conference_sid": conference.sid,
            "date_created": _rfc2822(participant.date_created),
            "date_updated": _rfc2822(participant.date_updated),
            "end_conference_on_exit": participant.end_conference_on_exit,
            "hold": participant.hold,
            "label": participant.label,
            "muted": participant.muted,
            "queue_time": participant.queue_time if created else None,
            "start_conference_on_enter": participant.start_conference_on_enter,
            "status": participant.status,
            "uri": f"/{API_VERSION}/Accounts/{self.account_sid}/Conferences/{conference.sid}/Participants/"
                   f"{participant.call_sid}.json",
        }

    # ----- status callbacks ----------------------------------------------------------------------
    def _callback_worker(self) -> None:
        client: httpx.Client | None = None  # made on first use: an idle emulator starts and stops fast
        try:
            while True:
                message = self._callback_queue.get()
                if message is None:
                    return
                try:
                    client = client or httpx.Client(timeout=10, follow_redirects=False)
                    for status in self._statuses(message):
                        self._deliver(client, message, status)
                finally:
                    with self._pending_changed:
                        self._pending -= 1
                        if self._pending == 0:
                            self._pending_changed.notify_all()
        finally:
            if client is not None:
                client.close()

    def _statuses(self, message: EmulatedMessage) -> list[str]:
        code = self._undeliverable.get(message.to)
        if code is None:
            return ["sent", "delivered"]
        return ["failed"] if code in _FAILED_CODES else ["sent", "undelivered"]

    def _deliver(self, client: httpx.Client, message: EmulatedMessage, status: str) -> None:
        with self.lock:
            message.status = message_status = status
            message.date_updated = datetime.now(UTC)
            if status == "sent":
                message.price = f"-{float(_PRICE_PER_SEGMENT) * message.num_segments:.5f}"
            if status in ("undelivered", "failed"):
                message.error_code = self._undeliverable.get(message.to, 30008)
                message.error_message = _ERROR_MESSAGES.get(message.error_code)
            error_code = message.error_code
        params = {"MessageSid": message.sid, "SmsSid": message.sid, "MessageStatus": message_status,
                  "SmsStatus": message_status, "AccountSid": self.account_sid,
                  "From": message.from_ or "", "To": message.to, "ApiVersion": API_VERSION}
        if message.messaging_service_sid:
            params["MessagingServiceSid"] = message.messaging_service_sid
        if status in ("undelivered", "failed") and error_code is not None:
            params["ErrorCode"] = str(error_code)
        url = message.status_callback
        headers = self._webhook_headers(url, params)
        entry = {"url": url, "params": params, "headers": headers, "status": None, "error": None,
                 "message_sid": message.sid}
        try:
            entry["status"] = client.post(url, data=params, headers=headers).status_code
        except (httpx.HTTPError, ValueError) as error:  # Twilio does not retry status callbacks
            entry["error"] = repr(error)
        with self.lock:
            self.callbacks.append(entry)

    def _webhook_headers(self, url: str, params: dict) -> dict:
        return {"X-Twilio-Signature": self._validator.compute_signature(url, params),
                "User-Agent": "TwilioProxy/1.1",
                "I-Twilio-Idempotency-Token": str(uuid.uuid4())}


def _country(number: str) -> str:
    return "US" if number.startswith("+1") else ""


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _true(value: str | None, default: bool) -> bool:
    """A TwiML or form boolean ("true"/"false", any case); ``default`` when absent."""
    return default if value is None or value == "" else value.strip().lower() == "true"


def _words(value) -> list[str]:
    """Event lists: repeated form fields and/or space- or comma-separated values."""
    values = value if isinstance(value, list) else [value] if value else []
    return [word for item in values for word in item.replace(",", " ").split()]


def _spoken(element: ET.Element) -> Spoken:
    if element.tag == "Pause":
        return Spoken("Pause", element.get("length") or "1")
    return Spoken(element.tag, "".join(element.itertext()).strip(), element.get("language"),
                  element.get("voice"))


def _page(path: str, query: dict, key: str, records: list[dict], list_params: tuple[str, ...]) -> dict:
    """A page of ``records`` (already filtered and ordered) in Twilio's list envelope."""
    try:
        page_size = max(1, min(1000, int(_text(query, "PageSize") or 50)))
        page = max(0, int(_text(query, "Page") or 0))
    except ValueError:
        raise _ApiError(400, 20001, "Invalid PageSize or Page") from None
    kept = [(name, _text(query, name)) for name in list_params if _text(query, name) is not None]
    if not any(name == "PageSize" for name, _ in kept):
        kept.append(("PageSize", str(page_size)))

    def uri(page_number: int) -> str:
        return f"{path}?{urlencode([*kept, ('Page', str(page_number))])}"

    start = page * page_size
    chosen = records[start:start + page_size]
    return {
        key: chosen,
        "end": start + max(len(chosen) - 1, 0),
        "first_page_uri": uri(0),
        "next_page_uri": uri(page + 1) if start + len(chosen) < len(records) else None,
        "page": page,
        "page_size": page_size,
        "previous_page_uri": uri(page - 1) if page > 0 else None,
        "start": start,
        "uri": uri(page),
    }
