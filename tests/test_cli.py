"""The installed ``coordbot`` command: its commands and options, and ``serve`` answering its health
check; and the ``bot.cli`` package's rule that command groups share ``common`` alone."""

from __future__ import annotations

import ast
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

import bot.cli
from bot.sandbox.server import free_port
from tests.support.waiting import wait_until

COORDBOT = Path(sys.executable).with_name("coordbot")
GROUPS = {"serve", "db", "demo", "contacts", "outbox", "notes", "deploy", "catalogs", "audit"}


def panel(args: list[str], title: str) -> list[str]:
    """The rows of one box (``Commands``, ``Options``) of ``coordbot ARGS --help``."""
    result = subprocess.run([str(COORDBOT), *args, "--help"], capture_output=True, text=True,
                            timeout=60, env={**os.environ, "COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"╭─ {title} "))
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("╰"))
    return [line.removeprefix("│ ").removesuffix("│").rstrip() for line in lines[start + 1:end]]


def commands(*args: str) -> set[str]:
    """The names in the ``Commands`` box (a wrapped description goes on in an indented row)."""
    return {row.split()[0] for row in panel(list(args), "Commands") if row and row[0] != " "}


def options(*args: str) -> set[str]:
    """Every ``--flag`` named before a row's ``<type>``, ``--no-…`` forms included."""
    return {flag for row in panel(list(args), "Options") if "<" in row
            for flag in re.findall(r"--[\w-]+", row.split("<")[0])}


def test_help_lists_exactly_the_commands():
    assert commands() == {"serve", "worker", "demo", "db", "contacts", "messages", "notes",
                          "deploy", "catalogs", "audit", "retention"}


@pytest.mark.parametrize(("group", "expected"), [
    ("db", {"upgrade"}),
    ("contacts", {"import", "export", "list", "show", "erase"}),
    ("messages", {"list", "retry"}),
    ("notes", {"export", "attach", "amend", "invite"}),
    ("deploy", {"check"}),
    ("catalogs", {"export", "import", "status"}),
    ("audit", {"export", "verify"}),
    ("retention", {"run"}),
])
def test_each_group_lists_exactly_its_commands(group, expected):
    assert commands(group) == expected


def test_serve_and_worker_take_their_flags():
    assert options("serve") == {"--config", "--host", "--port", "--socket-mode", "--no-socket-mode",
                                "--worker", "--no-worker", "--scheduler", "--no-scheduler",
                                "--log-format", "--upgrade", "--help"}
    assert options("worker") == {"--config", "--scheduler", "--no-scheduler", "--log-format",
                                 "--metrics-port", "--upgrade", "--help"}


def cli_imports(path: Path) -> set[str]:
    """The ``bot.cli`` modules that one module imports, at the top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            names.add(node.module or "")
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name for name in names if name == "bot.cli" or name.startswith("bot.cli.")}


def test_command_groups_import_common_and_never_each_other():
    for path in Path(bot.cli.__file__).parent.glob("*.py"):
        if path.stem == "__init__":
            continue
        imported = cli_imports(path)
        assert "bot.cli" not in imported, path.name
        assert not {name.removeprefix("bot.cli.") for name in imported} & GROUPS, path.name
        if path.stem == "common":
            assert not imported


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
    process = subprocess.Popen([str(COORDBOT), "serve", "--upgrade", "--port", str(port)],
                               cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        def answered() -> httpx.Response | None:
            assert process.poll() is None, process.stdout.read()
            try:
                return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            except httpx.TransportError:
                return None

        response = wait_until(answered, timeout_s=60, poll_s=0.1, what="coordbot serve to start")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok", "command_worker": "ok"}
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


@pytest.mark.postgres
def test_schema_upgrades_started_together_take_turns(postgresql_url, tmp_path):
    """Replicas (and a migration job) starting at once all upgrade the same empty schema: each
    waits for the advisory lock, so one creates the tables and the others find them at head."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COORDBOT_")}
    env["COORDBOT_DATABASE__URL"] = postgresql_url
    upgrades = [subprocess.Popen([str(COORDBOT), "db", "upgrade"], cwd=tmp_path, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                for _ in range(3)]
    outputs = [process.communicate(timeout=120)[0] for process in upgrades]
    assert [process.returncode for process in upgrades] == [0, 0, 0], outputs
    assert all("database schema is up to date" in output for output in outputs)
