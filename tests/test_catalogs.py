"""SMS message catalogs: same keys and placeholders everywhere, within the segment budget."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.domain.languages import LANGUAGES
from bot.domain.segments import segments
from bot.messages import catalog
from bot.messages.catalog import CatalogError, MissingValue, UnknownMessage, placeholders, render

CATALOGS = Path(catalog.__file__).parent / "catalogs"
OFFICE = "Civil Rights Coordination Office"
TITLE = "Hurricane Xavier"
TEXT = ("Shelters are open at Lincoln High School and the Eastside Community Center. "
        "Bring ID if you have one. Pets may come too.")
VALUES = {"office": OFFICE, "title": TITLE, "text": TEXT}
KEYS = {
    "incident_notice": {"office", "title", "text"},
    "stop_confirmation": {"office"},
    "start_confirmation": {"office"},
    "help": {"office"},
    "reply_received": {"office"},
    "opted_out_reminder": {"office"},
}
BUDGET = {"incident_notice": 4}  # every other key: 2 segments


def load(tag: str) -> dict[str, str]:
    return tomllib.loads((CATALOGS / f"{tag}.toml").read_text(encoding="utf-8"))


ENGLISH = load("en")
TRANSLATED = [tag for tag in LANGUAGES if tag != "en"]


def test_sample_text_is_120_characters():
    assert len(TEXT) == 120


def test_a_catalog_for_every_supported_language():
    assert catalog.languages() == list(LANGUAGES)
    assert {path.stem for path in CATALOGS.glob("*.toml")} == set(LANGUAGES)


def test_english_keys_and_placeholders():
    assert catalog.keys() == set(KEYS)
    assert {key: placeholders(value) for key, value in ENGLISH.items()} == KEYS


@pytest.mark.parametrize("tag", TRANSLATED)
def test_same_keys_as_english(tag):
    assert set(load(tag)) == set(ENGLISH)


@pytest.mark.parametrize("tag", TRANSLATED)
def test_same_placeholders_as_english(tag):
    for key, value in load(tag).items():
        assert placeholders(value) == placeholders(ENGLISH[key]), (tag, key)


@pytest.mark.parametrize("tag", TRANSLATED)
def test_translated_not_empty_and_not_english(tag):
    for key, value in load(tag).items():
        assert value.strip(), (tag, key)
        assert value != ENGLISH[key], (tag, key)
        words = set(value.replace(".", " ").split())
        assert words - {"STOP", "START", "{office}", "{office}:", "{title}", "{text}"}, (tag, key)


@pytest.mark.parametrize("tag", list(LANGUAGES))
def test_keywords_stay_in_english(tag):
    messages = load(tag)
    assert "STOP" in messages["incident_notice"]
    assert "STOP" in messages["incident_notice"].split("\n")[-1]  # the hint is the last line
    for key in ("stop_confirmation", "opted_out_reminder"):
        assert "START" in messages[key], (tag, key)
    for key in ("start_confirmation", "help"):
        assert "STOP" in messages[key], (tag, key)


@pytest.mark.parametrize("tag", list(LANGUAGES))
def test_no_phone_numbers_or_links(tag):
    for key, value in load(tag).items():
        assert "http" not in value and "www" not in value, (tag, key)
        assert sum(char.isdigit() for char in value) == 0, (tag, key)


@pytest.mark.parametrize("tag", list(LANGUAGES))
@pytest.mark.parametrize("key", sorted(KEYS))
def test_segment_budget(tag, key):
    text = render(key, tag, **VALUES)
    assert segments(text).segments <= BUDGET.get(key, 2), (tag, key, segments(text))


def test_render_substitutes_values():
    assert render("reply_received", "en", office=OFFICE) == \
        f"Thank you. A person at {OFFICE} will read your message."
    notice = render("incident_notice", "es", **VALUES)
    assert notice.startswith(f"Aviso de {OFFICE}: {TITLE}\n{TEXT}\n")
    assert notice.endswith("Responda STOP para no recibir más mensajes.")


def test_values_are_not_reinterpreted():
    assert render("help", "en", office="{text} {0}").startswith("These texts are from {text} {0}.")


@pytest.mark.parametrize("language", ["de", "xx", "", "German"])
def test_unsupported_language_falls_back_to_english(language):
    assert render("help", language, office=OFFICE) == render("help", "en", office=OFFICE)


@pytest.mark.parametrize(("language", "tag"),
                         [("es-US", "es"), ("zh-Hant", "zh"), ("fil", "tl"), ("FR", "fr")])
def test_language_tags_are_parsed(language, tag):
    assert render("help", language, office=OFFICE) == render("help", tag, office=OFFICE)


def test_unknown_key_errors():
    with pytest.raises(UnknownMessage, match="nope"):
        render("nope", "en", office=OFFICE)
    with pytest.raises(KeyError):
        render("nope", "es", office=OFFICE)


def test_missing_placeholder_errors():
    with pytest.raises(MissingValue, match="title, text|text, title"):
        render("incident_notice", "fr", office=OFFICE)
    with pytest.raises(KeyError):
        render("help", "en")
    with pytest.raises(CatalogError) as raised:
        render("help", "en")
    assert str(raised.value) == "message 'help' needs a value for office"


def test_extra_values_are_ignored():
    assert render("help", "en", office=OFFICE, title=TITLE) == render("help", "en", office=OFFICE)
