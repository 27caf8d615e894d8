"""The ASGI app: Slack events (Bolt), the Twilio webhooks, the health and readiness checks, the
Prometheus metrics, and the signed calendar and notes links."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from slack_bolt.adapter.starlette.async_handler import to_starlette_response
from slack_bolt.async_app import AsyncBoltRequest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot import collector
from bot.bootstrap import Container
from bot.calls.service.calendar import calendar_file
from bot.dispatch.intake import Intake
from bot.dispatch.process import CommandProcess
from bot.gateways import slack_socket_mode
from bot.observe import exposition, readiness
from bot.observe.http import RequestContext
from bot.web_guard import slack_guard

log = logging.getLogger(__name__)


def create_app(container: Container, *, run_worker: bool = True,
               run_scheduler: bool = True, socket_mode_token: str | None = None) -> Starlette:
    """The web app; with ``socket_mode_token``, Slack's events also arrive over Socket Mode,
    and every other route (Twilio, health, links) is served as over HTTP."""
    from handlers import notes_web
    from handlers.slack import build_app
    from handlers.twilio import sms as twilio_sms
    from handlers.twilio import voice as twilio_voice

    runner = CommandProcess(container.settings, run_outbox=run_worker,
                            run_scheduler=run_scheduler)
    intake = Intake(container.inbox_db, container.clock, runner)
    bolt = build_app(container, intake)

    async def slack_events(request: Request, payload: dict, headers: dict[str, str]) -> Response:
        """Bolt gets the payload the guard verified, parsed and cleaned. Bolt's HTTP mode would
        parse the body and check its signature again; a request built as Socket Mode builds them
        (a parsed body, already verified) skips both. A payload whose shape Bolt still cannot
        build a request from is refused, never a 500."""
        try:
            bolt_request = AsyncBoltRequest(body=payload, query=dict(request.query_params),
                                            headers=headers, mode="socket_mode")
        except Exception as error:
            log.info("refused an unreadable Slack payload: %s", type(error).__name__)
            return PlainTextResponse("unreadable request: the payload's shape is unexpected",
                                     status_code=400)
        return to_starlette_response(await bolt.async_dispatch(bolt_request))

    async def healthz(_: Request) -> JSONResponse:
        """200 only when the database answers and the command worker process is alive."""
        body = {"status": "ok", "database": "ok",
                "command_worker": "ok" if runner.alive else "down"}
        try:
            await asyncio.to_thread(container.db.ping)
        except Exception as error:
            log.warning("health check failed: %s", error)
            body["database"] = "unreachable"
        if body["database"] != "ok" or body["command_worker"] != "ok":
            body["status"] = "error"
            return JSONResponse(body, status_code=503)
        return JSONResponse(body)

    async def readyz(_: Request) -> JSONResponse:
        """200 when everything the deployment needs works; else 503 naming what does not."""
        report = await asyncio.to_thread(readiness.check, db=container.db,
                                         settings=container.settings, clock=container.clock,
                                         worker_alive=runner.alive)
        if not report.ready:
            log.warning("not ready: %s", report.body()["problems"])
        return JSONResponse(report.body(), status_code=200 if report.ready else 503)

    metrics_registry = exposition.registry(db=container.db, inbox=container.inbox_db,
                                           clock=container.clock,
                                           lock_key=container.settings.scheduler.lock_key)

    async def metrics(_: Request) -> Response:
        body = await asyncio.to_thread(exposition.render, metrics_registry)
        return Response(body, media_type=exposition.CONTENT_TYPE)

    async def calendar(request: Request) -> Response:
        body = await asyncio.to_thread(calendar_file, container.db, container.settings,
                                       request.path_params["call_id"], _query(request, "t"))
        if body is None:
            return PlainTextResponse("not found", status_code=404)
        return Response(body, media_type="text/calendar; charset=utf-8")

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await asyncio.to_thread(runner.start)
        socket_mode = (asyncio.create_task(slack_socket_mode.connect(bolt, socket_mode_token))
                       if socket_mode_token else None)
        # Start-up objects (SQLAlchemy, Bolt, pydantic …) never die: keep them out of the
        # garbage collector's full passes, which would otherwise pause request handling.
        collector.settle(collect=True)
        yield
        if socket_mode is not None:
            await _stop_socket_mode(socket_mode)
        await asyncio.to_thread(runner.stop)
        await asyncio.to_thread(container.stop)

    app = Starlette(
        routes=[Route("/slack/events", slack_guard(
                    slack_events,
                    signing_secret=container.settings.slack.signing_secret.get_secret_value()),
                      methods=["POST"]),
                Route("/healthz", healthz, methods=["GET"]),
                Route("/readyz", readyz, methods=["GET"]),
                Route("/metrics", metrics, methods=["GET"]),
                *twilio_sms.routes(container), *twilio_voice.routes(container),
                Route("/calls/{call_id:int}.ics", calendar, methods=["GET"]),
                *notes_web.routes(container)],
        lifespan=lifespan,
        middleware=[Middleware(RequestContext)],
    )
    app.state.command_process = runner  # for health checks and the supervision tests
    return app



async def _stop_socket_mode(task: asyncio.Task) -> None:
    if not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return
    if task.exception() is None:
        await slack_socket_mode.close(task.result())


def _query(request: Request, name: str) -> str:
    """A link's query parameter as we write them (short, ASCII); anything else is no value, so
    that a forged link is a 404 like any wrong token (a non-ASCII one made the check raise)."""
    value = request.query_params.get(name, "")
    return value if value.isascii() and len(value) <= 512 else ""
