"""``coordbot deploy check``: is this configuration fit to run for real?

A configuration that works against the emulators can still fail an office on its first day: a
public URL Slack and Twilio cannot reach, a placeholder secret, no Twilio sender, nobody allowed
to coordinate. This reads the settings exactly as ``serve`` would (file, secret files,
environment) and names every such problem; it exits 1 when there is one.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import typer

from bot.cli.common import ConfigOption, read_settings
from bot.config import Settings

deploy_app = typer.Typer(help="Checks before going live.", no_args_is_help=True)

PLACEHOLDER = re.compile(r"change.?me|placeholder|example|xxx|your[-_ ]|<|\.\.\.", re.IGNORECASE)
LOCAL_HOSTS = {"localhost", "127.0.0.1", "0.0.0.0", "::1"}
SLACK_API, TWILIO_API = "https://slack.com/api/", "https://api.twilio.com"
E164 = re.compile(r"^\+[1-9]\d{7,14}$")


def problems_with(settings: Settings) -> tuple[list[str], list[str]]:
    """(problems that stop a real deployment, warnings worth reading), each naming its key."""
    problems: list[str] = []
    warnings: list[str] = []
    url = urlsplit(settings.server.public_base_url)
    if url.scheme != "https" or (url.hostname or "") in LOCAL_HOSTS:
        problems.append("server.public_base_url: must be the public https:// address Slack and "
                        f"Twilio call (now {settings.server.public_base_url})")
    _secret(problems, "slack.bot_token", settings.slack.bot_token, prefix="xoxb-")
    _secret(problems, "slack.signing_secret", settings.slack.signing_secret)
    if settings.slack.api_base_url != SLACK_API:
        problems.append(f"slack.api_base_url: points at {settings.slack.api_base_url}, not Slack")
    if not settings.slack.announcements_channel:
        problems.append("slack.announcements_channel: not set (SMS from unknown numbers and "
                        "incident announcements go there)")
    if not settings.roles.coordinators:
        problems.append("roles.coordinators: nobody may declare incidents or send notices")
    twilio = settings.twilio
    if not (twilio.account_sid or "").startswith("AC") or len(twilio.account_sid or "") != 34:
        problems.append("twilio.account_sid: not a Twilio account SID (AC + 32 characters)")
    _secret(problems, "twilio.auth_token", twilio.auth_token)
    if twilio.messaging_service_sid:
        if not twilio.messaging_service_sid.startswith("MG"):
            problems.append("twilio.messaging_service_sid: not a Messaging Service SID (MG…)")
    elif not E164.match(twilio.from_number or ""):
        problems.append("twilio.from_number or twilio.messaging_service_sid: no SMS sender "
                        "(a registered number in +E.164 form, or a Messaging Service)")
    if twilio.api_base_url != TWILIO_API:
        problems.append(f"twilio.api_base_url: points at {twilio.api_base_url}, not Twilio")
    if settings.sandbox_clock is not None:
        problems.append("sandbox_clock: a demo clock is set; real deployments use real time")
    if settings.database.url.startswith("sqlite"):
        warnings.append("database.url: SQLite runs one host only, and a power loss may roll back "
                        "the last transactions; use PostgreSQL for more than one process")
    return problems, warnings


def _secret(problems: list[str], key: str, value, *, prefix: str = "") -> None:
    text = value.get_secret_value() if value is not None else ""
    if not text:
        problems.append(f"{key}: not set")
    elif PLACEHOLDER.search(text) or not text.startswith(prefix):
        problems.append(f"{key}: looks like a placeholder, not a real secret")


@deploy_app.command("check")
def check(config: ConfigOption = None) -> None:
    """Name every setting that would stop a real deployment; exit 1 if there is one."""
    problems, warnings = problems_with(read_settings(config))
    for line in problems:
        typer.echo(f"✗ {line}")
    for line in warnings:
        typer.echo(f"! {line}")
    if problems:
        typer.echo(f"{len(problems)} problem(s): not ready to go live.")
        raise typer.Exit(1)
    typer.echo("Ready to go live" + (" (read the warnings above)." if warnings else "."))
