"""The ASGI app: Slack events (Bolt), health check; the Twilio routes join here later."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .bootstrap import Container
from .command_process import CommandProcess

log = logging.getLogger(__name__)


def create_app(container: Container, *, run_worker: bool = True,
               run_scheduler: bool = True) -> Starlette:
    from handlers.slack import build_app
    from handlers.twilio import sms as twilio_sms

    runner = CommandProcess(container.settings, run_outbox=run_worker,
                            run_scheduler=run_scheduler)
    slack = AsyncSlackRequestHandler(build_app(container, runner))

    async def slack_events(request: Request):
        return await slack.handle(request)

    async def healthz(_: Request) -> JSONResponse:
        try:
            await asyncio.to_thread(container.db.ping)
        except Exception as error:
            log.warning("health check failed: %s", error)
            return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await asyncio.to_thread(runner.start)
        yield
        await asyncio.to_thread(runner.stop)
        await asyncio.to_thread(container.stop)

    return Starlette(
        routes=[Route("/slack/events", slack_events, methods=["POST"]),
                Route("/healthz", healthz, methods=["GET"]),
                *twilio_sms.routes(container)],
        lifespan=lifespan,
    )
