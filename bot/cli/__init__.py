"""``coordbot``: serve, worker, demo, db."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import ConfigOption, settings_for
from bot.cli.contacts import contacts_app
from bot.cli.notes import notes_app
from bot.cli.outbox import messages_app
from bot.config import ConfigError

app = typer.Typer(help="coordbot: incident-response coordination in Slack and by SMS.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(contacts_app, name="contacts")
app.add_typer(messages_app, name="messages")
app.add_typer(notes_app, name="notes")


def _logging(level: str = "INFO") -> None:
    from bot.bootstrap import quiet_vendor_loggers

    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_vendor_loggers()


@app.command()
def serve(
    config: ConfigOption = None,
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    socket_mode: Annotated[bool, typer.Option(help="Use Slack Socket Mode (no public URL).")] = False,
    worker: Annotated[bool, typer.Option(help="Run the outbox worker in this process.")] = True,
    scheduler: Annotated[bool, typer.Option(
        help="Run the scheduler (reminders, call ends). With several processes on PostgreSQL "
             "exactly one runs it at a time; the others stand by.")] = True,
) -> None:
    """Run the web app (Slack events, health check) and the outbox worker."""
    settings = settings_for(config)
    _logging()
    try:
        settings.require_slack_credentials()
    except ConfigError as error:
        typer.echo(f"coordbot: configuration error: {error}", err=True)
        raise typer.Exit(2) from None
    from bot.bootstrap import bootstrap

    container = bootstrap(settings)
    if socket_mode:
        asyncio.run(_socket_mode(container, worker, scheduler))
        return
    import uvicorn

    from bot.web import create_app

    uvicorn.run(create_app(container, run_worker=worker, run_scheduler=scheduler),
                host=host or settings.server.host,
                port=port if port is not None else settings.server.port, log_level="info")


async def _socket_mode(container, worker: bool, scheduler: bool) -> None:
    from bot.dispatch.process import CommandProcess
    from bot.gateways import slack_socket_mode
    from handlers.slack import build_app

    if container.settings.slack.app_token is None:
        typer.echo("coordbot: configuration error: slack.app_token: required for Socket Mode",
                   err=True)
        raise typer.Exit(2)
    runner = CommandProcess(container.settings, run_outbox=worker, run_scheduler=scheduler)
    runner.start()
    try:
        await slack_socket_mode.serve(build_app(container, runner),
                                      container.settings.slack.app_token.get_secret_value())
    finally:
        runner.stop()
        container.stop()


@app.command("worker")
def run_worker(
    config: ConfigOption = None,
    scheduler: Annotated[bool, typer.Option(
        help="Also run (or stand by for) the scheduler.")] = False,
) -> None:
    """Run only the outbox worker (for a deployment with separate web and worker processes)."""
    import signal
    import threading

    from bot.bootstrap import bootstrap

    settings = settings_for(config)
    _logging()
    container = bootstrap(settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    runner = None
    if scheduler:
        from schedules.runner import SchedulerRunner

        runner = SchedulerRunner(container)
        runner.start()
    try:
        container.worker.run(stop)
    except KeyboardInterrupt:
        stop.set()
    finally:
        if runner is not None:
            runner.stop()
        container.stop()


@app.command()
def demo(
    keep: Annotated[Path | None, typer.Option(help="Keep the demo database at this path.")] = None,
) -> None:
    """Run the bot against local Slack emulators and play a coordinator; exits 0 if all worked."""
    from bot.sandbox.demo import run_demo

    _logging("WARNING")
    raise typer.Exit(run_demo(keep_database=keep))


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = None) -> None:
    """Bring the database schema up to date."""
    from bot.db.unit_of_work import Database, redacted

    settings = settings_for(config)
    database = Database(settings.database.url)
    database.upgrade()
    typer.echo(f"database schema is up to date ({redacted(settings.database.url)})")


def main() -> None:
    try:
        app()
    except ConfigError as error:
        print(f"coordbot: configuration error: {error}", file=sys.stderr)
        sys.exit(2)
