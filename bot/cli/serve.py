"""``coordbot serve`` and ``coordbot worker``: the long-running processes of a deployment.

``serve`` answers Slack (over HTTP, or Socket Mode where there is no public URL) and by default
also delivers the outbox and runs the scheduler; ``worker`` delivers only, for a deployment that
runs the web and the delivery processes apart.

Both start only on a schema at this release's newest revision: the schema is changed by one
step, ``coordbot db upgrade`` (a release's migration job), not by replicas racing at start. An
old or empty schema is refused with exit 2 unless ``--upgrade`` is given (one host, one process);
a schema a newer release migrated is always refused.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.common import (
    ConfigOption,
    LogFormatOption,
    UpgradeOption,
    config_error,
    fail,
    not_collecting,
    read_settings,
    setup_logging,
    start_container,
    with_log_format,
)
from bot.config import ConfigError

if TYPE_CHECKING:
    from bot.bootstrap import Container


log = logging.getLogger("bot.cli")

def serve(
    config: ConfigOption = None,
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    socket_mode: Annotated[bool, typer.Option(help="Use Slack Socket Mode (no public URL).")] = False,
    worker: Annotated[bool, typer.Option(help="Run the outbox worker in this process.")] = True,
    scheduler: Annotated[bool, typer.Option(
        help="Run the scheduler (reminders, call ends). With several processes on PostgreSQL "
             "exactly one runs it at a time; the others stand by.")] = True,
    log_format: LogFormatOption = None,
    upgrade: UpgradeOption = False,
) -> None:
    """Run the web app (Slack events, Twilio webhooks, health checks, /metrics) and the outbox
    worker.

    With ``--socket-mode`` Slack's events arrive over a WebSocket instead of ``/slack/events``;
    the HTTP server still runs, for Twilio's webhooks, the health checks, /metrics and the
    signed links."""
    not_collecting()
    from bot.observe import multiproc

    # Before anything imports prometheus_client: the worker child's counters reach /metrics.
    multiproc.prepare()
    settings = with_log_format(read_settings(config), log_format)
    setup_logging(json_lines=settings.log_format == "json")
    try:
        settings.require_slack_credentials()
    except ConfigError as error:
        config_error(error)
    if socket_mode and settings.slack.app_token is None:
        fail("configuration error: slack.app_token: required for Socket Mode", code=2)
    container = start_container(settings, upgrade=upgrade)
    import uvicorn

    from bot.web import create_app

    token = settings.slack.app_token.get_secret_value() if socket_mode else None
    uvicorn.run(create_app(container, run_worker=worker, run_scheduler=scheduler,
                           socket_mode_token=token),
                host=host or settings.server.host,
                port=port if port is not None else settings.server.port, log_level="info",
                log_config=None)  # uvicorn's lines go through bot.logs, which hides link tokens


def _serve_metrics(container: Container, port: int) -> None:
    from bot.observe import exposition

    registry = exposition.registry(db=container.db, inbox=container.inbox_db,
                                   clock=container.clock,
                                   lock_key=container.settings.scheduler.lock_key)
    host = container.settings.health.metrics_host
    try:
        exposition.serve(registry, host=host, port=port)
    except OSError as error:
        container.stop()
        fail(f"--metrics-port: cannot listen on {host}:{port}: {error.strerror or error}", code=2)


def _deliver_due(container: Container) -> None:
    """One batch of what is due, sent before the rest of start-up (the gateways' SDKs,
    APScheduler): after a restart, the messages that came due while no worker ran. A failure
    is left to the worker's loop, which retries."""
    try:
        container.worker.drain_once()
    except Exception:
        log.warning("first delivery at start failed; the worker retries",
                                             exc_info=True)


def run_worker(
    config: ConfigOption = None,
    scheduler: Annotated[bool, typer.Option(
        help="Also run (or stand by for) the scheduler.")] = False,
    metrics_port: Annotated[int | None, typer.Option(
        min=0, max=65535, help="Serve Prometheus /metrics on this port (on health.metrics_host).")] = None,
    log_format: LogFormatOption = None,
    upgrade: UpgradeOption = False,
) -> None:
    """Run only the outbox worker (for a deployment with separate web and worker processes)."""
    not_collecting()
    import signal
    import threading

    settings = with_log_format(read_settings(config), log_format)
    setup_logging(json_lines=settings.log_format == "json")
    container = start_container(settings, upgrade=upgrade)
    if metrics_port is not None:
        _serve_metrics(container, metrics_port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    runner = None
    if scheduler:
        from schedules.runner import SchedulerRunner

        runner = SchedulerRunner(container)
        # What came due while no scheduler ran, before anything else: a job, its messages, …
        runner.catch_up(lambda: _deliver_due(container))
    _deliver_due(container)  # (and what a dead worker had claimed)
    container.warm_up()
    if runner is not None:
        runner.start()
    try:
        container.worker.run(stop)
    except KeyboardInterrupt:
        stop.set()
    finally:
        if runner is not None:
            runner.stop()
        container.stop()
