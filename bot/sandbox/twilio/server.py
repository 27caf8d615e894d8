"""The HTTP side: a threading server with kept-alive connections, a hand-written request parser,
HTTP Basic auth with the account's credentials, and routing to the Messages, Calls and Conferences APIs.

Every request is recorded (``requests``); errors are Twilio's JSON error bodies.
"""

from __future__ import annotations

import base64
import contextlib
import hmac
import json
import socket
import struct
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import calls_api, conference_api, messages, transcriptions
from .callbacks import StatusCallbacks
from .calls_api import CallsApi
from .conference_api import ConferencesApi
from .faults import ConnectionFault, Faults
from .messages import MessagesApi
from .records import EmulatedMessage
from .transcriptions import Transcriptions
from .wire import ApiError, form, http_date, new_sid, not_found

_MAX_LINE = 65536


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
    api: ApiServer  # set on a per-server subclass in ApiServer.start()
    header_items: list[tuple[str, str]]
    header_map: dict[str, str]  # lower-cased names

    def setup(self) -> None:
        super().setup()
        self.api.connection_opened(self.connection)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        self.api.connection_closed(self.connection)

    def handle_one_request(self) -> None:
        try:
            if self._read_request():
                self.api.handle(self)
        except OSError:  # reset by the client, or shut down by stop()
            self.close_connection = True

    def _read_request(self) -> bool:
        line = self.rfile.readline(_MAX_LINE + 1)
        if not line:
            self.close_connection = True
            return False
        words = line.decode("iso-8859-1").split()
        if len(line) > _MAX_LINE or len(words) != 3 or words[2] not in ("HTTP/1.1", "HTTP/1.0"):
            return self.bad_request()
        self.command, self.path, self.request_version = words
        self.requestline = " ".join(words)
        items = []
        while True:
            header = self.rfile.readline(_MAX_LINE + 1)
            if header in (b"\r\n", b"\n", b""):
                break
            name, colon, value = header.decode("iso-8859-1").partition(":")
            if not colon or len(header) > _MAX_LINE or len(items) >= 100:
                return self.bad_request()
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
        """The request's body; raises ``ConnectionResetError`` when the client went away before
        sending all of it (a killed process): Twilio never acts on half a request."""
        if self.header_map.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline(_MAX_LINE).split(b";")[0].strip() or b"0", 16):
                chunks.append(_read_exactly(self.rfile, size))
                self.rfile.readline(_MAX_LINE)
            while self.rfile.readline(_MAX_LINE) not in (b"\r\n", b"\n", b""):  # trailers
                pass
            return b"".join(chunks)
        length = int(self.header_map.get("content-length") or 0)
        return _read_exactly(self.rfile, length) if length > 0 else b""

    def bad_request(self) -> bool:
        self.close_connection = True
        self.wfile.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        return False

    def reply(self, status: int, payload, headers: dict) -> None:
        body = json.dumps(payload).encode() if payload is not None else b""
        lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}",
                 f"Date: {http_date(int(time.time()))}",
                 "Content-Type: application/json; charset=utf-8",
                 f"Content-Length: {len(body)}",
                 f"Twilio-Request-Id: {new_sid('RQ')}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        try:
            self.wfile.write(head + body)  # one write: no Nagle / delayed-ACK stall
        except OSError:
            self.close_connection = True

    def log_message(self, *args) -> None:  # keep test and benchmark output quiet
        pass


def _read_exactly(stream, size: int) -> bytes:
    data = stream.read(size)
    if len(data) < size:
        raise ConnectionResetError(f"the request ended after {len(data)} of {size} bytes")
    return data


def _error_body(code: int, message: str, status: int) -> dict:
    return {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status}


class ApiServer:
    """Serves the REST API under ``/2010-04-01/Accounts/{AccountSid}/``. Shares the emulator's ``lock``."""

    def __init__(self, *, host: str, port: int, account_sid: str, auth_token: str, lock: threading.Lock,
                 faults: Faults, messages_api: MessagesApi, conferences_api: ConferencesApi,
                 status_callbacks: StatusCallbacks, deliver_callbacks: bool,
                 calls_api: CallsApi | None = None,
                 transcriptions: Transcriptions | None = None):
        self.host, self.port = host, port
        self.account_sid, self._auth_token = account_sid, auth_token
        self._expected_auth = "Basic " + base64.b64encode(
            f"{account_sid}:{auth_token}".encode()).decode("ascii")
        self._lock = lock
        self._faults = faults
        self._messages = messages_api
        self._conferences = conferences_api
        self._calls = calls_api
        self._transcriptions = transcriptions
        self._status_callbacks = status_callbacks
        self._deliver_callbacks = deliver_callbacks
        self.requests: list[dict] = []  # every request answered, in order
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def bound_port(self) -> int:
        return self._server.server_address[1]

    def start(self) -> None:
        handler = type("_BoundHandler", (_Handler,), {"api": self})
        self._server = _Server((self.host, self.port), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name="twilio-emulator", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        with self._connections_lock:
            connections, self._connections = list(self._connections), set()
        for connection in connections:  # end kept-alive connections: nothing answers after stop()
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=5)
        self._server = self._thread = None

    @property
    def thread_id(self) -> int:
        """The OS id of the serving thread; the threads handling requests are started by it."""
        if self._thread is None:
            raise RuntimeError("the Twilio emulator is not started")
        return self._thread.native_id

    def connection_opened(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(connection)

    def connection_closed(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    def handle(self, req: _Handler) -> None:
        method = req.command
        path, _, query = req.path.partition("?")
        try:
            raw_body = req.read_body().decode("utf-8", "replace")
        except ValueError:  # a malformed Content-Length or chunk size
            req.bad_request()
            return
        query_params = form(query) if query else {}
        record = {"method": method, "path": path, "query": query_params,
                  "params": form(raw_body) if method == "POST" else query_params,
                  "headers": dict(req.header_items), "status": None, "code": None}
        if self._faults.latency_s:
            time.sleep(self._faults.latency_s)
        queued: EmulatedMessage | None = None
        headers: dict = {}
        try:
            status, payload, queued = self._route(method, path, req.header_map.get("authorization"), record)
        except ConnectionFault as fault:
            self._drop(req, record, fault)
            return
        except ApiError as error:
            status, headers = error.status, error.headers
            record["code"] = error.code
            payload = _error_body(error.code, error.message, error.status)
        except Exception as error:  # a bug here must answer, not hang the SDK until its timeout
            status, record["code"] = 500, 20500
            payload = _error_body(20500, f"emulator error: {error!r}", 500)
        record["status"] = status
        with self._lock:
            self.requests.append(record)
        if queued is not None:
            self._status_callbacks.expect_one()  # counted before the answer: wait_for_callbacks() sees it
        req.reply(status, payload, headers)
        if queued is not None:
            self._status_callbacks.queue(queued)

    def _drop(self, req: _Handler, record: dict, fault: ConnectionFault) -> None:
        """Answers nothing: holds the connection ``hold_s`` (past the client's timeout), then
        resets it. A message accepted first still gets its status callbacks."""
        record["status"], record["dropped"] = None, fault.kind
        with self._lock:
            self.requests.append(record)
        message = fault.message
        if message is not None and message.status_callback and self._deliver_callbacks:
            self._status_callbacks.expect_one()
            self._status_callbacks.queue(message)
        if fault.hold_s:
            time.sleep(fault.hold_s)
        req.close_connection = True
        with contextlib.suppress(OSError):  # RST rather than FIN: linger on, timeout zero
            req.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            req.connection.shutdown(socket.SHUT_RDWR)

    def _route(self, method: str, path: str, authorization: str | None,
               record: dict) -> tuple[int, dict | None, EmulatedMessage | None]:
        """(HTTP status, JSON body, the message whose status callbacks to queue, if any)."""
        match = messages.ROUTE.match(path)
        if not self._authorized(authorization):
            raise ApiError(401, 20003, "Authenticate",
                           headers={"WWW-Authenticate": 'Basic realm="Twilio API"'})
        if match is None and self._transcriptions is not None:
            live = transcriptions.ROUTE.match(path)
            if live is not None and live.group("account") == self.account_sid:
                return (*self._transcriptions.route(method, path, live, record), None)
        if match is None and self._calls is not None:
            calls = calls_api.ROUTE.match(path)
            if calls is not None and calls.group("account") == self.account_sid:
                return (*self._calls.route(method, path, calls, record), None)
        if match is None:
            voice = conference_api.ROUTE.match(path)
            if voice is not None and voice.group("account") == self.account_sid:
                return (*self._conferences.route(method, path, voice, record), None)
        if match is None or match.group(1) != self.account_sid:
            raise not_found(path)
        status, payload, created = self._messages.route(method, match.group(2), path, record)
        wants_callbacks = created is not None and created.status_callback and self._deliver_callbacks
        return status, payload, created if wants_callbacks else None

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
                                                                self._auth_token.encode())
