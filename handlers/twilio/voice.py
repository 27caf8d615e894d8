"""``POST /twilio/voice`` (a caller asks for the PIN), ``/twilio/voice/pin`` and
``/twilio/voice/conference-events`` (attendance); for message calls (``bot.voice``),
``/twilio/voice/message?m=ID`` (what the call says), ``/twilio/voice/message/key?m=ID`` (the key
pressed) and ``/twilio/voice/message/status`` (how the call ended); on a transcribed call,
``/twilio/voice/transcription-choice?c=ID`` (the key pressed after the announcement) and the
transcription events (``handlers.twilio.transcription``). All signed (the signature covers ``m``
and ``c``); TwiML in the caller's language."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.bootstrap import Container
from bot.calls.service import bridge, conference, transcription
from bot.calls.service.conference import ConferenceEvent
from bot.gateways.twilio_voice import (
    ask_about_transcription,
    ask_for_pin,
    hang_up,
    join_conference,
    leave_message,
    read_message,
    say_and_hang_up,
)
from bot.gateways.twiml import LiveTranscription
from bot.i18n.voice import prompt
from bot.voice import service as message_calls
from bot.voice.rules import is_machine
from handlers.twilio.params import attempt as attempt_number
from handlers.twilio.params import number
from handlers.twilio.sms import signed
from handlers.twilio.transcription import CHOICE_PATH, EVENTS_PATH
from handlers.twilio.transcription import routes as transcription_routes

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
        if call is not None and call.transcribe:
            return _twiml(ask_about_transcription(
                text=prompt("transcribed", language), language=language,
                action_url=f"{base}{CHOICE_PATH}?c={call.id}"))
        if call is not None:
            return _twiml(join(call.conference_name, language))
        if attempt >= ATTEMPTS:
            return _twiml(say_and_hang_up(prompt("goodbye", language), language))
        key = "wrong_pin" if form.get("Digits") else "welcome"
        return _twiml(pin_prompt(language, attempt + 1, key))

    def join(conference: str, language: str, announce: str = "joining",
             transcription: LiveTranscription | None = None) -> str:
        return join_conference(
            name=conference, status_callback=f"{base}/twilio/voice/conference-events",
            announce=prompt(announce, language), language=language, label=None,
            wait_for_moderator=False, transcription=transcription)

    async def choice(request: Request, form: dict[str, str]) -> Response:
        call_sid = form.get("CallSid", "")
        leg = await asyncio.to_thread(
            transcription.choose, container.db, call_id=number(request.query_params.get("c")),
            call_sid=call_sid, phone=form.get("From"), digits=form.get("Digits"),
            now=container.clock.now(),
            settings=container.settings)
        if leg is None:
            return _twiml(hang_up())
        if leg.declined:
            return _twiml(join(leg.call.conference_name, leg.language, "not_transcribed"))
        return _twiml(join(leg.call.conference_name, leg.language, transcription=LiveTranscription(
            status_callback_url=f"{base}{EVENTS_PATH}?c={leg.call.id}",
            language_code=leg.language_code, name=f"coordbot-{call_sid}")))

    async def conference_event(_: Request, form: dict[str, str]) -> Response:
        event = ConferenceEvent(form.get("StatusCallbackEvent"), form.get("FriendlyName", ""),
                                form.get("CallSid", ""), form.get("ReasonConferenceEnded"))
        await asyncio.to_thread(conference.record_event, container.db, event,
                                now=container.clock.now(), settings=container.settings)
        return Response(status_code=204)

    def message_twiml(found: message_calls.Script, message_id: int, preface: str = "") -> str:
        menu = prompt("rsvp_menu" if found.rsvp else "message_menu", found.language)
        return read_message(text=found.text, language=found.language, menu=menu, preface=preface,
                            action_url=f"{base}/twilio/voice/message/key?m={message_id}",
                            goodbye=prompt("goodbye", found.language))

    async def message(request: Request, form: dict[str, str]) -> Response:
        message_id = _message_id(request)
        found = await asyncio.to_thread(message_calls.read_script, container.db, message_id)
        answered_by = form.get("AnsweredBy", "")
        if found is None or message_id is None or answered_by == "fax":
            return _twiml(hang_up())
        if is_machine(answered_by):  # after the beep (DetectMessageEnd)
            return _twiml(leave_message(text=found.text, language=found.language))
        return _twiml(message_twiml(found, message_id))

    async def message_key(request: Request, form: dict[str, str]) -> Response:
        message_id = _message_id(request)
        meaning, found = await asyncio.to_thread(
            message_calls.key_pressed, container.db, message_id=message_id,
            digits=form.get("Digits", ""), now=container.clock.now())
        if found is None or message_id is None:
            return _twiml(hang_up())
        if meaning in ("yes", "no", "maybe"):
            return _twiml(say_and_hang_up(prompt(f"rsvp_{meaning}", found.language), found.language))
        if meaning == "stopped":
            return _twiml(say_and_hang_up(prompt("calls_stopped", found.language), found.language))
        preface = "" if meaning == "repeat" else prompt("other_key", found.language)
        return _twiml(message_twiml(found, message_id, preface))

    async def message_status(_: Request, form: dict[str, str]) -> Response:
        await asyncio.to_thread(
            message_calls.call_ended, container.db, sid=form.get("CallSid", ""),
            call_status=form.get("CallStatus", "")[:20],
            answered_by=form.get("AnsweredBy", "")[:40] or None, now=container.clock.now(),
            settings=container.settings.voice)
        container.wakeup.notify()
        return Response(status_code=204)

    return [Route("/twilio/voice/message", signed(container, message), methods=["POST"]),
            Route("/twilio/voice/message/key", signed(container, message_key), methods=["POST"]),
            Route("/twilio/voice/message/status", signed(container, message_status),
                  methods=["POST"]),
            Route("/twilio/voice", signed(container, incoming), methods=["POST"]),
            Route("/twilio/voice/pin", signed(container, pin), methods=["POST"]),
            Route(CHOICE_PATH, signed(container, choice), methods=["POST"]),
            *transcription_routes(container),
            Route("/twilio/voice/conference-events", signed(container, conference_event),
                  methods=["POST"])]


def _twiml(document: str) -> Response:
    return Response(document, media_type="application/xml")



def _message_id(request: Request) -> int | None:
    """The outbox row of a message call, from our own URL's ``m``; None when it is not a number."""
    return number(request.query_params.get("m"))
