"""Answers to a call invitation (1/2/3 and yes/no/maybe words) and "DONE <task>" replies."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.actions.rules import DONE_WORDS, parse_done
from bot.calls.rules.rsvp import RSVP_WORDS, Rsvp, parse_rsvp
from bot.i18n.catalog import template
from bot.i18n.languages import LANGUAGES
from bot.sms.rules.keywords import classify, normalise

RSVP_ENTRIES = [(word, answer, tag) for tag, answers in RSVP_WORDS.items()
                for answer, words in answers.items() for word in words]
DONE_ENTRIES = [(word, tag) for tag, words in DONE_WORDS.items() for word in words]
SHARED = {"no": ("en", "es"), "non": ("ht", "fr"), "talvez": ("es", "pt")}

# The words each catalog's call_invite / action_assigned tells people to reply with.
PROMPTED_ANSWERS = {
    "es": ("SÍ", "NO", "QUIZÁS"), "zh": ("是", "不", "也许"), "vi": ("CÓ", "KHÔNG", "CÓ THỂ"),
    "ko": ("네", "아니요", "아마도"), "tl": ("OO", "HINDI", "SIGURO"), "ar": ("نعم", "لا", "ربما"),
    "ht": ("wi", "non", "petèt"), "fr": ("OUI", "NON", "PEUT-ÊTRE"), "pt": ("SIM", "NÃO", "TALVEZ"),
    "ru": ("ДА", "НЕТ", "ВОЗМОЖНО"),
}
PROMPTED_DONE = {"es": "LISTO", "zh": "完成", "vi": "XONG", "ko": "완료", "tl": "TAPOS", "ar": "تم",
                 "ht": "FINI", "fr": "FAIT", "pt": "FEITO", "ru": "ГОТОВО"}


def variants(word: str) -> list[str]:
    return [word, word.lower(), word.upper(), word.title(), f"  {word}  ", f"\n{word}\t", f"{word}.",
            f"{word}!", f" {word} !! ", f"{word.lower()}!."]


def test_every_language_has_words():
    assert set(RSVP_WORDS) == set(LANGUAGES)
    assert set(DONE_WORDS) == set(LANGUAGES)
    for answers in RSVP_WORDS.values():
        assert set(answers) == {"yes", "no", "maybe"}


@pytest.mark.parametrize(("word", "answer", "tag"), RSVP_ENTRIES, ids=[w for w, _, _ in RSVP_ENTRIES])
def test_every_rsvp_word_in_every_casing(word, answer, tag):
    for body in variants(word):
        result = parse_rsvp(body)
        assert result is not None, body
        assert result.answer == answer, body
        assert tag in result.languages
        assert result.language == (None if normalise(word) in SHARED else tag), body


@pytest.mark.parametrize(("word", "tags"), sorted(SHARED.items()))
def test_shared_words_name_every_language(word, tags):
    assert set(parse_rsvp(word).languages) == set(tags)
    assert parse_rsvp(word).language is None


@pytest.mark.parametrize(("body", "answer"), [
    ("1", "yes"), ("2", "no"), ("3", "maybe"), (" 1 ", "yes"), ("2.", "no"), ("3!", "maybe"),
    ("１", "yes"), ("٢", "no"), ("۳", "maybe"),  # full-width, Arabic-Indic, Persian digits
])
def test_digits_in_any_language(body, answer):
    assert parse_rsvp(body) == Rsvp(answer, None)


@pytest.mark.parametrize(("body", "answer", "tag"), [
    ("si", "yes", "es"), ("Sí", "yes", "es"), ("QUIZAS", "maybe", "es"), ("tal   vez", "maybe", "es"),
    ("nao", "no", "pt"), ("Não!", "no", "pt"), ("khong", "no", "vi"), ("co", "yes", "vi"),
    ("co the", "maybe", "vi"), ("Có thể.", "maybe", "vi"), ("peut-etre", "maybe", "fr"),
    ("Peut être", "maybe", "fr"), ("petet", "maybe", "ht"), ("PETÈT", "maybe", "ht"), ("Opo", "yes", "tl"),
    ("hindi po", "no", "tl"), ("نَعَم", "yes", "ar"), ("ﻻ", "no", "ar"), ("да", "yes", "ru"),
    ("Может быть", "maybe", "ru"), ("不會", "no", "zh"), ("好的。", "yes", "zh"), ("Y", "yes", "en"),
    ("n", "no", "en"), ("Maybe!!", "maybe", "en"),
])
def test_accents_spacing_and_forms(body, answer, tag):
    result = parse_rsvp(body)
    assert result is not None and result.answer == answer and result.language == tag, body


@pytest.mark.parametrize("body", [
    "STOP", "stop", "Stop.", "HELP", "START", "UNSTOP", "ALTO", "停止", "0", "4",
    "12", "1 2", "#1", "", "   ", "!!!", "yess", "I can't",  # sentences: tests/test_rsvp_sentences.py
    "cô",   # typed with other accents than CÓ ("aunt"), like "dùng" is not "dừng" in keywords.py
    "cò", "khōng", "quizàs", "DONE 3",
])
def test_not_rsvps(body):
    assert parse_rsvp(body) is None


@pytest.mark.parametrize(("word", "tag"), DONE_ENTRIES, ids=[f"{w}-{t}" for w, t in DONE_ENTRIES])
def test_every_done_word_with_every_number_form(word, tag):
    for number in ("3", "A3", "a3", "A-3", "a-3", "#3", "#A-3", "03", "A - 3"):
        for body in (f"{word} {number}", f"{word.lower()} {number}", f"  {word.upper()}   {number} .",
                     f"{word}: {number}", f"{word.title()} {number}!"):
            assert parse_done(body) == "A-3", body


@pytest.mark.parametrize("body", ["DONE 3", "done A-3", "DONE #3", "Done a3", "done3", "完成3", "완료A-3",
                                  "tapos na 3", "tapos na a-3", "ГОТОВО А-3",  # Cyrillic А
                                  "تم ٣", "DONE ３", "done A–3", "fet 3", "FET 3", "Fèt 3", "hecho #3"])
def test_done_forms(body):
    assert parse_done(body) == "A-3"


def test_done_keeps_the_number():
    assert parse_done("DONE 12") == "A-12"
    assert parse_done("done a-007") == "A-7"
    assert parse_done("listo 104") == "A-104"


@pytest.mark.parametrize("body", [
    "DONE", "done A", "done #", "3", "A-3", "#3", "DONE 3 thanks", "done 3 4", "I am DONE 3", "DONE 0",
    "done 1234567", "STOP", "STOP 3", "done -3", "done B-3", "pronto 3",  # "soon" in Spanish
    "dóne 3", "fêt 3", "yes 3", "1", "",
])
def test_not_done(body):
    assert parse_done(body) is None


@given(st.text(max_size=300))
def test_parsers_never_raise(body):
    rsvp = parse_rsvp(body)
    assert rsvp is None or rsvp.answer in {"yes", "no", "maybe"}
    done = parse_done(body)
    assert done is None or (done.startswith("A-") and done[2:].isdigit() and done[2:] == str(int(done[2:])))


@given(st.sampled_from([word for tag in DONE_WORDS.values() for word in tag]),
       st.integers(min_value=1, max_value=999_999), st.sampled_from(["", " ", "#", "A", "a-", " #A-"]))
def test_done_reads_any_number(word, number, prefix):
    assert parse_done(f"{word} {prefix}{number}") == f"A-{number}"


ANSWER_WORDS = [w for w, _, _ in RSVP_ENTRIES] + [w for w, _ in DONE_ENTRIES] + ["1", "2", "3"]


@pytest.mark.parametrize("word", ANSWER_WORDS)
def test_no_answer_word_is_a_keyword(word):
    for body in (word, f"{word} 3"):
        assert classify(body, yes_means_start=False).kind == "other", body
        # Not even with YES meaning START: YES is the one answer that is also a carrier keyword.
        assert classify(body).kind == ("start" if normalise(body) == "yes" else "other"), body


@pytest.mark.parametrize("word", ["STOP", "stop", "Cancel", "END", "quit", "HELP", "info", "START", "alto",
                                  "ARRÊT", "arret", "dừng", "dung", "停止", "중지", "توقف", "стоп", "sair"])
def test_keywords_are_never_answers(word):
    assert parse_rsvp(word) is None
    assert parse_done(word) is None


@pytest.mark.parametrize("tag", sorted(PROMPTED_ANSWERS))
def test_the_words_each_invitation_names_are_understood(tag):
    invite = template("call_invite", tag)
    for word, answer in zip(PROMPTED_ANSWERS[tag], ("yes", "no", "maybe"), strict=True):
        assert word in invite, (tag, word)
        result = parse_rsvp(word)
        assert result is not None and result.answer == answer and tag in result.languages, (tag, word)


@pytest.mark.parametrize("tag", sorted(PROMPTED_DONE))
def test_the_done_word_each_task_text_names_is_understood(tag):
    for key in ("action_assigned", "action_reminder"):
        assert f"{PROMPTED_DONE[tag]} {{number}}" in template(key, tag), (tag, key)
    assert PROMPTED_DONE[tag] in DONE_WORDS[tag]
    assert parse_done(f"{PROMPTED_DONE[tag]} A-3") == "A-3"
    assert parse_done("DONE A-3") == "A-3"
