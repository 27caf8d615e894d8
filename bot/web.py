"""The ASGI app: Slack events (Bolt), health check; the Twilio routes join here later."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.bootstrap import Container
from bot.dispatch.process import CommandProcess

log = logging.getLogger(__name__)
# Fewer, cheaper young-generation passes under load (the default first threshold is 700).
GC_THRESHOLDS = (20_000, 20, 20)
# The notes page's link carries its token: keep it out of caches, referrers and search engines.
NOTES_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
                 "X-Robots-Tag": "noindex", "X-Content-Type-Options": "nosniff",
                 "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}


def create_app(container: Container, *, run_worker: bool = True,
               run_scheduler: bool = True) -> Starlette:
    from handlers.slack import build_app
    from handlers.twilio import sms as twilio_sms
    from handlers.twilio import voice as twilio_voice

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

    async def calendar(request: Request) -> Response:
        body = await asyncio.to_thread(_calendar, container, request.path_params["call_id"],
                                       request.query_params.get("t", ""))
        if body is None:
            return PlainTextResponse("not found", status_code=404)
        return Response(body, media_type="text/calendar; charset=utf-8")

    async def notes_page(request: Request) -> Response:
        status, body = await asyncio.to_thread(
            _notes_page, container, request.path_params["notes_id"],
            request.query_params.get("e", ""), request.query_params.get("t", ""))
        if status != 200:
            return PlainTextResponse(body, status_code=status, headers=NOTES_HEADERS)
        return HTMLResponse(body, headers=NOTES_HEADERS)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await asyncio.to_thread(runner.start)
        # Start-up objects (SQLAlchemy, Bolt, pydantic …) never die: keep them out of the
        # garbage collector's full passes, which would otherwise pause request handling.
        gc.collect()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)
        yield
        await asyncio.to_thread(runner.stop)
        await asyncio.to_thread(container.stop)

    return Starlette(
        routes=[Route("/slack/events", slack_events, methods=["POST"]),
                Route("/healthz", healthz, methods=["GET"]),
                *twilio_sms.routes(container), *twilio_voice.routes(container),
                Route("/calls/{call_id:int}.ics", calendar, methods=["GET"]),
                Route("/notes/{notes_id:int}", notes_page, methods=["GET"])],
        lifespan=lifespan,
    )


def _calendar(container: Container, call_id: int, token: str) -> bytes | None:
    from bot.access.links import valid_token
    from bot.calls import text as call_text

    if not valid_token(container.settings, f"call:{call_id}", token):
        return None
    with container.db.unit_of_work(read_only=True) as uow:
        call = uow.calls.get(call_id)
        if call is None:
            return None
        incident = uow.incidents.get(call.incident_id)
        return call_text.ics(call, incident, container.settings.calls.dial_in_number)


def _notes_page(container: Container, notes_id: int, expires: str, token: str) -> tuple[int, str]:
    """(200, the notes' latest version as HTML), 404 for a bad link, 410 for an expired one."""
    from bot.access import links
    from bot.notes import html as notes_html
    from bot.notes.service import review as notes_review

    subject = f"notes:{notes_id}"
    if not expires.isdigit() or not links.signed_expiring(container.settings, subject,
                                                          int(expires), token):
        return 404, "not found"
    if not links.valid_expiring(container.settings, subject, int(expires), token,
                                now=container.clock.now()):
        return 410, ("This link to call notes has expired. Run `/incident notes` in the review "
                     "channel for a fresh one.")
    with container.db.unit_of_work(read_only=True) as uow:
        notes = uow.notes.get(notes_id)
        if notes is None:
            return 404, "not found"
        title, parts = notes_review.document(uow, [notes], settings=container.settings,
                                             one_call=True)
    return 200, notes_html.page(title, parts, zone=container.settings.timezone)
