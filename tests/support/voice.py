"""The voice tests' harness: a miniature of the bot's voice webhooks (``VoiceApp``) for the
Twilio emulator to call, its fixtures (loaded by conftest.pytest_plugins) and the checks the
voice test modules share."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from twilio.request_validator import RequestValidator

from bot.gateways.twilio_voice import (
    ask_for_pin,
    join_conference,
    say_and_hang_up,
)
from bot.sandbox.twilio import TwilioEmulator
from tests.support.webhooks import WebhookReceiver

BOT_NUMBER = "+15557650000"
CALLER = "+15551230001"
SECOND_CALLER = "+15551230002"
LIAISON = "+15551239999"
CONFERENCE = "incident-42"
PIN = "246810"
MODERATOR_PIN = "135790"
PROMPT = "Marque su PIN de seis dígitos."
CALL_SID = re.compile(r"^CA[0-9a-f]{32}$")
CONFERENCE_SID = re.compile(r"^CF[0-9a-f]{32}$")
PARTICIPANTS_PATH = "/2010-04-01/Accounts/{AccountSid}/Conferences/{ConferenceSid}/Participants.json"


class VoiceApp(WebhookReceiver):
    """The bot's voice webhooks in miniature: PIN prompt, PIN check, conference join; records every
    request it gets (TwiML fetches, conference events, call-progress callbacks)."""

    def __init__(self, *, language: str = "es", attempts: int = 1, wait_for_moderator: bool = True):
        self.language, self.attempts, self.wait_for_moderator = language, attempts, wait_for_moderator
        self.attempts_left: dict[str, int] = {}
        super().__init__()

    def answer(self, path: str, params: dict) -> tuple[int, bytes]:
        call = params.get("CallSid", "")
        if path == "/voice":
            with self.lock:
                self.attempts_left[call] = self.attempts
            return 200, self._pin_prompt(self.attempts).encode()
        if path == "/voice/pin":
            digits = params.get("Digits")
            if digits is None:  # the <Redirect> after a timeout: ask again, one attempt fewer
                with self.lock:
                    self.attempts_left[call] -= 1
                    left = self.attempts_left[call]
                return 200, self._pin_prompt(left).encode()
            if digits in (PIN, MODERATOR_PIN):
                return 200, join_conference(
                    name=CONFERENCE, status_callback=f"{self.url}/conference-events",
                    announce="Bienvenido a la llamada de coordinación.", language=self.language,
                    label=f"caller-{params['From'][-4:]}", moderator=digits == MODERATOR_PIN,
                    wait_for_moderator=self.wait_for_moderator).encode()
            return 200, say_and_hang_up("PIN incorrecto. Adiós.", self.language).encode()
        if path == "/broken":
            return 500, b"oops"
        return 204, b""  # conference events, call progress

    def _pin_prompt(self, attempts_left: int) -> str:
        return ask_for_pin(action_url=f"{self.url}/voice/pin", prompt=PROMPT, language=self.language,
                           attempts_left=attempts_left, no_input="No recibimos su PIN.", goodbye="Adiós.")

    def events(self) -> list[dict]:
        return [hit["params"] for hit in self.requests("/conference-events")]


@pytest.fixture
def app() -> Iterator[VoiceApp]:
    application = VoiceApp()
    yield application
    application.close()


@pytest.fixture
def open_app() -> Iterator[VoiceApp]:
    """Callers start the conference themselves (no moderator needed)."""
    application = VoiceApp(wait_for_moderator=False)
    yield application
    application.close()


def assert_signed(emu: TwilioEmulator, hits: list[dict]) -> None:
    validator = RequestValidator(emu.auth_token)
    assert hits
    for hit in hits:
        assert hit["signature"], hit
        assert validator.validate(hit["url"], hit["params"], hit["signature"]), hit


def kinds(events: list[dict]) -> list[str]:
    return [event["StatusCallbackEvent"] for event in events]


def participants_uri(emu: TwilioEmulator, conference: str) -> str:
    return f"/2010-04-01/Accounts/{emu.account_sid}/Conferences/{conference}/Participants.json"


def join(emu: TwilioEmulator, app: VoiceApp, caller: str, pin: str):
    session = emu.place_call(voice_url=f"{app.url}/voice", from_=caller, to=BOT_NUMBER)
    session.press(pin)
    assert session.conference == CONFERENCE and session.in_conference
    return session
