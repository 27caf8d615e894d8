"""Settings: TOML file, environment overrides, clear errors, secrets kept secret."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

EXAMPLE = Path(__file__).parents[1] / "config.example.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_the_example_file_is_valid_and_documents_every_section():
    settings = load_settings(EXAMPLE)
    text = EXAMPLE.read_text()
    for section in ("database", "server", "slack", "twilio", "roles", "outbox"):
        assert f"[{section}]" in text
        for key in type(getattr(settings, section)).model_fields:
            assert f"{key} =" in text, f"{section}.{key} is not documented"
    assert settings.database.url.startswith("sqlite")


def test_environment_overrides_the_file(tmp_path, monkeypatch):
    path = write(tmp_path, '[slack]\nbot_token = "xoxb-from-file"\nchannel_prefix = "inc"\n')
    monkeypatch.setenv("COORDBOT_SLACK__BOT_TOKEN", "xoxb-from-env")
    monkeypatch.setenv("COORDBOT_ROLES__COORDINATORS", '["U1", "@leads"]')
    settings = load_settings(path)
    assert settings.slack.bot_token.get_secret_value() == "xoxb-from-env"
    assert settings.slack.channel_prefix == "inc"
    assert settings.roles.coordinators == ["U1", "@leads"]


def test_secrets_never_appear_in_reprs(tmp_path):
    settings = load_settings(write(tmp_path, '[slack]\nsigning_secret = "s3cr3t-value"\n'))
    assert "s3cr3t-value" not in repr(settings) and "s3cr3t-value" not in str(settings.slack)


@pytest.mark.parametrize("text, expected", [
    ('timezone = "Mars/Olympus"', "timezone: Value error, unknown time zone 'Mars/Olympus'"),
    ("[server]\nport = 99999", "server.port: Input should be less than or equal to 65535"),
    ('[slack]\nbot_tokn = "x"', "slack.bot_tokn: unknown key"),
    ("[database\nurl = 1", "not valid TOML"),
])
def test_bad_files_name_the_key_and_the_problem(tmp_path, text, expected):
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, text))
    assert expected in str(caught.value)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.toml")


def test_the_cli_reports_a_bad_file_with_exit_code_2_and_no_traceback(tmp_path):
    path = write(tmp_path, "[server]\nport = 'eighty'\n")
    result = subprocess.run([sys.executable, "-m", "bot", "db", "upgrade", "--config", str(path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "server.port" in result.stderr and "Traceback" not in result.stderr


def test_secrets_come_from_files_in_the_secrets_directory(tmp_path, monkeypatch):
    """Docker and Kubernetes mount secrets as files: one per setting, named after it."""
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "coordbot_slack__bot_token").write_text("xoxb-from-a-file\n")
    (secrets / "coordbot_twilio__auth_token").write_text("twilio-secret")
    config = tmp_path / "config.toml"
    config.write_text('[slack]\nbot_token = "xoxb-placeholder"\nsigning_secret = "s"\n')
    monkeypatch.setenv("COORDBOT_SECRETS_DIR", str(secrets))
    settings = load_settings(config)
    assert settings.slack.bot_token.get_secret_value() == "xoxb-from-a-file"
    assert settings.twilio.auth_token.get_secret_value() == "twilio-secret"
    monkeypatch.setenv("COORDBOT_SLACK__BOT_TOKEN", "xoxb-from-the-environment")
    assert load_settings(config).slack.bot_token.get_secret_value() == "xoxb-from-the-environment"


def test_a_missing_secrets_directory_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("COORDBOT_SECRETS_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(ConfigError, match="COORDBOT_SECRETS_DIR: .*does not exist"):
        load_settings()
