"""``POST /twilio/voice`` (a caller asks for the PIN), ``/twilio/voice/pin`` and
``/twilio/voice/conference-events`` (attendance). All signed; TwiML in the caller's language."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.bootstrap import Container
from bot.calls.service import attendance, bridge
from bot.gateways.twilio_voice import ask_for_pin, join_conference, say_and_hang_up
from bot.i18n.voice import prompt
from bot.notes.service import review as notes_review
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
        language = await asyncio.to_thread(_read, container, bridge.language_of, form.get("From"))
        return _twiml(pin_prompt(language, 1))

    async def pin(request: Request, form: dict[str, str]) -> Response:
        attempt = int(request.query_params.get("attempt", "1"))
        language, call = await asyncio.to_thread(_admit, container, form)
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
        await asyncio.to_thread(_event, container, form)
        return Response(status_code=204)

    return [Route("/twilio/voice", signed(container, incoming), methods=["POST"]),
            Route("/twilio/voice/pin", signed(container, pin), methods=["POST"]),
            Route("/twilio/voice/conference-events", signed(container, conference_event),
                  methods=["POST"])]


def _twiml(document: str) -> Response:
    return Response(document, media_type="application/xml")


def _read(container: Container, query, *args):
    with container.db.unit_of_work(read_only=True) as uow:
        return query(uow, *args)


def _admit(container: Container, form: dict[str, str]):
    with container.db.unit_of_work() as uow:
        language = bridge.language_of(uow, form.get("From"))
        call = None
        if form.get("Digits"):
            call = bridge.admit(uow, pin=form["Digits"], call_sid=form.get("CallSid", ""),
                                phone=form.get("From"), now=container.clock.now(),
                                settings=container.settings)
        uow.commit()
        return language, call


def _event(container: Container, form: dict[str, str]) -> None:
    event, name = form.get("StatusCallbackEvent"), form.get("FriendlyName", "")
    now = container.clock.now()
    with container.db.unit_of_work() as uow:
        if event == "participant-join":
            attendance.joined(uow, conference=name, call_sid=form.get("CallSid", ""), phone=None,
                              at=now)
        elif event == "participant-leave":
            attendance.left(uow, call_sid=form.get("CallSid", ""), at=now)
        elif event == "conference-end":
            call = attendance.ended(uow, conference=name, at=now)
            if call is not None:
                notes_review.draft_for_call(uow, call, now=now, settings=container.settings)
        uow.commit()
