"""Requests to stop texting said in a sentence, in every language: read as STOP."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.i18n.languages import LANGUAGES
from bot.sms.rules.revocation import PHRASES, classify_reply, revocation

SENTENCES: dict[str, tuple[str, ...]] = {
    "en": ("Please stop texting me", "stop texting me!!", "Unsubscribe me", "No more texts please",
           "Do not text me again", "Stop please", "please STOP", "Remove me from this list 🙏"),
    "es": ("No más mensajes", "Dejen de escribirme por favor", "No me escriban", "Por favor ALTO",
           "no me envien mas mensajes", "Quiero darme de baja"),
    "zh": ("别再发了", "请不要再发短信给我", "請停止", "停止發送"),
    "vi": ("Đừng nhắn tin cho tôi nữa", "dung gui tin nhan nua", "Xin ngừng gửi", "Làm ơn DỪNG"),
    "ko": ("문자 그만 보내세요", "그만보내", "보내지 마세요", "수신 거부합니다"),
    "tl": ("Tigilan niyo na ako", "Huwag na kayong mag-text", "Paki TIGIL po"),
    "ar": ("توقفوا عن مراسلتي", "لا ترسلوا لي رسائل", "توقف من فضلك"),
    "ht": ("Sispann voye mesaj ban mwen", "Pa voye m mesaj ankò", "KANPE tanpri"),
    "fr": ("Arrêtez de m'envoyer des messages", "Ne m'écrivez plus", "Plus de SMS svp",
           "ARRÊT s'il vous plaît"),
    "pt": ("Parem de me mandar mensagens", "Não quero mais mensagens", "Por favor PARAR"),
    "ru": ("Перестаньте писать мне", "Не присылайте больше", "СТОП пожалуйста"),
}

NOT_REVOCATIONS = [
    "Don't stop texting me", "no dejen de escribirme", "Please stop by the shelter",
    "The rain won't stop", "Yes", "Sí, ahí estaré", "No", "No puedo", "STOP",  # a bare keyword
    "Hola, ¿dónde está el refugio más cercano?", "I stopped at the shelter", "",
]


def test_every_language_has_phrases_and_sentences():
    assert set(PHRASES) == set(LANGUAGES) == set(SENTENCES)


@pytest.mark.parametrize("tag", sorted(SENTENCES))
def test_sentences_that_revoke_consent(tag):
    for body in SENTENCES[tag]:
        assert revocation(body) is not None, (tag, body)
        keyword = classify_reply(body, yes_means_start=False)
        assert keyword.kind == "stop", (tag, body)
        assert keyword.language in (tag, None), (tag, body, keyword)


@pytest.mark.parametrize("body", NOT_REVOCATIONS)
def test_sentences_that_do_not(body):
    assert revocation(body) is None


def test_bare_keywords_are_still_the_keywords():
    assert classify_reply("STOP").word == "stop"
    assert classify_reply("YES").kind == "start"
    assert classify_reply("YES", yes_means_start=False).kind == "other"


@given(st.text(max_size=300))
def test_never_raises(body):
    keyword = classify_reply(body)
    assert keyword.kind in {"stop", "start", "help", "other"}
    assert len(keyword.word) <= max(len(body) * 3, 100)
