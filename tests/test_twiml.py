"""The TwiML ``bot.gateways.twilio_voice`` builds: PIN prompt, conference join, say-and-hang-up,
and a ``<Say>`` language for every supported language."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from bot.gateways.twilio_voice import (
    SAY_LANGUAGES,
    ask_for_pin,
    join_conference,
    say_and_hang_up,
    say_language,
)
from bot.i18n.languages import LANGUAGES


# ----- TwiML builders ----------------------------------------------------------------------------
def test_pin_prompt_twiml() -> None:
    last = ET.fromstring(ask_for_pin(action_url="https://bot.example/voice/pin", prompt="Enter your PIN",
                                     language="en", attempts_left=0))
    assert [child.tag for child in last] == ["Gather", "Say", "Say", "Hangup"]
    gather = last.find("Gather")
    assert (gather.get("numDigits"), gather.get("input"), gather.get("method"), gather.get("timeout")) == (
        "6", "dtmf", "POST", "8")
    assert gather.find("Say").attrib == {"language": "en-US", "voice": "Polly.Joanna"}
    assert gather.find("Say").text == "Enter your PIN"

    again = ET.fromstring(ask_for_pin(action_url="https://bot.example/voice/pin", prompt="Nhập mã PIN",
                                      language="vi", attempts_left=2, retry_url="https://bot.example/voice"))
    assert [child.tag for child in again] == ["Gather", "Say", "Redirect"]
    assert again.find("Redirect").attrib == {"method": "POST"}
    assert again.find("Redirect").text == "https://bot.example/voice"
    assert {say.get("language") for say in again.iter("Say")} == {"vi-VN"}


def test_join_conference_twiml() -> None:
    root = ET.fromstring(join_conference(name="incident-42", status_callback="https://bot.example/events",
                                         announce="Bienvenue", language="ht", label="kreyol-1",
                                         moderator=True))
    assert [child.tag for child in root] == ["Say", "Dial"]
    assert root.find("Say").get("language") == "fr-FR"  # no Haitian Creole voice: French fallback
    conference = root.find("Dial/Conference")
    assert conference.text == "incident-42"
    assert conference.attrib == {
        "statusCallback": "https://bot.example/events", "statusCallbackEvent": "start end join leave",
        "statusCallbackMethod": "POST", "startConferenceOnEnter": "true", "endConferenceOnExit": "true",
        "beep": "onEnter", "participantLabel": "kreyol-1", "muted": "false"}

    listener = ET.fromstring(join_conference(name="incident-42", status_callback="https://bot.example/events",
                                             announce="", language="en", label=None, muted=True))
    assert [child.tag for child in listener] == ["Dial"]
    attrs = listener.find("Dial/Conference").attrib
    assert (attrs["muted"], attrs["startConferenceOnEnter"], attrs["endConferenceOnExit"]) == (
        "true", "false", "false")
    assert "participantLabel" not in attrs

    bye = ET.fromstring(say_and_hang_up("再见", "zh"))
    assert [child.tag for child in bye] == ["Say", "Hangup"] and bye.find("Say").get("language") == "cmn-CN"


def test_every_language_has_a_say_language() -> None:
    assert set(SAY_LANGUAGES) == set(LANGUAGES)
    assert (say_language("es-US"), say_language("AR"), say_language("tl"), say_language("ht")) == (
        "es-US", "arb", "fil-PH", "fr-FR")
    with pytest.raises(ValueError):
        say_language("xx")
