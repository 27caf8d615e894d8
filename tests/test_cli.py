"""The installed ``coordbot`` command: help, and ``serve`` answering its health check."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bot.sandbox.server import free_port

COORDBOT = Path(sys.executable).with_name("coordbot")


def test_help_lists_the_commands():
    result = subprocess.run([str(COORDBOT), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for command in ("serve", "worker", "demo", "db"):
        assert command in result.stdout


def test_serve_without_slack_credentials_explains_and_exits_2(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("COORDBOT_")}
    result = subprocess.run([str(COORDBOT), "serve"], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert "slack.bot_token, slack.signing_secret: required" in result.stderr


def test_serve_answers_healthz(database_url, tmp_path):
    port = free_port()
    env = {**os.environ, "COORDBOT_DATABASE__URL": database_url,
           "COORDBOT_SLACK__BOT_TOKEN": "xoxb-cli", "COORDBOT_SLACK__SIGNING_SECRET": "cli-secret",
           "COORDBOT_SLACK__API_BASE_URL": "http://127.0.0.1:9/api/"}
    process = subprocess.Popen([str(COORDBOT), "serve", "--port", str(port)], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "coordbot serve did not start"
                time.sleep(0.1)
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok"}
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
