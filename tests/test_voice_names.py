"""Every language is read by a voice that exists and speaks it (Haitian Creole: the French voice,
the one documented fallback), in every ``<Say>`` the bot writes."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from bot.gateways.twilio_voice import (
    SAY_LANGUAGES,
    SAY_VOICES,
    VOICE_LANGUAGES,
    ask_for_pin,
    join_conference,
    leave_message,
    read_message,
    say_and_hang_up,
    say_voice,
)
from bot.i18n.languages import LANGUAGES

# Voice names as Twilio writes them: Amazon Polly's by name, Google's by locale, type and letter.
POLLY = re.compile(r"^Polly\.[A-Z][a-z]+$")  # the standard voices (not -Neural, -Generative)
GOOGLE = re.compile(r"^Google\.(?P<locale>[a-z]{2,3}-[A-Z]{2})-Standard-[A-Z]$")
FALLBACKS = {"ht": "fr-FR"}  # no provider has a Haitian Creole voice


def test_every_language_has_a_voice_of_a_known_provider():
    assert set(SAY_VOICES) == set(LANGUAGES)
    for tag, voice in SAY_VOICES.items():
        assert POLLY.match(voice) or GOOGLE.match(voice), (tag, voice)
        assert voice in VOICE_LANGUAGES, (tag, voice)


@pytest.mark.parametrize("tag", list(LANGUAGES))
def test_each_voice_speaks_its_language_or_the_stated_fallback(tag):
    spoken = VOICE_LANGUAGES[SAY_VOICES[tag]]
    assert spoken == SAY_LANGUAGES[tag] == FALLBACKS.get(tag, SAY_LANGUAGES[tag]), tag


def test_a_google_voice_speaks_the_locale_its_name_carries():
    for voice, language in VOICE_LANGUAGES.items():
        found = GOOGLE.match(voice)
        if found:
            assert found["locale"] == language, voice


def test_haitian_creole_is_read_by_the_french_voice():
    assert say_voice("ht") == say_voice("fr") == "Polly.Lea"
    assert SAY_LANGUAGES["ht"] == "fr-FR"


def twiml_for(tag: str) -> list[str]:
    return [
        ask_for_pin(action_url="https://bot.example/voice/pin", prompt="p", language=tag,
                    attempts_left=0),
        join_conference(name="c", status_callback="https://bot.example/e", announce="a",
                        language=tag, label=None),
        say_and_hang_up("t", tag), leave_message(text="t", language=tag),
        read_message(text="t", language=tag, menu="m", action_url="https://bot.example/k",
                     goodbye="g", preface="p"),
    ]


@pytest.mark.parametrize("tag", list(LANGUAGES))
def test_every_say_names_the_languages_voice(tag):
    says = [say for document in twiml_for(tag) for say in ET.fromstring(document).iter("Say")]
    assert len(says) >= 12
    assert {(say.get("language"), say.get("voice")) for say in says} == {
        (SAY_LANGUAGES[tag], SAY_VOICES[tag])}
