"""A local OpenAI-compatible chat-completions server on a real socket, for the summariser's
tests: it records each request and answers as the test says (a summary, an HTTP error, a body
that is not JSON, JSON without the fields, or no answer until the test ends)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class ChatServer:
    url: str = ""
    status: int = 200
    body: bytes = b""
    hold: bool = False  # answer nothing until the server stops (a model that never answers)
    requests: list[dict] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)

    def answer(self, content: str | None) -> None:
        self.status, self.hold = 200, False
        self.body = json.dumps({"id": "chatcmpl-1", "object": "chat.completion", "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content},
             "finish_reason": "stop"}]}).encode()


@contextmanager
def chat_server() -> Iterator[ChatServer]:
    server_state = ChatServer()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length", 0))
            server_state.requests.append({"path": self.path, "headers": dict(self.headers),
                                          "json": json.loads(self.rfile.read(length))})
            if server_state.hold:
                server_state.released.wait(10)
                return
            self.send_response(server_state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(server_state.body)))
            self.end_headers()
            self.wfile.write(server_state.body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server_state.url = f"http://127.0.0.1:{server.server_address[1]}/v1/chat/completions"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_state
    finally:
        server_state.released.set()
        server.shutdown()
        server.server_close()
