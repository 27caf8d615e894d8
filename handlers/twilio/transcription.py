"""``POST /twilio/voice/transcription?c=ID``: Twilio's Real-Time Transcription events for the legs
of call ID (signed like every Twilio webhook; the signature covers ``c``).

A content event's line is committed before the 204, so an acknowledged line is never lost (as
with every Twilio webhook here, the request is handled in its own transaction rather than through
the Slack inbox: Twilio waits for the answer). A redelivered or replayed event is stored once
(TranscriptionSid + SequenceId); events of a leg that declined are dropped; a malformed event is
a 400 saying what is wrong, never a 500.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.bootstrap import Container
from bot.calls.rules.transcription import read_event
from bot.calls.service import transcription
from bot.errors import InvalidInput
from handlers.twilio.params import number
from handlers.twilio.sms import signed

CHOICE_PATH = "/twilio/voice/transcription-choice"
EVENTS_PATH = "/twilio/voice/transcription"


def routes(container: Container) -> list[Route]:
    async def event(request: Request, form: dict[str, str]) -> Response:
        try:
            parsed = read_event(form)
        except InvalidInput as error:
            return PlainTextResponse(f"bad transcription event: {error.problem}", status_code=400)
        await asyncio.to_thread(transcription.record, container.db, parsed,
                                call_id=number(request.query_params.get("c")),
                                now=container.clock.now(), settings=container.settings)
        return Response(status_code=204)

    return [Route(EVENTS_PATH, signed(container, event), methods=["POST"])]
