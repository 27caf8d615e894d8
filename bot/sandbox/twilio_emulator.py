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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import format_datetime, formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote_plus, urlencode

import httpx
from twilio.request_validator import RequestValidator

API_VERSION = "2010-04-01"
_ROUTE = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Messages(?:/([^/]+))?\.json$")
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
# Error codes after which Twilio reports "failed" (never handed to a carrier) rather than
# "undelivered" (handed over, then not delivered).
_FAILED_CODES = frozenset({30001, 30002, 30032, 30034, 30036})
_ERROR_MESSAGES = {
    21211: "Invalid 'To' Phone Number",
    21212: "Invalid 'From' Phone Number",
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
        """The next ``count`` message creates (to ``to`` only, if given) fail with this error."""
        if count > 0:
            with self.lock:
                self._faults.append({"remaining": count, "status": status, "code": code,
                                     "message": message, "to": to})

    def set_fault_rate(self, fraction: float, *, status: int = 500, code: int = 20500,
                       seed: int = 0) -> None:
        """A seeded random ``fraction`` of message creates fail with this error (0 turns it off)."""
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
