"""SMS and voice catalogs: same keys and placeholders everywhere, within the segment budget for
SMS and the spoken length for voice, keywords in English; and the checks that say so."""

from __future__ import annotations

import re
import tomllib
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

import pytest

from bot.i18n import catalog
from bot.i18n.catalog import CatalogError, MissingValue, UnknownMessage, placeholders, render
from bot.i18n.checks import SMS_BUDGET, VOICE_LIMIT, check_catalog
from bot.i18n.languages import LANGUAGES
from bot.i18n.rules import local_time, short_local_time, zone_label
from bot.i18n.voice import prompt, voice_keys, voice_text
from bot.sms.rules.segments import segments

CATALOGS = Path(catalog.__file__).parent / "catalogs"
OFFICE = "Civil Rights Coordination Office"
TITLE = "Hurricane Xavier"
TEXT = ("Shelters are open at Lincoln High School and the Eastside Community Center. "
        "Bring ID if you have one. Pets may come too.")
VALUES = {"office": OFFICE, "title": TITLE, "text": TEXT, "code": "482913"}
KEYS = {
    "incident_notice": {"office", "title", "text"},
    "stop_confirmation": {"office"},
    "start_confirmation": {"office"},
    "help": {"office"},
    "reply_received": {"office"},
    "opted_out_reminder": {"office"},
    "call_invite": {"office", "title", "when", "join"},
    "call_series_more": {"first", "count"},
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
    "notes_summary_decided": set(),
    "notes_summary_todo": set(),
    "notes_summary_nothing": set(),
    "notes_summary_more": set(),
    "notes_summary_more_link": {"url"},
    "unknown_sender_reply": {"office"},
    "notes_review_link": {"office", "title", "url"},
    "notes_review_code": {"office", "code"},
    "notes_amended": {"office", "title", "text"},
}
VOICE_KEYS = ("welcome", "no_input", "wrong_pin", "joining", "goodbye",  # the phone bridge
              "message_menu", "rsvp_menu", "rsvp_yes", "rsvp_no", "rsvp_maybe",  # message calls
              "calls_stopped", "other_key",
              "transcribed", "not_transcribed")  # the transcription announcement on the bridge
# A notice's send plan, read in Slack by coordinators (never texted: no segment budget).
PLAN_KEYS = {
    "summary": {"texts", "segments", "duration", "rate", "sender", "others"},
    "summary_unnamed": {"texts", "segments", "duration", "rate", "others"},
    "no_budget": {"texts", "segments"}, "other": {"sender", "duration"},
    "seconds": {"n"}, "minutes": {"n"}, "hours": {"hours", "minutes"}, "rate_one": {"n"},
    "rate": {"n"}, "long_code": set(), "toll_free": set(), "short_code": set(),
    "pool_one": {"n"}, "pool": {"n"},
}
CUE_KEYS = ("decision", "action")  # phrases looked for in transcripts, never sent
ALL_KEYS = {**KEYS, **{f"voice.{key}": set() for key in VOICE_KEYS},
            **{f"plan.{key}": names for key, names in PLAN_KEYS.items()},
            **{f"cue.{key}": set() for key in CUE_KEYS}}
BUDGET = {"incident_notice": 4, "call_invite": 4, "call_rescheduled": 4, "call_reminder": 4,
          "notes_summary": 4, "action_assigned": 4, "action_reminder": 4,
          "action_reassigned": 4, "notes_amended": 4, "notes_review_link": 4}  # every other key: 2 segments

# Calls and tasks: {join} is call_join_phone rendered in the message's own language, {number} a
# task number (a phone number only in call_join_phone), {text} a task or a call summary.
WHEN = "Tue 1 Dec 2026, 3:00 PM EST"
OLD_WHEN = "30 Nov, 3:00 PM EST"
PHONE = "+1 202 555 0100"
PIN = "482913"
URL = "https://meet.example.org/abc"
TASK = "Call the three families on Oak Street and tell them that the Eastside shelter has room for pets now."
CALL_KEYS = {key for key, names in KEYS.items() if names & {"when", "number", "url", "first"}}
RSVP_PROMPTS = ("call_invite", "call_rescheduled")  # end with "reply 1 / 2 / 3"
# Message calls name the keys to press.
VOICE_KEYS_PRESSED = {"voice.rsvp_menu": "01239", "voice.message_menu": "09", "voice.transcribed": "9"}
STOP_HINTS = ("incident_notice", "call_invite", "notes_summary", "notes_amended")  # the hint is the last line
DONE_PROMPTS = ("action_assigned", "action_reminder")


def sample(key: str, tag: str, when: str = WHEN, old_when: str = OLD_WHEN) -> dict[str, str]:
    """The values a key is rendered with for its segment budget."""
    if key not in CALL_KEYS:
        return VALUES
    if key == "call_join_phone":
        return {"number": PHONE, "pin": PIN}
    return {"office": OFFICE, "title": TITLE, "when": when, "old_when": old_when, "text": TASK,
            "join": render("call_join_phone", tag, number=PHONE, pin=PIN), "number": "A-3",
            "due": "Wed 2 Dec", "url": URL, "first": when, "count": "12"}


def load(tag: str) -> dict[str, str]:
    """A catalog file read on its own, voice prompts as ``voice.…`` keys."""
    data = tomllib.loads((CATALOGS / f"{tag}.toml").read_text(encoding="utf-8"))
    nested = {prefix: data.pop(prefix, {}) for prefix in ("voice", "plan", "cue")}
    return {**data, **{f"{prefix}.{key}": text for prefix, texts in nested.items()
                       for key, text in texts.items()}}


ENGLISH = load("en")
TRANSLATED = [tag for tag in LANGUAGES if tag != "en"]


def test_sample_text_is_120_characters():
    assert len(TEXT) == 120
    assert len(TASK) == 100


def test_a_catalog_for_every_supported_language():
    assert catalog.languages() == list(LANGUAGES)
    assert {path.stem for path in CATALOGS.glob("*.toml")} == set(LANGUAGES)


def test_english_keys_and_placeholders():
    assert catalog.keys() == set(ALL_KEYS)
    assert {key: placeholders(value) for key, value in ENGLISH.items()} == ALL_KEYS


def test_the_products_budgets_are_the_ones_this_test_states():
    assert SMS_BUDGET == BUDGET


@pytest.mark.parametrize("tag", list(LANGUAGES))
def test_every_catalog_passes_the_checks_an_import_runs(tag):
    assert check_catalog(catalog.messages(tag), catalog.messages("en")) == []


@pytest.mark.parametrize("tag", list(LANGUAGES))
def test_voice_prompts_are_in_every_catalog_and_short(tag):
    assert voice_keys() == tuple(sorted(VOICE_KEYS))
    for key in VOICE_KEYS:
        text = voice_text(key, tag)
        assert text == load(tag)[f"voice.{key}"] == prompt(key, tag) == voice_text(f"voice.{key}", tag)
        assert 0 < len(text) <= VOICE_LIMIT and not placeholders(text), (tag, key)


@pytest.mark.parametrize("language", [None, "", "de", "es-US"])
def test_voice_prompts_fall_back_to_english(language):
    expected = "es" if language == "es-US" else "en"
    assert prompt("welcome", language) == load(expected)["voice.welcome"]


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
        allowed = ("123" if key in RSVP_PROMPTS  # the answer digits
                   else VOICE_KEYS_PRESSED.get(key, ""))
        assert sum(char.isdigit() and char not in allowed for char in value) == 0, (tag, key)


@pytest.mark.parametrize("tag", list(LANGUAGES))
@pytest.mark.parametrize("key", sorted(KEYS))  # SMS keys: voice prompts are not texted
def test_segment_budget(tag, key):
    text = render(key, tag, **sample(key, tag))
    assert segments(text).segments <= BUDGET.get(key, 2), (tag, key, segments(text))


WINTER_AND_SUMMER = (datetime(2026, 12, 30, 15, tzinfo=UTC), datetime(2026, 9, 30, 15, tzinfo=UTC))


@cache
def longest_zone(*, named: bool = False) -> str:
    """The zone whose label is longest in winter or summer: an offset such as "UTC-0930" or
    "UTC+0530" (zones without an abbreviation), or with ``named`` the longest abbreviation
    ("AKST", "ChST")."""
    def size(zone: str) -> int:
        labels = [zone_label(at.astimezone(ZoneInfo(zone))) for at in WINTER_AND_SUMMER]
        return 0 if named and not all(label.isalpha() for label in labels) else max(map(len, labels))
    return max(sorted(available_timezones()), key=size)


@cache
def longest_dates(tag: str, *, named: bool = False) -> tuple[str, str]:
    """The longest ``when`` and ``old_when`` in ``tag`` over every day of a year, morning and
    evening, in the longest zone. The longest are Wednesdays, Septembers and Decembers in some
    languages but not in all (Vietnamese writes months as numbers, Korean the hour), so every
    day is tried rather than one worst-case instant."""
    zone = ZoneInfo(longest_zone(named=named))
    instants = [datetime(2026, 1, 1, hour, 30, tzinfo=zone) + timedelta(days=n)
                for n in range(365) for hour in (10, 22)]

    def size(text: str) -> tuple[int, int]:
        return segments(text).units, len(text)
    return (max((local_time(at, zone.key, tag) for at in instants), key=size),
            max((short_local_time(at, zone.key, tag) for at in instants), key=size))


def test_the_worst_case_instants_are_among_those_tried():
    assert len(zone_label(WINTER_AND_SUMMER[0].astimezone(ZoneInfo(longest_zone())))) == 8
    assert max(len(zone_label(at.astimezone(ZoneInfo(longest_zone(named=True)))))
               for at in WINTER_AND_SUMMER) == 4
    assert local_time(datetime(2026, 9, 30, 20, 30, tzinfo=UTC), "America/New_York", "es") == \
        "miércoles, 30 de septiembre, 16:30 EDT"
    assert longest_dates("es")[0].startswith("miércoles") and "septiembre" in longest_dates("es")[0]


@pytest.mark.parametrize("tag", list(LANGUAGES))
@pytest.mark.parametrize("key", sorted(CALL_KEYS))
def test_segment_budget_with_the_longest_dates(tag, key):
    """Dates as ``bot.i18n.rules`` writes them in each language, the longest of a year, in the
    zone with the longest label. A task's texts are held to the zones with a name: with an
    offset for a zone and a 100-character task, the Spanish, French and Portuguese assignment
    would reach 5 segments, and the service would refuse it before anything is queued, asking for a
    shorter task (``check_fits``)."""
    when, old_when = longest_dates(tag, named=key.startswith("action_"))
    text = render(key, tag, **(sample(key, tag, when, old_when) | {"due": when}))
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


@pytest.mark.parametrize(("key", "text", "reason"), [
    ("help", "   ", "the text is empty"),
    ("help", "From {office!r}. Reply STOP.", "unsupported placeholder {office}"),
    ("help", "From {0}. Reply STOP.", "unsupported placeholder {0}"),
    ("help", "From {office. Reply STOP.", "unsupported placeholder"),
    ("help", "From us. Reply STOP.", "placeholders differ from the English text: missing {office}"),
    ("help", "From {office} {title}. Reply STOP.", "unknown {title}"),
    ("help", "From {office}. Reply ALTO.", "must contain STOP in English"),
    ("incident_notice", "Reply STOP.\n{office}: {title}\n{text}", "the last line must say STOP"),
    ("action_done", "Task {number} done. Call 555 0100.", None),  # no digit rule for this key
    ("call_invite", "{office}: {title} {when}. {join} Reply 1, 2, 3 or 4.\nReply STOP.",
     "must offer the answers 1, 2 and 3"),
    ("help", "Những tin nhắn này đến từ {office}. " * 3 + "Trả lời STOP.", "SMS segments"),
    ("voice.goodbye", "Goodbye. " * 30, f"at most {VOICE_LIMIT} characters"),
])
def test_each_check_refuses_what_it_is_for(key, text, reason):
    english = catalog.messages("en")
    found = [problem.reason for problem in check_catalog({**english, key: text}, english)]
    if reason is None:
        assert found == []
    else:
        assert len(found) == 1 and reason in found[0], found


def test_the_checks_name_missing_and_unknown_keys():
    english = catalog.messages("en")
    texts = {key: text for key, text in english.items() if key != "voice.goodbye"}
    assert [(p.key, p.reason) for p in check_catalog({**texts, "extra": "x"}, english)] == [
        ("extra", "not a message of the English catalog"), ("voice.goodbye", "missing")]
