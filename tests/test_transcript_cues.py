"""Cue phrases: which lines of a call's live transcript are suggested as decisions or action
items, in every catalog language, against a golden file (``COORDBOT_UPDATE_GOLDEN=1`` rewrites
it: then read it, it is what reviewers are shown), and the checks the cue lists pass."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from bot.i18n.catalog import messages
from bot.i18n.checks import check_text
from bot.i18n.cues import languages_for, phrases
from bot.i18n.languages import LANGUAGES
from bot.notes.rules.cues import kinds

GOLDEN = Path(__file__).with_name("golden") / "transcript_cues.txt"
# (language tag as Twilio's transcription gives it, a final line). Lines that hold no cue are
# here too: a golden file of matches only could not show a false positive.
LINES = [
    ("en-US", "Okay, we decided to open the Lincoln High shelter tonight."),
    ("en-US", "Action item for Gulf Relief: send two interpreters to Eastside."),
    ("en-US", "I'll take care of the generator request."),
    ("en-US", "The roads to the east are still closed."),
    ("en-US", "We undecided people need more time."),  # "decided" inside a word: not a cue
    ("es-US", "Bueno, decidimos abrir el refugio de la escuela Lincoln."),
    ("es-US", "Tarea para Casa Ayuda: llamar a las familias de la calle Oak."),
    ("es-US", "Se decidio pedir doscientos catres al condado."),  # no accent: still found
    ("es-US", "Las familias tienen miedo de salir."),
    ("fr-FR", "Nous avons décidé de fermer le pont jusqu'à demain."),
    ("fr-FR", "Je m’en occupe, j'appelle la mairie ce soir."),  # a typographic apostrophe
    ("fr-FR", "Il pleut encore beaucoup."),
    ("ht-HT", "Nou deside louvri abri a nan legliz la."),
    ("ht-HT", "M ap okipe rele fanmi yo nan katye a."),
    ("ht-HT", "Gen anpil dlo nan lari yo."),
    ("pt-BR", "Ficou decidido que a igreja recebe as famílias."),
    ("pt-BR", "Tarefa para a Cáritas: levar água ao abrigo."),
    ("vi-VN", "Chúng tôi đã quyết định mở thêm một nơi trú ẩn."),
    ("vi-VN", "Tôi sẽ lo việc gọi cho các gia đình."),
    ("vi-VN", "Nước vẫn còn cao ở phía đông."),
    ("zh-CN", "我们决定今晚开放第二个避难所。"),
    ("zh-CN", "这个由我负责联系县政府。"),
    ("ko-KR", "오늘 밤 대피소를 열기로 결정했습니다."),
    ("ko-KR", "통역사 요청은 제가 맡겠습니다."),
    ("ru-RU", "Мы решили открыть второй приют."),
    ("ru-RU", "Я займусь звонками семьям."),
    ("ar-SA", "قررنا فتح مأوى ثانٍ الليلة."),
    ("ar-SA", "سأتولى الاتصال بالعائلات."),
    ("tl-PH", "Napagpasyahan namin na buksan ang paaralan."),
    ("tl-PH", "Ako na ang bahala sa mga pamilya sa Oak Street."),
    ("tl-PH", "Malakas pa rin ang ulan."),
    ("de-DE", "We agreed to meet again tomorrow."),  # no German catalog: English cues
]


def rendered() -> str:
    out = []
    for language, line in LINES:
        found = kinds(line, [phrases(tag) for tag in languages_for(language)])
        out.append(f"[{language}] {', '.join(found) or '-'} | {line}")
    return "\n".join(out) + "\n"


def test_cue_phrases_find_decisions_and_action_items_in_every_language():
    text = rendered()
    if os.environ.get("COORDBOT_UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    expected = GOLDEN.read_text(encoding="utf-8")
    assert text == expected, "\n".join(difflib.unified_diff(
        expected.splitlines(), text.splitlines(), "golden", "now", lineterm=""))


def test_the_golden_file_covers_at_least_five_languages_with_both_kinds():
    lines = GOLDEN.read_text(encoding="utf-8").splitlines()
    both = {}
    for line in lines:
        tag, found = line[1:].split("]", 1)
        for kind in ("decision", "action"):
            if kind in found.split("|", 1)[0]:
                both.setdefault(tag.split("-")[0], set()).add(kind)
    assert len([tag for tag, found in both.items() if found == {"decision", "action"}]) >= 5


@pytest.mark.parametrize("tag", list(LANGUAGES))
def test_every_language_has_its_own_cue_phrases(tag):
    own = messages(tag)
    for kind in ("decision", "action"):
        assert own[f"cue.{kind}"].strip()
        assert phrases(tag)[kind]


def test_a_broken_cue_list_is_refused_as_an_import_would():
    assert check_text("cue.decision", "we decided||we agreed", "x", {}) == [
        "an empty cue phrase (two | in a row, or one at an end)"]
    assert "at most 60 characters" in check_text("cue.action", "a" * 61, "x", {})[0]
    assert check_text("cue.action", "{office} decided", "x", {})[0].startswith("placeholders")
