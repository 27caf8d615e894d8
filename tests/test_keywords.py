"""Inbound SMS keyword classification: whole-message, case- and accent-insensitive."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bot.i18n.languages import LANGUAGES
from bot.sms.rules.keywords import (
    CARRIER_KEYWORDS,
    LANGUAGE_KEYWORDS,
    TABLE,
    Keyword,
    classify,
    keywords,
    normalise,
)

ALL_WORDS = [(word, kind, "en") for kind, words in CARRIER_KEYWORDS.items() for word in words] + [
    (word, kind, tag) for tag, families in LANGUAGE_KEYWORDS.items()
    for kind, words in families.items() for word in words
]
SHARED = {"parar": ("es", "pt"), "cancelar": ("es", "pt")}


def variants(word: str) -> list[str]:
    return [word, word.lower(), word.upper(), word.title(), f"  {word}  ", f"\n{word}\t", f"{word}.",
            f"{word}!", f" {word} !! ", f"{word}...", f"{word.lower()}!."]


@pytest.mark.parametrize(("word", "kind", "tag"), ALL_WORDS, ids=[w for w, _, _ in ALL_WORDS])
def test_every_keyword_in_every_casing(word, kind, tag):
    for body in variants(word):
        result = classify(body)
        assert result.kind == kind, body
        assert result.word == normalise(word)
        assert tag in result.languages
        expected_language = None if result.word in SHARED else tag
        assert result.language == expected_language, body


def test_carrier_keywords_are_english():
    for kind, words in CARRIER_KEYWORDS.items():
        for word in words:
            assert classify(word) == Keyword(kind, normalise(word), "en", ("en",))


@pytest.mark.parametrize("body", ["OPT OUT", "opt out", "Opt-Out", "opt   out", "OPTOUT", "stopall", "Revoke",
                                  "unsubscribe.", "Quit!", "END", "cancel"])
def test_fcc_and_twilio_stop_words(body):
    assert classify(body).kind == "stop"


@pytest.mark.parametrize("body", ["STOP PLEASE", "stopp", "Don't stop", "please stop", "stop it", "stop?",
                                  "UN STOP", "opt", "out", "optout now", "", "   ", "!!!", "s t o p", ".stop",
                                  "stop, thanks", "Yes please", "help me", "information", "START NOW",
                                  "停止吧", "ARRÊT ARRÊT"])
def test_not_keywords(body):
    assert classify(body).kind == "other"
    assert classify(body).language is None


STOP_WORDS = [
    ("arrêt", "fr"), ("ARRET", "fr"), ("Arrêt", "fr"), ("arret!", "fr"), ("Désabonner", "fr"),
    ("desabonner", "fr"), ("dừng", "vi"), ("DUNG", "vi"), ("Dừng.", "vi"), ("ĐỪNG", None), ("ngung", "vi"),
    ("huy dang ky", "vi"), ("alto", "es"), ("Baja", "es"), ("kanpe", "ht"), ("SISPANN", "ht"),
    ("tigil", "tl"), ("停止", "zh"), ("退訂", "zh"), ("중지", "ko"), ("그만", "ko"), ("توقف", "ar"),
    ("إيقاف", "ar"), ("تَوَقَّفْ", "ar"), ("стоп", "ru"), ("СТОП", "ru"), ("Sair", "pt"),
]


@pytest.mark.parametrize(("body", "tag"), STOP_WORDS)
def test_other_language_stop_words(body, tag):
    result = classify(body)
    if tag is None:  # ĐỪNG means "don't", not DỪNG: the accents differ, so it is not a keyword
        assert result.kind == "other"
        return
    assert result.kind == "stop", body
    assert result.language == tag


@pytest.mark.parametrize(("body", "tag"), [("ayuda", "es"), ("AJUDA", "pt"), ("aide", "fr"), ("Èd", "ht"),
                                           ("ED", "ht"), ("giup", "vi"), ("Trợ giúp", "vi"), ("帮助", "zh"),
                                           ("도움말", "ko"), ("tulong", "tl"), ("مساعدة", "ar"),
                                           ("помощь", "ru"), ("INFO", "en"), ("help!", "en")])
def test_other_language_help_words(body, tag):
    result = classify(body)
    assert result.kind == "help"
    assert result.language == tag


def test_shared_words_name_every_language():
    result = classify("Parar")
    assert result == Keyword("stop", "parar", None, ("es", "pt"))


@pytest.mark.parametrize("body", ["dùng", "Dũng", "dung̃", "árret", "ÀIDE", "stöp"])
def test_wrong_accents_are_not_keywords(body):
    assert classify(body).kind == "other"


def test_full_width_letters_fold():
    assert classify("ＳＴＯＰ").kind == "stop"
    assert classify("停止。").kind == "stop"


def test_yes_means_start_by_default_only():
    assert classify("yes") == Keyword("start", "yes", "en", ("en",))
    assert classify("YES!", yes_means_start=True).kind == "start"
    assert classify("yes", yes_means_start=False) == Keyword("other", "yes", None)
    assert classify("START", yes_means_start=False).kind == "start"
    assert classify("unstop", yes_means_start=False).kind == "start"


def test_start_words_are_english_only():
    assert set(keywords("start")) == {"start", "yes", "unstop"}
    for families in LANGUAGE_KEYWORDS.values():
        assert "start" not in families


def test_keyword_languages_are_supported_tags():
    assert set(LANGUAGE_KEYWORDS) <= set(LANGUAGES)
    assert set(LANGUAGE_KEYWORDS) == set(LANGUAGES) - {"en"}
    for kind, tags in TABLE.exact.values():
        assert kind in {"stop", "start", "help"}
        assert set(tags) <= set(LANGUAGES)


def test_word_is_the_normalised_body():
    assert classify("  Stop please!  ").word == "stop please"
    assert classify("Arrêt.").word == "arrêt"


KEYWORD_TEXT = st.sampled_from([word for word, _, _ in ALL_WORDS])


@given(st.text(max_size=300), st.booleans())
def test_classify_never_raises(body, yes_means_start):
    result = classify(body, yes_means_start=yes_means_start)
    assert result.kind in {"stop", "start", "help", "other"}
    if result.kind == "other":
        assert result.language is None and result.languages == ()
    else:
        assert result.languages


@given(st.text(min_size=1, max_size=20).filter(lambda s: any(not c.isspace() for c in s)), KEYWORD_TEXT,
       st.sampled_from(["", " ", "  ", "\n"]))
def test_text_before_a_keyword_makes_it_other(prefix, word, separator):
    body = prefix + separator + word
    result = classify(body)
    # Unless the whole new body is itself a listed phrase (UN + STOP = UNSTOP, TRỢ + GIÚP = TRỢ GIÚP).
    assume(result.word not in TABLE.exact and result.word not in TABLE.bare)
    assert result.kind == "other", body


@pytest.mark.parametrize(("body", "kind"), [("UNSTOP", "start"), ("TRỢ GIÚP", "help")])
def test_listed_phrases_containing_a_keyword(body, kind):
    assert classify(body).kind == kind
