"""Answers to a call invitation given in a short sentence, and sentences that are not answers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.calls.rules.rsvp import parse_rsvp
from bot.calls.rules.rsvp_phrases import PHRASES
from bot.i18n.languages import LANGUAGES

# Per language: a yes, a no and a maybe as people write them (accents, punctuation, emoji and all).
SENTENCES: dict[str, tuple[str, str, str]] = {
    "en": ("Yes, I'll be there 👍", "Sorry, I can't make it.", "Not sure yet, I'll try"),
    "es": ("Sí, ahí estaré", "No puedo, lo siento", "Tal vez, no estoy segura"),
    "zh": ("是的，我会参加", "不好意思，我去不了", "不确定，尽量"),
    "vi": ("Có, tôi sẽ tham gia", "Xin lỗi, không đi được", "Có lẽ, chưa chắc"),
    "ko": ("네, 참석하겠습니다", "아니요, 못 가요", "아마도요, 잘 모르겠어요"),
    "tl": ("Oo, pupunta ako", "Hindi po ako makakapunta", "Siguro, susubukan ko"),
    "ar": ("نعم، سأحضر", "لا أستطيع، آسف", "ربما، سأحاول"),
    "ht": ("Wi, m ap la", "Non, m pa ka vini", "Petèt, m ap eseye"),
    "fr": ("Oui, je serai là !", "Désolé, je ne peux pas", "Peut-être, je vais essayer"),
    "pt": ("Sim, estarei lá", "Não posso, desculpe", "Talvez, vou tentar"),
    "ru": ("Да, я буду", "К сожалению, не смогу", "Возможно, постараюсь"),
}

# The same answers typed without accents, in capitals, with other punctuation.
PLAIN: list[tuple[str, str]] = [
    ("si, ahi estare", "yes"), ("AHÍ ESTARÉ!!", "yes"), ("Hola, sí. Gracias", "yes"),
    ("no voy a poder", "no"), ("NO PODRE", "no"), ("oui j'y serai", "yes"),
    ("je ne pourrai pas...", "no"), ("m pap ka vini", "no"), ("wi map la", "yes"),
    ("co toi se den", "yes"), ("khong the", "no"), ("nao vou conseguir", "no"),
    ("YES PLEASE", "yes"), ("si señor", "yes"), ("oui oui", "yes"), ("no way", "no"),
    ("ok, count me in", "yes"), ("Thanks! I will be there", "yes"), ("你好，我去不了", "no"),
    ("참석 못 해요", "no"), ("sige po", "yes"), ("Не смогу", "no"), ("ممكن", "maybe"),
]

# Not answers: forwarded to a person as before.
NOT_ANSWERS = [
    "Hola, ¿dónde está el refugio más cercano?",  # a question
    "Will the call be in Spanish?", "¿Sí o no?", "Oui ?",
    "Sí, pero no puedo",  # yes and no
    "Yes, I'll be there if I can",  # yes and maybe
    "Yes and no", "是的，我不能参加",
    "No tengo agua",  # "I have no water": a leading no with something else said
    "Yes, I need water at the shelter and my neighbour needs insulin",
    "Necesito ayuda con mi casa, no hay luz", "I can't find the shelter",
    "Nou bezwen dlo", "Thanks", "ok", "Hola", "👍", "Please call me back", "1 2",
    "我不想参加这个",  # a yes phrase inside a no: 不 + 想 + 参加
    "No más mensajes",  # a request to stop, not a no
    "Please stop texting me", "dejen de escribirme",
    "I'll be there " + "and I will bring many things for the people at the shelter " * 3,
]


def test_every_language_has_sentences_and_phrases():
    assert set(SENTENCES) == set(LANGUAGES) == set(PHRASES)
    for meanings in PHRASES.values():
        assert {"yes", "no", "maybe"} <= set(meanings)


@pytest.mark.parametrize("tag", sorted(SENTENCES))
def test_sentences_in_every_language(tag):
    for body, answer in zip(SENTENCES[tag], ("yes", "no", "maybe"), strict=True):
        result = parse_rsvp(body)
        assert result is not None and result.answer == answer, (tag, body, result)
        assert tag in result.languages, (tag, body, result)


@pytest.mark.parametrize(("body", "answer"), PLAIN)
def test_accents_case_and_punctuation_do_not_matter(body, answer):
    result = parse_rsvp(body)
    assert result is not None and result.answer == answer, (body, result)


@pytest.mark.parametrize("body", NOT_ANSWERS)
def test_sentences_that_are_not_answers(body):
    assert parse_rsvp(body) is None


@given(st.sampled_from([s for answers in SENTENCES.values() for s in answers]),
       st.sampled_from(["¿", "?", "？", "؟"]))
def test_a_question_is_never_an_answer(sentence, mark):
    assert parse_rsvp(sentence + mark) is None
