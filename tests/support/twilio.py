"""Fixtures shared by the Twilio emulator and voice tests (loaded by conftest.pytest_plugins)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from twilio.rest import Client

from bot.gateways.twilio_http import BaseUrlHttpClient
from bot.sandbox.twilio import TwilioEmulator
from tests.support.specs import TWILIO_SPEC


@pytest.fixture(scope="module")
def spec() -> dict:
    if not TWILIO_SPEC.exists():
        pytest.skip(f"the official Twilio spec is not at {TWILIO_SPEC}")
    return json.loads(TWILIO_SPEC.read_text())


@pytest.fixture
def emu() -> Iterator[TwilioEmulator]:
    with TwilioEmulator() as emulator:
        yield emulator


@pytest.fixture
def client(emu: TwilioEmulator) -> Client:
    return Client(emu.account_sid, emu.auth_token, http_client=BaseUrlHttpClient(emu.base_url))


def raw_client(emu: TwilioEmulator) -> httpx.Client:
    """Plain HTTP to the emulator's REST API, authenticated as its account."""
    return httpx.Client(base_url=emu.base_url, auth=(emu.account_sid, emu.auth_token), timeout=10)
