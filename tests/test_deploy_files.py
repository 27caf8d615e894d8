"""What the container files run, tested here (this machine has no container daemon): every
command in ``compose.yaml`` and the ``Dockerfile`` is a real ``coordbot`` command with valid
flags, the image runs as a user of its own with a health check on the port it serves, and the
package the Dockerfile installs carries its migrations and catalogs."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import typer
import yaml
from typer._click.exceptions import UsageError  # the click that Typer ships and parses with
from typer.main import get_command

from bot.cli import app

ROOT = Path(__file__).resolve().parents[1]


def parses(argv: list[str]) -> typer.Context:
    """The context the CLI builds for the command ``coordbot ARGV`` names; raises
    ``UsageError`` for a command or a flag that does not exist."""
    command = get_command(app)
    context = typer.Context(command, info_name="coordbot")
    args = list(argv)
    while hasattr(command, "get_command"):  # a command group
        if not args:
            raise UsageError("a command group without a command")
        name, *args = args
        command = command.get_command(context, name)
        if command is None:
            raise UsageError(f"no such command {name!r}")
        context = typer.Context(command, info_name=name, parent=context)
    return command.make_context(context.info_name, args, parent=context.parent)


def test_a_wrong_command_or_flag_is_refused():
    with pytest.raises(UsageError):
        parses(["serve", "--no-such-flag"])
    with pytest.raises(UsageError):
        parses(["db", "migrate"])


def dockerfile() -> dict[str, str]:
    """The Dockerfile's instructions (the last of each kind), continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    found = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, rest = line.strip().partition(" ")
            found[keyword.upper()] = rest.strip()
    return found


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def coordbot_services() -> dict[str, dict]:
    services = compose()["services"]
    return {name: service for name, service in services.items() if service.get("build") == "."}


def test_every_compose_command_is_a_real_coordbot_command():
    services = coordbot_services()
    assert {"migrate", "web", "worker", "worker-standby"} <= set(services)
    for name, service in services.items():
        context = parses(service["command"])
        assert context.command.name in {"serve", "worker", "upgrade"}, name


def test_compose_runs_the_processes_the_deployment_needs():
    services = coordbot_services()
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["web"]["deploy"]["replicas"] == 2
    assert parses(services["web"]["command"]).params["scheduler"] is False
    schedulers = [n for n, s in services.items() if s["command"][0] == "worker"
                  and parses(s["command"]).params["scheduler"]]
    assert sorted(schedulers) == ["worker", "worker-standby"]
    for name in ("web", "worker", "worker-standby"):
        assert services[name]["depends_on"]["migrate"]["condition"] == \
            "service_completed_successfully", name


def test_only_the_migration_job_changes_the_schema():
    """The long-running processes start on the schema the job left (never ``--upgrade``), so
    replicas starting together never race to migrate."""
    for name, service in coordbot_services().items():
        context = parses(service["command"])
        if context.command.name != "upgrade":
            assert context.params["upgrade"] is False, name


def test_the_workers_serve_metrics_where_their_health_check_looks():
    services = coordbot_services()
    for name in ("worker", "worker-standby"):
        port = parses(services[name]["command"]).params["metrics_port"]
        assert port is not None, name
        probe = " ".join(services[name]["healthcheck"]["test"])
        assert f"http://127.0.0.1:{port}/metrics" in probe, name
        assert services[name]["environment"]["COORDBOT_HEALTH__METRICS_HOST"] == "0.0.0.0"


def test_every_services_environment_is_valid_settings(monkeypatch):
    from bot.config import load_settings

    for name, service in coordbot_services().items():
        environment = {k: v for k, v in service["environment"].items()
                       if k != "COORDBOT_SECRETS_DIR"}  # /run/secrets exists in the container
        with monkeypatch.context() as patched:
            for key, value in environment.items():
                patched.setenv(key, str(value))
            settings = load_settings(ROOT / "config.example.toml")
        assert settings.log_format == "json", name


def test_secrets_are_files_named_after_the_settings_they_fill():
    spec = compose()
    declared = set(spec["secrets"])
    for name, service in coordbot_services().items():
        assert service["environment"]["COORDBOT_SECRETS_DIR"] == "/run/secrets", name
        for secret in service["secrets"]:
            assert secret in declared
            section, _, field = secret.removeprefix("coordbot_").partition("__")
            from bot.config import Settings

            model = Settings.model_fields[section].annotation
            assert field in model.model_fields, secret
    for name, service in spec["services"].items():  # no secret values in the file itself
        for key in service.get("environment", {}):
            assert not key.endswith(("TOKEN", "SECRET", "PASSWORD", "URL")), (name, key)
    assert "xoxb-" not in (ROOT / "compose.yaml").read_text()


def test_the_image_runs_coordbot_as_its_own_user_with_a_health_check():
    found = dockerfile()
    assert found["FROM"].startswith("python:3.11-slim")
    assert found["USER"] not in ("root", "0")
    assert json.loads(found["ENTRYPOINT"]) == ["coordbot"]
    default = json.loads(found["CMD"])
    context = parses(default)
    assert context.command.name == "serve"
    port = str(context.params["port"])
    health = " ".join(json.loads(found["HEALTHCHECK"].split("CMD", 1)[1].strip()))
    assert f"127.0.0.1:{port}/healthz" in health
    assert port in found["EXPOSE"].split()
    assert "pip install ." in found["RUN"]


def test_every_copied_path_exists_and_holds_the_package():
    copies = [line.split()[1:-1] for line in (ROOT / "Dockerfile").read_text().splitlines()
              if line.startswith("COPY ")]
    for sources in copies:
        for source in sources:
            assert (ROOT / source).exists(), source
    copied = {source for sources in copies for source in sources}
    assert {"bot", "handlers", "schedules", "pyproject.toml"} <= copied


@pytest.mark.timeout(300)
def test_the_installed_package_carries_its_migrations_and_catalogs(tmp_path):
    """What ``pip install .`` puts in the image: a wheel built from the repository, offline."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                    "--quiet", "--wheel-dir", str(tmp_path), str(ROOT)], check=True,
                   capture_output=True, timeout=280)
    [wheel] = tmp_path.glob("coordbot-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for source in (ROOT / "bot").rglob("*"):
        if source.is_file() and source.suffix in {".toml", ".mako", ".py"} \
                and "__pycache__" not in source.parts:
            assert source.relative_to(ROOT).as_posix() in names, source
    assert any(name.endswith("entry_points.txt") for name in names)
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "coordbot = bot.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()
    assert shlex.split("coordbot --help")  # the image's build step runs this
