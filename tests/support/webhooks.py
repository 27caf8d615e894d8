"""A local webhook endpoint on a free port: records every POST it is sent and answers it.

The Twilio tests point the emulator's callbacks (status, inbound SMS, voice) at it. By default
it answers TwiML ``<Message>ok</Message>``; a subclass answers otherwise by overriding
:meth:`WebhookReceiver.answer` (the voice tests' miniature voice app does).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

TWIML_OK = b'<?xml version="1.0" encoding="UTF-8"?><Response><Message>ok</Message></Response>'


class WebhookReceiver:
    """Each hit is ``{"url", "path", "params", "headers", "signature"}`` (the form-encoded body
    as ``params``; ``signature`` is the ``X-Twilio-Signature`` header)."""

    def __init__(self) -> None:
        self.hits: list[dict] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                params = dict(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
                with receiver.lock:
                    receiver.hits.append({"url": f"{receiver.url}{self.path}", "path": self.path,
                                          "params": params, "headers": dict(self.headers.items()),
                                          "signature": self.headers.get("X-Twilio-Signature")})
                status, body = receiver.answer(self.path, params)
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def answer(self, path: str, params: dict) -> tuple[int, bytes]:
        """(HTTP status, body) for a POST to ``path``."""
        return 200, TWIML_OK

    def requests(self, path: str) -> list[dict]:
        with self.lock:
            return [hit for hit in self.hits if hit["path"] == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
