"""Is an SMS a request to stop texting, said in a sentence ("please stop texting me")?

Carriers act only on a message that is exactly a keyword (STOP, UNSUBSCRIBE …: see
``keywords``), but the FCC's TCPA rule in force since 11 April 2025 lets a person revoke consent
"by any reasonable means", and no method may be the only one. So a sentence that asks us to stop
("no más mensajes", "dejen de escribirme", "別再發了") is an opt-out too, honoured by our own list,
in every language the office uses. Twilio's list does not know it; ours is checked before every
send.

Two ways a sentence revokes:

* it contains one of ``PHRASES`` (matched word by word, case, accents, punctuation and emoji
  ignored), unless the word just before it negates it ("don't stop texting me");
* it is a STOP keyword with only politeness around it ("Stop please", "por favor ALTO", "请停止").

A wrong opt-out costs little (the person is told how to come back: START); a missed one breaks
the law. So the phrases are the ones people use to say "stop texting me", and a phrase counts
wherever it stands in a message, however long.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.sms.rules.keywords import OTHER, STOP, Keyword, classify
from bot.sms.rules.words import PhraseTable, join_units, unaccented, units

PHRASES: dict[str, tuple[str, ...]] = {
    "en": ("stop texting", "stop texting me", "stop text me", "stop messaging", "stop sending",
           "stop contacting me", "stop the texts", "stop these texts", "stop the messages",
           "stop these messages", "quit texting", "quit messaging", "no more texts",
           "no more messages", "no more text messages", "unsubscribe me", "take me off",
           "remove me", "remove my number", "delete my number", "don't text me", "do not text me",
           "don't message me", "do not message me", "don't contact me", "do not contact me",
           "don't send me", "do not send me", "opt me out", "i want to opt out",
           "i want to unsubscribe", "leave me alone", "cancel my subscription"),
    "es": ("no más mensajes", "no más textos", "no más sms", "dejen de escribirme",
           "deja de escribirme", "dejen de enviarme", "deja de enviarme", "dejen de mandarme",
           "deja de mandarme", "dejen de enviar mensajes", "dejen de mandar mensajes",
           "no me escriban", "no me escribas", "no me escriba", "no me manden", "no me mandes",
           "no me envíen", "no me envíes", "no me contacten", "no quiero más mensajes",
           "no quiero recibir más", "no quiero recibir mensajes", "denme de baja", "darme de baja",
           "quítenme de la lista", "borren mi número", "eliminen mi número",
           "cancelen mi suscripción"),
    "zh": ("不要再发", "不要再發", "别再发", "別再發", "不要发短信", "不要發短信", "别发短信",
           "別發短信", "不要给我发", "不要給我發", "别给我发", "別給我發", "停止发送", "停止發送",
           "停止发短信", "停止發短信", "取消订阅", "取消訂閱", "退订", "退訂", "不要再联系我",
           "不要再聯繫我", "别再联系我", "別再聯繫我", "不想再收到", "不想收到短信"),
    "vi": ("đừng nhắn tin", "đừng gửi tin", "đừng gửi", "ngừng nhắn tin", "ngừng gửi",
           "dừng nhắn tin", "dừng gửi", "không nhắn tin nữa", "không muốn nhận tin",
           "đừng liên lạc", "ngừng liên lạc", "hủy đăng ký", "xóa số của tôi"),
    "ko": ("문자 그만", "그만 보내", "보내지 마", "보내지 말", "연락하지 마", "연락 하지 마",
           "수신 거부", "수신 중지", "문자 사절", "더 이상 보내지"),
    "tl": ("tigilan niyo na ako", "tigilan mo na ako", "itigil ang pag-text",
           "itigil ang mga mensahe", "huwag na kayong mag-text", "huwag na mag-text",
           "wag na mag-text", "ayoko na ng text", "ayaw ko na ng mensahe", "alisin ako",
           "tanggalin ako"),
    "ar": ("توقف عن مراسلتي", "توقفوا عن مراسلتي", "توقف عن الإرسال", "توقفوا عن الإرسال",
           "توقف عن إرسال", "توقفوا عن إرسال", "لا ترسل لي", "لا ترسلوا لي", "لا تراسلني",
           "لا تراسلوني", "لا أريد رسائل", "احذفوا رقمي", "أزيلوا رقمي", "إلغاء الاشتراك"),
    "ht": ("sispann voye", "sispann ekri", "kanpe voye", "pa voye m", "pa voye mwen", "pa ekri m",
           "pa ekri mwen", "mwen pa vle mesaj", "m pa vle mesaj", "mwen pa vle resevwa",
           "m pa vle resevwa", "retire nimewo m", "efase nimewo m"),
    "fr": ("arrêtez de m'envoyer", "arrête de m'envoyer", "arrêtez de m'écrire",
           "arrête de m'écrire", "arrêtez les messages", "arrêtez les sms", "plus de messages",
           "plus de sms", "ne m'envoyez plus", "ne m'écrivez plus", "ne me contactez plus",
           "je ne veux plus recevoir", "désabonnez-moi", "désinscrivez-moi",
           "retirez-moi de la liste", "supprimez mon numéro"),
    "pt": ("parem de me mandar", "pare de me mandar", "parem de me enviar", "pare de me enviar",
           "parem de enviar", "pare de enviar", "não quero mais mensagens", "não me mandem",
           "não me envie", "não me enviem", "chega de mensagens", "me tire da lista",
           "tirem meu número", "remover meu número", "quero sair da lista"),
    "ru": ("перестаньте писать", "перестань писать", "перестаньте присылать",
           "хватит писать", "хватит присылать", "не пишите мне", "не присылайте",
           "больше не пишите", "отпишите меня", "удалите мой номер", "не хочу получать",
           "прекратите рассылку", "прекратите присылать", "прекратите отправлять"),
}

# A phrase right after one of these is negated ("don't stop texting me", "no dejen de
# escribirme"), unless the phrase itself starts with a negation ("no me escriban").
NEGATIONS = frozenset({"dont", "not", "never", "no", "nunca", "nao", "ne", "pa", "не"})

# Words that may stand around a STOP keyword ("Stop please", "por favor alto", "请停止").
POLITENESS: dict[str, tuple[str, ...]] = {
    "en": ("please", "pls", "plz", "now", "it", "all", "thanks", "thank", "you"),
    "es": ("por", "favor", "ya", "gracias"),
    "zh": ("请", "請", "谢谢", "謝謝"),
    "vi": ("làm", "ơn", "vui", "lòng", "xin", "cảm"),
    "ko": ("제발", "부탁", "해요", "하세요", "주세요"),
    "tl": ("paki", "pakiusap", "na", "po", "salamat"),
    "ar": ("من", "فضلك", "لو", "سمحت", "شكرا"),
    "ht": ("tanpri", "souple", "mèsi"),
    "fr": ("s'il", "vous", "plaît", "svp", "merci"),
    "pt": ("por", "favor", "obrigado", "obrigada"),
    "ru": ("пожалуйста", "спасибо"),
}
_POLITE = frozenset(unit for words in POLITENESS.values() for phrase in words
                    for unit in units(phrase))

TABLE = PhraseTable.build((phrase, STOP, tag) for tag, phrases in PHRASES.items()
                          for phrase in phrases)


@dataclass(frozen=True)
class Revocation:
    phrase: str  # as matched, without accents; or the keyword said with politeness
    language: str | None


def revocation(body: str) -> Revocation | None:
    """A request to stop in a sentence; None when there is none (a bare keyword included)."""
    found = units(body)
    for match in TABLE.find(found):
        before = unaccented(found[match.start - 1]) if match.start else ""
        negated = before in NEGATIONS and unaccented(found[match.start]) not in NEGATIONS
        if not negated:
            tags = match.languages
            return Revocation(join_units(found[match.start:match.end]),
                              tags[0] if len(tags) == 1 else None)
    rest = [unit for unit in found if unit not in _POLITE]
    if rest and len(rest) < len(found):
        keyword = classify(join_units(rest), yes_means_start=False)
        if keyword.kind == STOP:
            return Revocation(keyword.word, keyword.language)
    return None


def classify_reply(body: str, *, yes_means_start: bool = True) -> Keyword:
    """``keywords.classify``, with a revocation in a sentence read as STOP."""
    keyword = classify(body, yes_means_start=yes_means_start)
    if keyword.kind != OTHER:
        return keyword
    revoked = revocation(body)
    if revoked is None:
        return keyword
    languages = (revoked.language,) if revoked.language else ()
    return Keyword(STOP, revoked.phrase[:100], revoked.language, languages)
