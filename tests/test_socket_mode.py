"""``coordbot serve --socket-mode`` keeps every HTTP route: Twilio can only call webhooks, so
inbound SMS, status callbacks and the health check must answer even when Slack's events come
over a WebSocket (and even while Slack cannot be reached at all)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from bot.sandbox.server import free_port
from bot.sandbox.slack import SlackEmulator
from tests.conftest import COORDINATOR
from tests.support.hostile import twilio_signature
from tests.support.processes import Worker, clean_env
from tests.support.waiting import wait_until

TWILIO_TOKEN = "socket-mode-twilio-token"


@pytest.fixture
def slack() -> SlackEmulator:
    emulator = SlackEmulator(bot_token="xoxb-socket").start()
    yield emulator
    emulator.stop()


def write_config(path: Path, *, database_url: str, slack: SlackEmulator, port: int) -> Path:
    q = json.dumps
    path.write_text(
        f"[database]\nurl = {q(database_url)}\n\n"
        f"[server]\nhost = \"127.0.0.1\"\nport = {port}\n"
        f"public_base_url = {q(f'http://127.0.0.1:{port}')}\n\n"
        f"[slack]\nbot_token = \"xoxb-socket\"\nsigning_secret = \"s\"\n"
        f"app_token = \"xapp-1-socket\"\napi_base_url = {q(slack.base_url)}\n\n"
        f"[twilio]\naccount_sid = \"AC{'0' * 32}\"\nauth_token = {q(TWILIO_TOKEN)}\n"
        f"from_number = \"+15005550006\"\n\n"
        f"[roles]\ncoordinators = [{q(COORDINATOR)}]\n")
    return path


def test_socket_mode_serves_the_twilio_webhooks_and_health(database_url, slack, tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    config = write_config(tmp_path / "coordbot.toml", database_url=database_url, slack=slack,
                          port=port)
    process = Worker("--config", str(config), "--socket-mode", "--no-scheduler", "--upgrade",
                     command="serve",
                     log_path=tmp_path / "serve.log", env=clean_env())
    try:
        def healthy() -> bool:
            process.check_alive()
            try:
                return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(healthy, timeout_s=60, what="serve --socket-mode to answer /healthz",
                   describe=process.log)
        # The emulator has no Socket Mode: the bot says so and keeps trying, routes still up.
        wait_until(lambda: process.lines_with("Failed to connect"), timeout_s=30,
                   what="the SDK's Socket Mode retry line", describe=process.log)
        params = {"MessageSid": "SM" + "1" * 32, "AccountSid": "AC" + "0" * 32,
                  "From": "+14155550101", "To": "+15005550006", "Body": "STOP"}
        sms_url = f"{url}/twilio/sms"
        response = httpx.post(sms_url, data=params, timeout=10, headers={
            "X-Twilio-Signature": twilio_signature(TWILIO_TOKEN, sms_url, params)})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/xml")
        unsigned = httpx.post(sms_url, data=params, timeout=10)
        assert unsigned.status_code in (401, 403)
        assert process.alive
    finally:
        process.terminate()
