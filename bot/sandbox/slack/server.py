"""The HTTP side of the emulator: a threaded server, body parsing, auth, faults and routing.

``/api/<method>`` is the Web API: the query string and the body (form-encoded or JSON, as the
SDK sends either) are merged into one dict of parameters, the call is recorded, the bot token
checked (``Authorization: Bearer`` or a legacy ``token`` parameter), an injected fault answered
if one is due, and otherwise the method's handler runs. Every step runs under the workspace
lock, so a request is applied whole; a lost answer is held (to outlast the client's timeout)
and dropped once the lock is released, so that other calls go on meanwhile. Other paths are the
URLs Slack hands out for the app to POST to (response URLs, file uploads), answered in plain
text as Slack does.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import sys
import threading
import time
import traceback
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from . import auth, chat, conversations, files, response_url, users, views
from .faults import Fault, Faults, LostAnswer
from .state import RecordedCall, Workspace
from .wire import SlackError, check

METHODS: dict[str, Callable[[Workspace, dict], dict]] = {
    **auth.METHODS, **conversations.METHODS, **chat.METHODS, **views.METHODS,
    **users.METHODS, **files.METHODS,
}
ROUTES: dict[str, Callable[[Workspace, str, bytes, str], tuple[int, str]]] = {
    "response": response_url.receive,
    "upload": files.receive_upload,
}

Answer = tuple[int, dict, dict]  # HTTP status, JSON body, extra headers


def _json_object(text: str) -> dict | None:
    try:
        decoded = json.loads(text)
    except ValueError:
        return None
    return decoded if isinstance(decoded, dict) else None


def parse_params(query: str, body: bytes, headers) -> tuple[dict, str | None]:
    """The query string merged with the body; and the error a body that is not a JSON object
    gets (answered only once the token is checked, as Slack does)."""
    params: dict = dict(parse_qsl(query, keep_blank_values=True))
    content_type = headers.get_content_type()
    text = body.decode(headers.get_content_charset() or "utf-8", errors="replace")
    if body and content_type == "application/json":
        decoded = _json_object(text)
        if decoded is None:
            return params, "invalid_json"
        params.update(decoded)
    elif body and not content_type.startswith("multipart/"):  # form-urlencoded
        params.update(parse_qsl(text, keep_blank_values=True))
    return params, None


def _recorded(params: dict) -> dict:
    """Parameters as tests compare them: ``blocks`` decoded whether sent as form or JSON."""
    recorded = dict(params)
    if isinstance(recorded.get("blocks"), str):
        with contextlib.suppress(ValueError):
            recorded["blocks"] = json.loads(recorded["blocks"])
    return recorded


def _token(params: dict, headers) -> str | None:
    auth_header = headers.get("Authorization", "")
    if auth_header.lower().startswith("bearer "):
        return auth_header[7:].strip()
    return params.get("token")


def _send(req: BaseHTTPRequestHandler, status: int, content_type: str, body: str,
          headers: dict | None = None) -> None:
    data = body.encode()
    req.send_response(status)
    req.send_header("Content-Type", content_type)
    req.send_header("Content-Length", str(len(data)))
    for name, value in (headers or {}).items():
        req.send_header(name, value)
    req.end_headers()
    req.wfile.write(data)


def _drop(req: BaseHTTPRequestHandler, fault: Fault) -> None:
    """Answers nothing: holds the connection ``hold_s``, then closes it, or resets it (RST
    rather than FIN: linger on, timeout zero) when the fault says so."""
    if fault.hold_s:
        time.sleep(fault.hold_s)
    req.close_connection = True
    if fault.reset:
        with contextlib.suppress(OSError):
            req.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            req.connection.shutdown(socket.SHUT_RDWR)


class _Listener(ThreadingHTTPServer):
    router: SlackServer


class _Handler(BaseHTTPRequestHandler):
    server: _Listener

    def do_POST(self) -> None:
        self.server.router.handle(self)

    do_GET = do_POST

    def log_message(self, *args) -> None:  # keep test output quiet
        pass


class SlackServer:
    """Serves a :class:`Workspace` over HTTP on a background thread."""

    def __init__(self, workspace: Workspace, faults: Faults, *, bot_token: str, host: str,
                 port: int):
        self.workspace, self.faults, self.bot_token = workspace, faults, bot_token
        self.host, self.port = host, port
        self._listener: _Listener | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._listener = _Listener((self.host, self.port), _Handler)
        self._listener.router = self
        self.workspace.serve_at(f"http://{self.host}:{self._listener.server_address[1]}")
        self._thread = threading.Thread(target=self._listener.serve_forever, args=(0.05,),
                                        name="slack-emulator", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.shutdown()
            self._listener.server_close()
            self._thread.join(timeout=5)
            self._listener = self._thread = None
            self.workspace.serve_at("")

    @property
    def thread_id(self) -> int:
        """The OS id of the serving thread; the threads handling requests are started by it."""
        if self._thread is None:
            raise RuntimeError("SlackEmulator is not started")
        return self._thread.native_id

    def handle(self, req: BaseHTTPRequestHandler) -> None:
        url = urlsplit(req.path)
        length = int(req.headers.get("Content-Length") or 0)
        body = req.rfile.read(length)
        if len(body) < length:  # the client went away mid-request: Slack acts on no half request
            req.close_connection = True
            return None
        kind, _, key = url.path.strip("/").partition("/")
        if kind == "api":
            try:
                status, payload, headers = self.call(key, url.query, body, req.headers)
            except LostAnswer as lost:
                return _drop(req, lost.fault)
            return _send(req, status, "application/json; charset=utf-8", json.dumps(payload),
                         headers)
        status, text = self._route(kind, key, req.command, body, url.path)
        _send(req, status, "text/plain", text)

    def _route(self, kind: str, key: str, verb: str, body: bytes, path: str) -> tuple[int, str]:
        receive = ROUTES.get(kind)
        if receive is None or verb != "POST":
            return 404, "not_found"
        with self.workspace.lock:
            return receive(self.workspace, key, body, path)

    def call(self, method: str, query: str, body: bytes, headers) -> Answer:
        """One Web API call, recorded whatever its outcome; raises ``LostAnswer`` when the
        connection is to be dropped instead of answered."""
        params, body_error = parse_params(query, body, headers)
        with self.workspace.lock:
            self.workspace.calls.append(RecordedCall(method, _recorded(params),
                                                     dict(headers.items())))
            return self._answer(method, params, _token(params, headers), body_error)

    def _answer(self, method: str, params: dict, token: str | None,
                body_error: str | None) -> Answer:
        if method not in METHODS:
            return 404, {"ok": False, "error": "unknown_method"}, {}
        if token != self.bot_token:
            return 200, {"ok": False, "error": "invalid_auth" if token else "not_authed"}, {}
        fault = self.faults.take(method)
        if fault is not None and not fault.applied:
            return _lost(fault)
        try:
            check(body_error is None, body_error)
            answer = 200, {"ok": True, **METHODS[method](self.workspace, params)}, {}
        except SlackError as exc:
            if fault is not None:
                self.faults.put_back(method, fault)
            return 200, {"ok": False, "error": exc.args[0]}, {}
        except Exception:  # a bug in the emulator: make it loud, keep serving
            traceback.print_exc(file=sys.stderr)
            return 500, {"ok": False, "error": "fatal_error"}, {}
        return answer if fault is None else _lost(fault)


def _lost(fault: Fault) -> Answer:
    """The fault's answer, or ``LostAnswer`` raised when it drops the connection."""
    if fault.drops:
        raise LostAnswer(fault)
    return fault.answer()
