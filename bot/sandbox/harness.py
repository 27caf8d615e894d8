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
from bot.sandbox.server import RunningServer, free_port, serve_in_thread
from bot.sandbox.slack import SignedRequest, SlackEmulator, SlackRequests
from bot.sandbox.twilio import TwilioEmulator
from bot.web import create_app

SIGNING_SECRET = "sandbox-signing-secret"
BOT_TOKEN = "xoxb-sandbox-token"
SMS_NUMBER = "+12025550100"


def wait_until(predicate: Callable[[], Any], *, timeout_s: float = 10.0, what: str = "",
               describe: Callable[[], str] | None = None, poll_s: float = 0.02) -> Any:
    """Polls a condition reached asynchronously (by a server, a thread or another process) and
    returns its first true value, failing after ``timeout_s``; ``describe`` adds the state seen
    then to the failure (a count, the processes' logs)."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            seen = f"; {describe()}" if describe else ""
            raise AssertionError(f"timed out after {timeout_s:g}s waiting for {what or predicate}{seen}")
        time.sleep(poll_s)


@dataclass
class Live:
    emulator: SlackEmulator
    container: Container
    server: RunningServer
    requests: SlackRequests
    http: httpx.Client
    twilio: TwilioEmulator
    worker: Any = None  # the supervised command worker process (bot.dispatch.process)

    def text_in(self, body: str, *, sender: str) -> httpx.Response:
        """An SMS arriving from ``sender``, posted to the bot as Twilio would (signed)."""
        return self.twilio.send_inbound(webhook_url=f"{self.server.url}/twilio/sms",
                                        from_=sender, to=SMS_NUMBER, body=body)

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
             prepare: Callable[[SlackEmulator], dict | None] | None = None,
             access_log: bool = False) -> Iterator[Live]:
    """Starts both emulators and the real app wired to them.

    ``prepare`` seeds Slack's emulator and may return settings to change by section, e.g.
    ``{"notes": {"review_channel": "C…"}}`` for a channel it created.
    """
    with SlackEmulator(bot_token=BOT_TOKEN) as emulator, TwilioEmulator() as twilio:
        for section, values in ((prepare(emulator) if prepare else None) or {}).items():
            settings = settings.model_copy(update={
                section: getattr(settings, section).model_copy(update=values)})
        announcements = emulator.add_channel("incident-announcements")
        port = free_port()
        configured = settings.model_copy(update={
            "slack": settings.slack.model_copy(update={
                "api_base_url": emulator.base_url, "announcements_channel": announcements.id,
                "bot_token": SecretStr(BOT_TOKEN), "signing_secret": SecretStr(SIGNING_SECRET),
            }),
            "twilio": settings.twilio.model_copy(update={
                "account_sid": twilio.account_sid, "auth_token": SecretStr(twilio.auth_token),
                "api_base_url": twilio.base_url, "from_number": SMS_NUMBER,
                "messaging_service_sid": None,
            }),
            "server": settings.server.model_copy(update={
                "public_base_url": f"http://127.0.0.1:{port}"}),
            "roles": settings.roles.model_copy(update={"coordinators": coordinators}),
        })
        container = bootstrap(configured)
        app = create_app(container)
        server = serve_in_thread(app, port=port, access_log=access_log)
        try:
            with httpx.Client(timeout=10) as http:
                yield Live(emulator, container, server, SlackRequests(SIGNING_SECRET), http,
                           twilio, app.state.command_process)
        finally:
            server.stop()
