"""Phrases that answer a call invitation in a sentence, per language ("ahí estaré", "m ap la").

``NEUTRAL`` phrases (greetings, thanks, politeness) carry no answer: they may stand around one
("Hola, sí, ahí estaré. Gracias") without making the message something else. Phrases are matched
word by word with accents removed (``bot.sms.rules.words.PhraseTable``), the longest first, so
"no voy a poder" is read before "voy".

Left out on purpose: phrases that mean yes and maybe alike once accents are dropped ("si puedo"
is "if I can", "sí puedo" is "yes I can"), and generic openings that start many other messages
("I can't", which also begins "I can't find the shelter").
"""

from __future__ import annotations

YES, NO, MAYBE, NEUTRAL = "yes", "no", "maybe", "neutral"

PHRASES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        YES: ("i'll be there", "i will be there", "will be there", "i'll attend", "i will attend",
              "i'll join", "i will join", "i'll be on the call", "count me in", "see you there",
              "see you then", "i can make it", "i can attend", "i can join", "i'm in", "i'll come",
              "sure", "of course", "absolutely", "definitely", "yep", "yeah", "yup"),
        NO: ("can't make it", "cannot make it", "can't attend", "cannot attend", "can't join",
             "can't come", "can't be there", "won't be there", "will not be there",
             "won't make it", "not able to attend", "unable to attend", "count me out", "nope",
             "not this time"),
        MAYBE: ("not sure", "i might", "might be there", "might join", "might attend",
                "possibly", "perhaps", "i'll try", "i will try", "if i can", "probably",
                "tentatively"),
        NEUTRAL: ("hi", "hello", "hey", "thanks", "thank you", "thx", "ok", "okay", "please",
                  "good morning", "good afternoon", "sorry"),
    },
    "es": {
        YES: ("ahí estaré", "allí estaré", "estaré ahí", "estaré allí", "ahí estaremos",
              "voy a estar", "asistiré", "voy a asistir", "cuenten conmigo", "claro",
              "por supuesto", "con gusto", "ahí nos vemos", "allí nos vemos", "nos vemos",
              "participaré", "confirmo", "de acuerdo", "voy", "iré"),
        NO: ("no puedo", "no podré", "no voy", "no iré", "no asistiré", "no voy a poder",
             "no estaré", "no podemos", "imposible", "no me es posible"),
        MAYBE: ("quizá", "a lo mejor", "no estoy seguro",
                "no estoy segura", "no sé", "intentaré", "voy a intentar", "trataré",
                "posiblemente", "probablemente", "puede ser"),
        NEUTRAL: ("hola", "buenos días", "buenas tardes", "buenas noches", "gracias",
                  "muchas gracias", "ok", "vale", "por favor", "señor", "señora", "saludos",
                  "lo siento"),
    },
    "zh": {
        YES: ("我会参加", "会参加", "會參加", "我会去", "会去", "會去", "我会来", "会来", "會來",
              "参加", "參加", "我去", "没问题", "沒問題", "可以", "一定到", "到时见", "到時見"),
        NO: ("不能参加", "不能參加", "参加不了", "參加不了", "去不了", "来不了", "來不了", "不能来",
             "不能來", "不能去", "不参加", "不參加", "不去", "不来", "不來", "没空", "沒空",
             "没时间", "沒時間", "不可能", "不可以", "不行"),
        MAYBE: ("不确定", "不確定", "不一定", "说不定", "說不定", "看情况", "看情況", "尽量", "盡量",
                "或许", "或許", "大概", "不知道"),
        NEUTRAL: ("你好", "您好", "谢谢", "謝謝", "请", "請", "不好意思", "对不起", "對不起", "抱歉"),
    },
    "vi": {
        YES: ("tôi sẽ đến", "sẽ đến", "sẽ tham gia", "tham gia", "đồng ý", "chắc chắn", "vâng"),
        NO: ("không đi được", "không thể", "không tham gia", "không đến được", "không đến",
             "không đi", "tôi bận"),
        MAYBE: ("có lẽ", "chưa chắc", "không chắc", "sẽ cố gắng", "để xem"),
        NEUTRAL: ("xin chào", "chào", "cảm ơn", "cám ơn", "dạ", "ạ", "ok"),
    },
    "ko": {
        YES: ("참석하겠습니다", "참석할게요", "참석합니다", "참석", "갈게요", "가겠습니다", "갑니다",
              "좋아요", "알겠습니다"),
        NO: ("참석 못", "참석이 어렵", "참석 불가", "불참", "못 가", "못 갑니다", "못 해요",
             "어렵습니다", "안 갈게요", "안 가요"),
        MAYBE: ("아마", "아마도", "아마 갈게요", "모르겠", "잘 모르겠어요", "확실하지 않",
                "노력해 볼게요", "가능하면", "글쎄요"),
        NEUTRAL: ("안녕하세요", "감사합니다", "고맙습니다", "죄송합니다", "요"),
    },
    "tl": {
        YES: ("pupunta ako", "pupunta po ako", "dadalo ako", "dadalo po ako", "sasali ako",
              "sige", "oo naman", "makakarating ako", "makakadalo ako"),
        NO: ("hindi ako makakapunta", "hindi po ako makakapunta", "hindi makakapunta",
             "hindi po makakapunta", "hindi po ako makakadalo", "hindi ako makakadalo",
             "hindi makakadalo", "hindi ako pupunta", "di ako makakapunta", "hindi pwede",
             "hindi puwede", "ayoko"),
        MAYBE: ("hindi ako sigurado", "hindi sigurado", "susubukan ko", "titingnan ko"),
        NEUTRAL: ("salamat", "magandang umaga", "magandang hapon", "po", "kumusta", "ok",
                  "hello"),
    },
    "ar": {
        YES: ("سأحضر", "سوف أحضر", "سأكون هناك", "سأشارك", "سوف أشارك", "أكيد", "بالتأكيد",
              "حاضر", "موافق", "تمام"),
        NO: ("لا أستطيع", "لن أحضر", "لن أتمكن", "لن أستطيع", "لا يمكنني", "لن أشارك",
             "مش هقدر"),
        MAYBE: ("لست متأكد", "لست متأكدا", "لست متأكدة", "سأحاول", "ممكن", "يمكن"),
        NEUTRAL: ("مرحبا", "السلام عليكم", "شكرا", "إن شاء الله", "من فضلك"),
    },
    "ht": {
        YES: ("m ap la", "map la", "mwen ap la", "m pral la", "mwen pral la", "m ap vini",
              "mwen ap vini", "m ap patisipe", "mwen ap patisipe", "dakò", "pa gen pwoblèm",
              "sètènman"),
        NO: ("m pa ka", "mwen pa ka", "m paka", "m pap ka", "mwen pap ka", "m pa p la", "m pap la",
             "mwen pap la", "m pa disponib", "m pap vini", "mwen pap vini"),
        MAYBE: ("m pa konnen", "mwen pa konnen", "m pa sèten", "m ap eseye", "mwen ap eseye",
                "si m kapab", "si m ka"),
        NEUTRAL: ("bonjou", "bonswa", "mèsi", "mèsi anpil", "souple", "tanpri", "ok"),
    },
    "fr": {
        YES: ("je serai là", "j'y serai", "je viendrai", "je participerai", "je vais participer",
              "je serai présent", "je serai présente", "avec plaisir", "bien sûr", "d'accord",
              "volontiers", "comptez sur moi", "compte sur moi"),
        NO: ("je ne peux pas", "je peux pas", "je ne pourrai pas", "je pourrai pas",
             "je ne serai pas là", "je serai pas là", "je ne viendrai pas", "pas disponible",
             "indisponible", "impossible", "je ne participerai pas", "malheureusement non"),
        MAYBE: ("je ne sais pas", "je sais pas", "pas sûr", "pas sûre", "je vais essayer",
                "j'essaierai", "probablement", "si je peux"),
        NEUTRAL: ("bonjour", "bonsoir", "merci", "merci beaucoup", "s'il vous plaît", "svp", "ok",
                  "salut", "désolé", "désolée"),
    },
    "pt": {
        YES: ("estarei lá", "vou estar lá", "eu vou", "vou participar", "participarei",
              "estarei presente", "com certeza", "claro", "pode contar comigo", "conte comigo",
              "vou sim", "irei"),
        NO: ("não posso", "não vou", "não poderei", "não vou poder", "não estarei", "não consigo",
             "não vou conseguir", "impossível", "infelizmente não"),
        MAYBE: ("não sei", "não tenho certeza", "vou tentar", "tentarei", "provavelmente",
                "se eu puder", "pode ser"),
        NEUTRAL: ("olá", "oi", "bom dia", "boa tarde", "boa noite", "obrigado", "obrigada",
                  "por favor", "ok", "desculpe"),
    },
    "ru": {
        YES: ("я буду", "буду", "приду", "я приду", "буду участвовать", "обязательно", "конечно",
              "хорошо", "согласен", "согласна", "участвую", "подключусь"),
        NO: ("не смогу", "не могу", "не приду", "не буду", "не получится", "к сожалению нет",
             "не участвую"),
        MAYBE: ("не знаю", "не уверен", "не уверена", "постараюсь", "попробую", "посмотрим",
                "вероятно"),
        NEUTRAL: ("здравствуйте", "привет", "спасибо", "добрый день", "пожалуйста", "ок"),
    },
}
