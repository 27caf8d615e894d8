"""``POST /twilio/sms`` (inbound) and ``POST /twilio/sms/status`` (status callbacks)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.bootstrap import Container
from bot.gateways.twiml import message_reply
from bot.sms.delivery import record_status
from bot.sms.service import inbound as inbound_sms
from handlers.twilio.params import cleaned, message_sid

log = logging.getLogger(__name__)
Endpoint = Callable[[Request], Awaitable[Response]]


def signed(container: Container, endpoint: Callable[[Request, dict[str, str]], Awaitable[Response]]
           ) -> Endpoint:
    """Refuses requests whose X-Twilio-Signature does not match the public URL Twilio called;
    the endpoint gets the parameters as :func:`cleaned` makes them (the signature is checked on
    them as sent)."""
    base = container.settings.server.public_base_url.rstrip("/")

    async def checked(request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace"),
                              keep_blank_values=True))
        url = base + request.url.path + (f"?{request.url.query}" if request.url.query else "")
        verifier = container.twilio_verifier
        if verifier is None or not verifier.valid(url, form, request.headers.get("X-Twilio-Signature")):
            log.warning("refused a Twilio webhook with a bad signature for %s", request.url.path)
            return PlainTextResponse("invalid signature", status_code=401)
        return await endpoint(request, cleaned(form))

    return checked


def routes(container: Container) -> list[Route]:
    async def inbound(_: Request, form: dict[str, str]) -> Response:
        message = inbound_sms.Inbound(sid=message_sid(form), body=form.get("Body", ""),
                                      from_phone=form.get("From", ""), to_phone=form.get("To", ""))
        reply = await asyncio.to_thread(_receive, container, message)
        return Response(message_reply(reply), media_type="application/xml")

    async def status(_: Request, form: dict[str, str]) -> Response:
        await asyncio.to_thread(_status, container, form)
        return Response(status_code=204)

    return [Route("/twilio/sms", signed(container, inbound), methods=["POST"]),
            Route("/twilio/sms/status", signed(container, status), methods=["POST"])]


def _receive(container: Container, message: inbound_sms.Inbound) -> str | None:
    with container.db.unit_of_work() as uow:
        reply = inbound_sms.receive(uow, message, now=container.clock.now(),
                                    settings=container.settings)
        uow.commit()
    return reply


def _status(container: Container, form: dict[str, str]) -> None:
    with container.db.unit_of_work() as uow:
        record_status(uow, sid=form.get("MessageSid", ""),
                      status=form.get("MessageStatus") or form.get("SmsStatus", ""),
                      error_code=form.get("ErrorCode") or None, now=container.clock.now())
        uow.commit()
