"""Runs an ASGI app under uvicorn in a background thread, for the demo, tests and benchmarks."""

from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import dataclass

import uvicorn


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


@dataclass
class RunningServer:
    server: uvicorn.Server
    thread: threading.Thread
    url: str

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


def serve_in_thread(app, *, host: str = "127.0.0.1", port: int | None = None,
                    startup_timeout_s: float = 20.0, access_log: bool = False) -> RunningServer:
    """``access_log``: uvicorn's access lines through the root logger (``log_config=None``), as
    ``coordbot serve`` writes them, for the tests that read what a deployment would log."""
    port = port or free_port(host)
    if access_log:  # an earlier server's dictConfig may have cut uvicorn's loggers off the root
        for name in ("uvicorn", "uvicorn.access", "uvicorn.error"):
            logging.getLogger(name).handlers.clear()
            logging.getLogger(name).propagate = True
    options = {"log_level": "info", "log_config": None} if access_log else {"log_level": "warning"}
    config = uvicorn.Config(app, host=host, port=port, lifespan="on", access_log=access_log,
                            **options)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True, name=f"uvicorn-{port}")
    thread.start()
    deadline = time.monotonic() + startup_timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the web app did not start on {host}:{port}")
        time.sleep(0.02)
    return RunningServer(server, thread, f"http://{host}:{port}")
