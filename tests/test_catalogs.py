"""SMS message catalogs: same keys and placeholders everywhere, within the segment budget."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from bot.i18n import catalog
from bot.i18n.catalog import CatalogError, MissingValue, UnknownMessage, placeholders, render
from bot.i18n.languages import LANGUAGES
from bot.sms.rules.segments import segments

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
    "call_invite": {"office", "title", "when", "join"},
    "call_join_phone": {"number", "pin"},
    "call_join_link": {"url"},
    "call_cancelled": {"office", "title", "when"},
    "call_rescheduled": {"office", "title", "old_when", "when", "join"},
    "call_reminder": {"office", "title", "when", "join"},
    "rsvp_yes": {"when"},
    "rsvp_no": {"when"},
    "rsvp_maybe": {"when"},
    "action_assigned": {"office", "number", "text", "due"},
    "action_done": {"number"},
    "action_reminder": {"number", "text", "due"},
    "action_reassigned": {"office", "number", "text"},
    "notes_summary": {"office", "title", "text"},
    "unknown_sender_reply": {"office"},
}
BUDGET = {"incident_notice": 4, "call_invite": 4, "call_rescheduled": 4, "call_reminder": 4,
          "notes_summary": 4, "action_assigned": 4, "action_reminder": 4,
          "action_reassigned": 4}  # every other key: 2 segments

# Calls and tasks: {join} is call_join_phone rendered in the message's own language, {number} a
# task number (a phone number only in call_join_phone), {text} a task or a call summary.
WHEN = "Tue 1 Dec, 3:00 PM EST"
OLD_WHEN = "Mon 30 Nov, 3:00 PM EST"
PHONE = "+1 202 555 0100"
PIN = "482913"
URL = "https://meet.example.org/abc"
TASK = "Call the three families on Oak Street and tell them that the Eastside shelter has room for pets now."
CALL_KEYS = {key for key, names in KEYS.items() if names & {"when", "number", "url"}}
RSVP_PROMPTS = ("call_invite", "call_rescheduled")  # end with "reply 1 / 2 / 3"
STOP_HINTS = ("incident_notice", "call_invite", "notes_summary")  # the hint is the last line
DONE_PROMPTS = ("action_assigned", "action_reminder")


def sample(key: str, tag: str, when: str = WHEN, old_when: str = OLD_WHEN) -> dict[str, str]:
    """The values a key is rendered with for its segment budget."""
    if key not in CALL_KEYS:
        return VALUES
    if key == "call_join_phone":
        return {"number": PHONE, "pin": PIN}
    return {"office": OFFICE, "title": TITLE, "when": when, "old_when": old_when, "text": TASK,
            "join": render("call_join_phone", tag, number=PHONE, pin=PIN), "number": "A-3",
            "due": "Wed 2 Dec", "url": URL}


def load(tag: str) -> dict[str, str]:
    return tomllib.loads((CATALOGS / f"{tag}.toml").read_text(encoding="utf-8"))


ENGLISH = load("en")
TRANSLATED = [tag for tag in LANGUAGES if tag != "en"]


def test_sample_text_is_120_characters():
    assert len(TEXT) == 120
    assert len(TASK) == 100


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
        assert words - {"STOP", "START", "DONE", "{office}", "{office}:", "{title}", "{text}", "{when}",
                        "{join}", "{number}", "{url}"}, (tag, key)


@pytest.mark.parametrize("tag", list(LANGUAGES))
def test_keywords_stay_in_english(tag):
    messages = load(tag)
    assert "STOP" in messages["incident_notice"]
    assert "STOP" in messages["incident_notice"].split("\n")[-1]  # the hint is the last line
    for key in ("stop_confirmation", "opted_out_reminder"):
        assert "START" in messages[key], (tag, key)
    for key in ("start_confirmation", "help"):
        assert "STOP" in messages[key], (tag, key)
    for key in STOP_HINTS:
        assert "STOP" in messages[key].split("\n")[-1], (tag, key)
    for key in DONE_PROMPTS:
        assert "DONE {number}" in messages[key], (tag, key)


@pytest.mark.parametrize("tag", list(LANGUAGES))
def test_rsvp_prompts_offer_the_digits(tag):
    for key in RSVP_PROMPTS:
        text = load(tag)[key]
        assert [int(digit) for digit in re.findall(r"\d", text)] == [1, 2, 3], (tag, key)


@pytest.mark.parametrize("tag", TRANSLATED)
def test_no_english_answer_words(tag):
    """Each language names its own yes/no/maybe (NO is also Spanish); DONE stays in English."""
    for key, value in load(tag).items():
        words = {word.casefold() for word in re.findall(r"\w+", value)}
        english = {"yes", "maybe"} | ({"no"} if tag != "es" else set())
        assert not words & english, (tag, key)


@pytest.mark.parametrize("tag", list(LANGUAGES))
def test_no_phone_numbers_or_links(tag):
    for key, value in load(tag).items():
        assert "http" not in value and "www" not in value, (tag, key)
        allowed = "123" if key in RSVP_PROMPTS else ""  # the answer digits
        assert sum(char.isdigit() and char not in allowed for char in value) == 0, (tag, key)


@pytest.mark.parametrize("tag", list(LANGUAGES))
@pytest.mark.parametrize("key", sorted(KEYS))
def test_segment_budget(tag, key):
    text = render(key, tag, **sample(key, tag))
    assert segments(text).segments <= BUDGET.get(key, 2), (tag, key, segments(text))


@pytest.mark.parametrize("tag", list(LANGUAGES))
@pytest.mark.parametrize("key", sorted(CALL_KEYS))
def test_segment_budget_with_the_year(tag, key):
    """``formatting.local_time`` writes the year too ("Tue 1 Dec 2026, 3:00 PM EST")."""
    text = render(key, tag, **sample(key, tag, "Tue 1 Dec 2026, 3:00 PM EST", "Mon 30 Nov 2026, 3:00 PM EST"))
    assert segments(text).segments <= BUDGET.get(key, 2), (tag, key, segments(text))


@pytest.mark.parametrize("tag", list(LANGUAGES))
@pytest.mark.parametrize("key", sorted(KEYS))
def test_every_placeholder_renders(tag, key):
    values = sample(key, tag)
    text = render(key, tag, **values)
    assert "{" not in text and "}" not in text, (tag, key)
    for name in placeholders(catalog.template(key, tag)):
        assert values[name] in text, (tag, key, name)


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
