"""``coordbot deploy check`` names what would stop a real deployment, and passes a real one."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app

READY = """
[database]
url = "postgresql+psycopg://coordbot@db.internal:5432/coordbot"

[server]
public_base_url = "https://coordbot.civilrights.example.gov"

[slack]
bot_token = "xoxb-1234567890-abcdefghij"
signing_secret = "8f14e45fceea167a5a36dedd4bea2543"
announcements_channel = "incident-announcements"

[twilio]
account_sid = "AC0123456789abcdef0123456789abcdef"
auth_token = "9c2b8e7d6a5f4e3d2c1b0a9f8e7d6c5b"
messaging_service_sid = "MG0123456789abcdef0123456789abcdef"

[roles]
coordinators = ["U0COORD01"]
"""


def run(tmp_path: Path, text: str):
    config = tmp_path / "config.toml"
    config.write_text(text)
    return CliRunner().invoke(app, ["deploy", "check", "--config", str(config)])


def test_a_real_configuration_is_ready(tmp_path):
    result = run(tmp_path, READY)
    assert result.exit_code == 0, result.output
    assert "Ready to go live." in result.output


def test_the_example_and_emulator_settings_are_named_one_by_one(tmp_path):
    result = run(tmp_path, """
[server]
public_base_url = "http://127.0.0.1:8080"
[slack]
bot_token = "xoxb-change-me"
api_base_url = "http://127.0.0.1:9999/api/"
[twilio]
account_sid = "ACxxx"
from_number = "555-0100"
""")
    assert result.exit_code == 1
    out = result.output
    for key in ("server.public_base_url", "slack.bot_token: looks like a placeholder",
                "slack.signing_secret: not set", "slack.api_base_url: points at",
                "slack.announcements_channel", "roles.coordinators", "twilio.account_sid",
                "twilio.auth_token: not set", "twilio.from_number or twilio.messaging_service_sid"):
        assert key in out, (key, out)
    assert "! database.url: SQLite" in out
    assert "not ready to go live" in out


def test_secret_files_count_as_the_settings_they_fill(tmp_path, monkeypatch):
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "coordbot_slack__signing_secret").write_text("change-me")
    monkeypatch.setenv("COORDBOT_SECRETS_DIR", str(secrets))
    result = run(tmp_path, READY)
    assert result.exit_code == 1
    assert "slack.signing_secret: looks like a placeholder" in result.output
