"""The real web app under uvicorn, talking to the Slack emulator, driven by signed requests.

Used by ``coordbot demo`` and by the tests that exercise the product over HTTP.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import SecretStr

from bot.bootstrap import Container, bootstrap
from bot.config import Settings
from bot.web import create_app

from .server import RunningServer, serve_in_thread
from .slack_emulator import SlackEmulator
from .slack_requests import SignedRequest, SlackRequests

SIGNING_SECRET = "sandbox-signing-secret"
BOT_TOKEN = "xoxb-sandbox-token"


def wait_until(predicate: Callable[[], Any], *, timeout_s: float = 10.0, what: str = "") -> Any:
    """Polls a condition the server reaches asynchronously, failing after a deadline."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        time.sleep(0.02)


@dataclass
class Live:
    emulator: SlackEmulator
    container: Container
    server: RunningServer
    requests: SlackRequests
    http: httpx.Client

    def post(self, request: SignedRequest) -> httpx.Response:
        return self.http.post(f"{self.server.url}/slack/events", content=request.body,
                              headers=request.headers)

    def command(self, text: str, *, user: str, channel: str = "CGENERAL1") -> tuple[httpx.Response, str]:
        response_url = self.emulator.new_response_url()
        request = self.requests.command(text, user_id=user, channel_id=channel,
                                        response_url=response_url)
        return self.post(request), response_url

    def responses_to(self, url: str) -> list[dict]:
        return [body for target, body in self.emulator.responses if target == url]

    def wait_response(self, url: str, timeout_s: float = 10.0) -> dict:
        return wait_until(lambda: self.responses_to(url), timeout_s=timeout_s,
                          what=f"a response to {url}")[-1]


@contextmanager
def live_app(settings: Settings, *, coordinators: list[str],
             prepare: Callable[[SlackEmulator], None] | None = None) -> Iterator[Live]:
    """Starts the emulator and the real app wired to it; ``prepare`` seeds the emulator."""
    with SlackEmulator(bot_token=BOT_TOKEN) as emulator:
        if prepare:
            prepare(emulator)
        announcements = emulator.add_channel("incident-announcements")
        configured = settings.model_copy(update={
            "slack": settings.slack.model_copy(update={
                "api_base_url": emulator.base_url, "announcements_channel": announcements.id,
                "bot_token": SecretStr(BOT_TOKEN), "signing_secret": SecretStr(SIGNING_SECRET),
            }),
            "roles": settings.roles.model_copy(update={"coordinators": coordinators}),
        })
        container = bootstrap(configured)
        server = serve_in_thread(create_app(container))
        try:
            with httpx.Client(timeout=10) as http:
                yield Live(emulator, container, server, SlackRequests(SIGNING_SECRET), http)
        finally:
            server.stop()
