"""Pure rules: parsing /incident text, regions, channel names."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.dispatch.grammar import parse_declare, parse_invocation
from bot.errors import InvalidInput
from bot.incidents.channel_names import incident_channel_name
from bot.incidents.rules import IncidentType, Severity, normalise_key

SLACK_NAME = re.compile(r"^[a-z0-9_-]{1,80}$")


def test_declare_text_with_quotes_regions_and_options():
    draft = parse_declare('hurricane "Hurricane Xavier" FL,GA severity=high summary="Cat 3"')
    assert draft.type is IncidentType.HURRICANE and draft.title == "Hurricane Xavier"
    assert draft.regions == ("FL", "GA") and draft.severity is Severity.HIGH
    assert draft.summary == "Cat 3"


def test_declare_accepts_typographic_quotes_spaces_and_lowercase_codes():
    draft = parse_declare("enforcement-action “Operation in Chicago” il in, wi")
    assert draft.type is IncidentType.ENFORCEMENT and draft.regions == ("IL", "IN", "WI")
    assert draft.severity is Severity.MODERATE


@pytest.mark.parametrize("text, problem", [
    ('hurricane "Xavier"', "Name at least one affected region"),
    ("hurricane", "Give the incident type, a title in quotes"),
    ('tornado "Twister" OK', "Unknown incident type 'tornado'"),
    ('flood "River" ND severity=extreme', "Unknown severity 'extreme'"),
    ('flood "River ND', "A quotation mark is not closed"),
    ('flood "River" ND colour=red', "Unknown option 'colour'"),
    ('flood "River" ND, ZZ, QQ', "Unknown region code(s): ZZ, QQ"),
    ('flood "" ND', "needs a title"),
])
def test_malformed_declare_text_says_what_is_wrong_with_an_example(text, problem):
    with pytest.raises(InvalidInput) as caught:
        parse_declare(text)
    assert problem in str(caught.value)
    assert "Example: `/incident declare" in str(caught.value) or "title" in problem


def test_invocation_routing():
    assert parse_invocation("").name == "help"
    assert parse_invocation("frobnicate now").name == "help"
    assert parse_invocation("STATUS inc-2026-7").key == "INC-2026-0007"
    update = parse_invocation("update INC-2026-0001 Shelters open")
    assert (update.key, update.text) == ("INC-2026-0001", "Shelters open")
    assert parse_invocation("update Shelters open").key is None
    with pytest.raises(InvalidInput, match="Say what the update is"):
        parse_invocation("update INC-2026-0001")
    with pytest.raises(InvalidInput, match="Unknown list filter"):
        parse_invocation("list everything")


def test_keys_are_normalised():
    assert normalise_key("inc-2026-1") == "INC-2026-0001"
    assert normalise_key("INC-26-1") is None


def test_channel_name_example_and_collision_suffix():
    assert incident_channel_name("inc", "INC-2026-0001", "Hurricane Xavier") == \
        "inc-2026-0001-hurricane-xavier"
    assert incident_channel_name("inc", "INC-2026-0001", "Hurricane Xavier", 1) == \
        "inc-2026-0001-hurricane-xavier-2"
    assert incident_channel_name("inc", "INC-2026-0001", "¡Huracán Ñandú!") == \
        "inc-2026-0001-huracan-nandu"
    assert incident_channel_name("inc", "INC-2026-0001", "火灾") == "inc-2026-0001"


@given(title=st.text(max_size=300), attempt=st.integers(min_value=0, max_value=50),
       number=st.integers(min_value=1, max_value=99999))
def test_channel_names_are_always_valid_slack_names(title, attempt, number):
    name = incident_channel_name("inc", f"INC-2026-{number:04d}", title, attempt)
    assert SLACK_NAME.match(name), name
    assert name.startswith(f"inc-2026-{number:04d}")
    assert name.endswith(f"-{attempt + 1}") if attempt else True


def test_slack_escaping_in_command_text_is_undone():
    from bot.dispatch.grammar import parse_invocation

    invocation = parse_invocation("contacts why <tel:+12025550143|+1 202 555 0143>")
    assert invocation.text == "why +1 202 555 0143"
    assert parse_invocation("update Food &amp; water at &lt;Lincoln&gt;").text == \
        "Food & water at <Lincoln>"
    assert parse_invocation('action add <@U123|ana> "Call <mailto:a@b.org|a@b.org>"').text == \
        'add <@U123|ana> "Call a@b.org"'
