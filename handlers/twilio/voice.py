"""``POST /twilio/voice`` (a caller asks for the PIN), ``/twilio/voice/pin`` and
``/twilio/voice/conference-events`` (attendance). All signed; TwiML in the caller's language."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.bootstrap import Container
from bot.calls.service import bridge, conference
from bot.calls.service.conference import ConferenceEvent
from bot.gateways.twilio_voice import ask_for_pin, join_conference, say_and_hang_up
from bot.i18n.voice import prompt
from handlers.twilio.params import attempt as attempt_number
from handlers.twilio.sms import signed

ATTEMPTS = 3


def routes(container: Container) -> list[Route]:
    base = container.settings.server.public_base_url.rstrip("/")

    def pin_prompt(language: str, attempt: int, key: str = "welcome") -> str:
        return ask_for_pin(action_url=f"{base}/twilio/voice/pin?attempt={attempt}",
                           prompt=prompt(key, language), language=language,
                           attempts_left=ATTEMPTS - attempt, no_input=prompt("no_input", language),
                           goodbye=prompt("goodbye", language))

    async def incoming(_: Request, form: dict[str, str]) -> Response:
        language = await asyncio.to_thread(bridge.caller_language, container.db, form.get("From"))
        return _twiml(pin_prompt(language, 1))

    async def pin(request: Request, form: dict[str, str]) -> Response:
        attempt = attempt_number(request.query_params.get("attempt"), last=ATTEMPTS)
        language, call = await asyncio.to_thread(
            bridge.answer_pin, container.db, digits=form.get("Digits"),
            call_sid=form.get("CallSid", ""), phone=form.get("From"), now=container.clock.now(),
            settings=container.settings)
        if call is not None:
            return _twiml(join_conference(
                name=call.conference_name, status_callback=f"{base}/twilio/voice/conference-events",
                announce=prompt("joining", language), language=language, label=None,
                wait_for_moderator=False))
        if attempt >= ATTEMPTS:
            return _twiml(say_and_hang_up(prompt("goodbye", language), language))
        key = "wrong_pin" if form.get("Digits") else "welcome"
        return _twiml(pin_prompt(language, attempt + 1, key))

    async def conference_event(_: Request, form: dict[str, str]) -> Response:
        event = ConferenceEvent(form.get("StatusCallbackEvent"), form.get("FriendlyName", ""),
                                form.get("CallSid", ""), form.get("ReasonConferenceEnded"))
        await asyncio.to_thread(conference.record_event, container.db, event,
                                now=container.clock.now(), settings=container.settings)
        return Response(status_code=204)

    return [Route("/twilio/voice", signed(container, incoming), methods=["POST"]),
            Route("/twilio/voice/pin", signed(container, pin), methods=["POST"]),
            Route("/twilio/voice/conference-events", signed(container, conference_event),
                  methods=["POST"])]


def _twiml(document: str) -> Response:
    return Response(document, media_type="application/xml")

