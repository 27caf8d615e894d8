"""``/notes/{id}`` (the signed read-only page) and ``/notes/{id}/review`` (the officials' web
review: sign in with a one-time code, then Approve, Request changes, Edit). Thin: read the form
or the cookie, call ``bot.notes.service``, write its reply with the headers every notes page has.

The session cookie is ``HttpOnly``, ``Secure``, ``SameSite=Strict``, scoped to the notes'
review path and as short-lived as the session. Forms are read as URL-encoded bodies of at most
``MAX_FORM`` bytes; a larger or unreadable one is a 400 that says so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.bootstrap import Container
from bot.notes.review_html import LinkParams
from bot.notes.service import page as notes_link
from bot.notes.service import web_review
from bot.storable import storable

COOKIE = "coordbot_review"
Endpoint = Callable[[Request], Awaitable[Response]]
MAX_FORM = 400_000  # the notes' text limit, encoded, with room for the other fields
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
           "X-Robots-Tag": "noindex", "X-Content-Type-Options": "nosniff",
           "X-Frame-Options": "DENY",
           "Content-Security-Policy": ("default-src 'none'; style-src 'unsafe-inline'; "
                                       "form-action 'self'; frame-ancestors 'none'; "
                                       "base-uri 'none'")}


def _text(value: str, limit: int = 512) -> str:
    """A link parameter as we write them (short, ASCII); anything else is no value."""
    return value if value.isascii() and len(value) <= limit else ""


def _link(values) -> LinkParams:
    return LinkParams(_text(values.get("o", "")), _text(values.get("e", "")),
                      _text(values.get("t", "")))


async def _form(request: Request) -> dict[str, str] | None:
    body = await request.body()
    if len(body) > MAX_FORM:
        return None
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError):
        return None
    return {key: storable(value) for key, value in pairs}


def _reply(reply: web_review.Reply, notes_id: int, ttl_s: int) -> Response:
    if reply.redirect is not None:
        response: Response = RedirectResponse(reply.redirect, status_code=303, headers=HEADERS)
    else:
        response = HTMLResponse(reply.html, status_code=reply.status, headers=HEADERS)
    if reply.session_token is not None:
        response.set_cookie(COOKIE, reply.session_token, max_age=ttl_s,
                            path=web_review.base_path(notes_id), secure=True, httponly=True,
                            samesite="strict")
    return response


def routes(container: Container) -> list[Route]:
    settings, db, clock = container.settings, container.db, container.clock
    ttl_s = settings.web_review.session_ttl_min * 60

    async def page(request: Request) -> Response:
        notes_id = request.path_params["notes_id"]
        session = _text(request.cookies.get(COOKIE, ""), 128)
        reply = None
        if session:
            reply = await asyncio.to_thread(web_review.review_page, db, settings, notes_id,
                                            session, now=clock.now())
        if reply is None or (reply.status == 401 and "t" in request.query_params):
            reply = await asyncio.to_thread(web_review.sign_in_page, db, settings, notes_id,
                                            _link(request.query_params), now=clock.now())
        return _reply(reply, notes_id, ttl_s)

    def posted(run: Callable[[int, dict[str, str], str], web_review.Reply]) -> Endpoint:
        """A form's endpoint: the form read (400 if unreadable), ``run`` with the notes' id, the
        form and the session cookie, in a worker thread."""

        async def endpoint(request: Request) -> Response:
            form = await _form(request)
            if form is None:
                return PlainTextResponse("unreadable form", status_code=400, headers=HEADERS)
            notes_id = request.path_params["notes_id"]
            session = _text(request.cookies.get(COOKIE, ""), 128)
            reply = await asyncio.to_thread(run, notes_id, form, session)
            return _reply(reply, notes_id, ttl_s)

        return endpoint

    code = posted(lambda notes_id, form, _: web_review.ask_code(
        db, settings, notes_id, _link(form), now=clock.now()))
    login = posted(lambda notes_id, form, _: web_review.enter_code(
        db, settings, notes_id, _link(form), form.get("code", "")[:32], now=clock.now()))
    act = posted(lambda notes_id, form, session: web_review.act(
        db, settings, notes_id, session, form, now=clock.now()))

    async def read_only(request: Request) -> Response:
        """The signed link's page; its token is kept out of caches, referrers and indexes."""
        found = await asyncio.to_thread(
            notes_link.notes_page, db, settings, request.path_params["notes_id"],
            _text(request.query_params.get("e", "")), _text(request.query_params.get("t", "")),
            now=clock.now())
        if found.html is not None:
            return HTMLResponse(found.html, headers=HEADERS)
        if found.expired:
            return PlainTextResponse(notes_link.EXPIRED, status_code=410, headers=HEADERS)
        return PlainTextResponse("not found", status_code=404, headers=HEADERS)

    base = "/notes/{notes_id:int}/review"
    return [Route("/notes/{notes_id:int}", read_only, methods=["GET"]),
            Route(base, page, methods=["GET"]),
            Route(f"{base}/code", code, methods=["POST"]),
            Route(f"{base}/login", login, methods=["POST"]),
            Route(f"{base}/act", act, methods=["POST"])]
