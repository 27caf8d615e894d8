"""The translators' round trip at the service level: PO and CSV out, reviewed texts back in,
every bad file refused whole with its line, and the coverage warnings before a send."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.directory.rules.audience import SMS, Member, Scope, summarise
from bot.directory.rules.contacts import ContactRecord
from bot.i18n import catalog, review, translations
from bot.i18n.catalog import messages, render, use_directory
from bot.i18n.exchange import Refused
from tests.conftest import COORDINATOR
from tests.support.scenario import declared_with_contacts

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
HELP_ES = ("Estos mensajes son de {office}. Una persona lee cada respuesta. Responda STOP para no "
           "recibir más mensajes.")
NEW_HELP = "Mensajes de {office}. Una persona lee cada respuesta. Responda STOP para terminar."
ANA = "+12025550101"


@pytest.fixture
def catalogs(tmp_path: Path):
    """A copy of the packaged catalogs, in use for the test; the packaged ones stay as they are."""
    copy = tmp_path / "catalogs"
    shutil.copytree(catalog.PACKAGED, copy)
    with use_directory(copy):
        yield copy


def po_text(tag: str = "es") -> str:
    return translations.export("po", [tag], NOW).decode("utf-8")


def write(tmp_path: Path, text: str, name: str = "es.po") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def approve(text: str, key: str) -> str:
    """The PO text with ``key`` approved (its fuzzy flag cleared), as Poedit would save it."""
    flagged = f'#, fuzzy, python-brace-format\nmsgctxt "{key}"'
    assert flagged in text
    return text.replace(flagged, f'#, python-brace-format\nmsgctxt "{key}"')


def approve_all(text: str) -> str:
    """Every text approved; a text without placeholders has the fuzzy flag alone."""
    return re.sub(r"^#, fuzzy\n", "", text.replace("#, fuzzy, ", "#, "), flags=re.MULTILINE)


def line_of(text: str, fragment: str) -> int:
    return text[:text.index(fragment)].count("\n") + 1


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in directory.rglob("*") if p.is_file()}


def test_without_reviews_every_text_is_unreviewed_and_english_is_never_listed(catalogs):
    shutil.rmtree(catalogs / "reviewed", ignore_errors=True)
    assert review.status("es").unreviewed == tuple(sorted(catalog.keys()))
    assert review.unreviewed_languages(["en", "es", "vi", "vi"]) == ("es", "vi")


def test_a_po_file_has_the_key_the_english_the_text_a_note_and_fuzzy(catalogs):
    text = po_text()
    assert "\"Language: es\\n\"" in text
    assert (f'#. SMS, at most 2 segments with the values filled in. Keep the placeholders {{office}}. '
            f'Keep STOP in English: the bot and carriers act on it.\n#, fuzzy, python-brace-format\n'
            f'msgctxt "help"\nmsgid "These texts are from {{office}}. A person reads every reply. '
            f'Reply STOP to stop."\nmsgstr "{HELP_ES}"') in text.replace("\n#. {office}", " {office}")
    assert 'msgctxt "voice.welcome"' in text and "Voice prompt" in text
    assert text.count('msgctxt "') == len(catalog.keys())


def test_po_round_trip_changes_the_text_marks_it_reviewed_and_keeps_the_comments(catalogs, tmp_path):
    edited = approve(po_text(), "help").replace(HELP_ES, NEW_HELP)
    [outcome] = translations.import_file(write(tmp_path, edited))
    assert (outcome.language, outcome.changed, outcome.reviewed) == ("es", ["help"], ["help"])
    assert messages("es")["help"] == NEW_HELP
    assert render("help", "es", office="CRCO").startswith("Mensajes de CRCO.")
    assert review.status("es").unreviewed == tuple(sorted(catalog.keys() - {"help"}))
    assert (catalogs / "es.toml").read_text(encoding="utf-8").startswith(
        "# Spanish (español). Register: usted.\n")  # the translators' notes are kept
    assert 'voice.welcome = "' in (catalogs / "es.toml").read_text(encoding="utf-8")


def test_a_reviewed_text_edited_later_is_unreviewed_again(catalogs, tmp_path):
    translations.import_file(write(tmp_path, approve(po_text(), "help")))
    assert "help" in review.reviewed_keys("es")
    path = catalogs / "es.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "Una persona lee cada respuesta.", "Alguien lee cada respuesta."), encoding="utf-8")
    assert "help" not in review.reviewed_keys("es")


def test_a_fuzzy_text_is_imported_but_stays_unreviewed(catalogs, tmp_path):
    [outcome] = translations.import_file(write(tmp_path, po_text().replace(HELP_ES, NEW_HELP)))
    assert outcome.changed == ["help"] and outcome.reviewed == []
    assert messages("es")["help"] == NEW_HELP and review.status("es").reviewed == 0


def test_a_text_translated_from_an_older_english_one_stays_unreviewed(catalogs, tmp_path):
    exported = approve(po_text(), "help")
    english = catalogs / "en.toml"
    english.write_text(english.read_text(encoding="utf-8").replace(
        "A person reads every reply.", "A person reads each reply."), encoding="utf-8")
    [outcome] = translations.import_file(write(tmp_path, exported))
    assert outcome.stale == ["help"] and outcome.reviewed == []


def test_reviewing_every_text_clears_the_language(catalogs, tmp_path):
    text = approve_all(po_text("vi"))
    [outcome] = translations.import_file(write(tmp_path, text, "vi.po"))
    assert len(outcome.reviewed) == len(catalog.keys()) and outcome.changed == []
    assert review.status("vi").complete and review.unreviewed_languages(["vi", "es"]) == ("es",)


def test_a_broken_po_file_is_refused_with_its_line_and_nothing_changes(catalogs, tmp_path):
    text = po_text()
    broken = text.replace(f'msgstr "{HELP_ES}"', f'msgstr "{NEW_HELP}')  # the closing quote lost
    before = snapshot(catalogs)
    with pytest.raises(Refused) as refused:
        translations.import_file(write(tmp_path, broken))
    line = line_of(broken, f'msgstr "{NEW_HELP}')
    assert str(refused.value).startswith(f"nothing was imported:\nline {line}: not a PO line")
    assert snapshot(catalogs) == before


def test_babels_own_refusal_keeps_its_line_counted_from_one(catalogs, tmp_path):
    text = po_text()
    marker = "#-#-#-#-#  es.po (coordbot)  #-#-#-#-#"  # msgcat's mark of an unmerged conflict
    broken = text.replace('msgctxt "help"', f'msgctxt "help"\nmsgid ""\nmsgstr ""\n"{marker}\\n"\n{marker}')
    with pytest.raises(Refused) as refused:  # every line is well formed: Babel refuses it
        translations.import_file(write(tmp_path, broken))
    assert [p.line for p in refused.value.problems] == [line_of(broken, f"\n{marker}") + 1]
    assert "cannot parse po file with conflicts" in str(refused.value)


@pytest.mark.parametrize(("old", "new", "reason"), [
    ('msgctxt "help"', 'msgctxt "helpp"', "helpp: no catalog has this key"),
    ("Una persona de {office} leerá", "Una persona de {oficina} leerá",
     "reply_received: placeholders differ from the English text: missing {office}; unknown {oficina}"),
    ("Ya no recibirá mensajes de {office}. Responda START", "Ya no recibirá mensajes de {office}. "
     "Responda EMPEZAR", "stop_confirmation: must contain START in English"),
    (HELP_ES, HELP_ES.replace("cada respuesta.", "todas y cada una de las respuestas que usted envíe."),
     "help: 3 SMS segments with long sample values; at most 2"),
    ('msgstr "Adiós."', 'msgstr "' + "Adiós. " * 40 + '"',
     "voice.goodbye: a voice prompt has at most 260 characters"),
    ('msgstr "Adiós."', 'msgstr ""', "voice.goodbye: the text is empty"),
])
def test_a_bad_text_refuses_the_whole_file_with_its_line_and_reason(catalogs, tmp_path, old, new, reason):
    good_change = po_text().replace('"Gracias. Marcamos la tarea', '"Muchas gracias. Marcamos la tarea')
    assert old in good_change
    broken = good_change.replace(old, new)
    before = snapshot(catalogs)
    with pytest.raises(Refused) as refused:
        translations.import_file(write(tmp_path, broken))
    [problem] = refused.value.problems
    assert str(problem).startswith(f"line {problem.line}: {reason}")
    assert broken.splitlines()[problem.line - 1].startswith(("msgid", "msgctxt"))
    assert snapshot(catalogs) == before  # the good change in the same file was not written


def test_a_po_file_without_a_supported_language_is_refused(catalogs, tmp_path):
    for language, reason in [("", "names no Language"), ("de", "unsupported language 'de'")]:
        text = po_text().replace("Language: es\\n", f"Language: {language}\\n")
        with pytest.raises(Refused, match=reason):
            translations.import_file(write(tmp_path, text))


def test_other_files_are_refused(catalogs, tmp_path):
    with pytest.raises(Refused, match="is not a .po or .csv file"):
        translations.import_file(write(tmp_path, "x", "es.txt"))
    bad = tmp_path / "bad.po"
    bad.write_bytes(b'msgid ""\nmsgstr "\xff"\n')
    with pytest.raises(Refused, match="line 2: not UTF-8"):
        translations.import_file(bad)


def test_csv_round_trip_with_a_bom_for_excel(catalogs, tmp_path):
    data = translations.export("csv", ["es", "vi"], NOW)
    assert data.startswith("\ufefflanguage,key,english,text,reviewed,note\r\n".encode())
    text = data.decode("utf-8-sig")
    english = "These texts are from {office}. A person reads every reply. Reply STOP to stop."
    row = f"es,help,{english},{HELP_ES},no,"
    assert row in text
    edited = text.replace(row, row.replace(HELP_ES, NEW_HELP).replace(",no,", ",yes,"))
    path = tmp_path / "review.csv"
    path.write_bytes(b"\xef\xbb\xbf" + edited.encode("utf-8"))
    outcomes = translations.import_file(path)
    assert [(o.language, o.changed, o.reviewed) for o in outcomes] == [
        ("es", ["help"], ["help"]), ("vi", [], [])]
    assert messages("es")["help"] == NEW_HELP and review.reviewed_keys("es") == {"help"}


def test_a_bad_csv_row_is_refused_with_its_line_after_multi_line_cells(catalogs, tmp_path):
    text = translations.export("csv", ["es"], NOW).decode("utf-8-sig")
    rows = text.split("\r\n")  # a line break inside a text is "\n": rows as Excel shows them
    number = next(i for i, row in enumerate(rows, start=1) if row.startswith("es,help,"))
    assert number == 5 and text.count("\n") > 30  # incident_notice above it has line breaks
    rows[number - 1] = rows[number - 1].replace(",no,", ",maybe,")
    path = write(tmp_path, "\r\n".join(rows), "review.csv")
    with pytest.raises(Refused) as refused:
        translations.import_file(path)
    assert str(refused.value.problems[0]) == f"row {number}: help: reviewed must be yes or no, not 'maybe'"
    with pytest.raises(Refused, match="row 1: the first row must name the columns"):
        translations.import_file(write(tmp_path, "key,text\nhelp,x\n", "short.csv"))


def test_a_key_given_twice_is_refused(catalogs, tmp_path):
    text = translations.export("csv", ["es"], NOW).decode("utf-8-sig")
    row = next(line for line in text.split("\r\n") if line.startswith("es,help,"))
    with pytest.raises(Refused, match=r"help: given twice \(also on line"):
        translations.import_file(write(tmp_path, text + row + "\r\n", "twice.csv"))


def test_the_audience_summary_names_sms_languages_without_a_reviewed_catalog():
    def member(id, language, channel=SMS):
        return Member(id, channel, ("serves FL",), language, language, "+12025550100", "ngo",
                      ("FL",))

    members = [member(1, "es"), member(2, "vi", channel="slack"), member(3, "ko"), member(4, "en")]
    totals = summarise(members, Scope("hurricane", ("FL",)), interpreters={"es", "ko", "vi"},
                       unreviewed_catalogs=("es", "vi", "ko", "zh"))
    assert totals.catalogs_not_reviewed == ("es", "ko")  # vi is on Slack: no catalog text


def test_the_preview_and_the_audience_warn_until_a_translator_reviewed_the_catalog(
        container, catalogs, tmp_path):
    commands = declared_with_contacts(container, [
        ContactRecord(name="Ana Ruiz", phone=ANA, language="es", regions=("FL",))])
    warning = "the wording around it is not yet reviewed by a translator"
    assert warning in commands.run("notify INC-2026-0001 Shelters open.", user=COORDINATOR).text
    audience = commands.run("contacts INC-2026-0001", user=COORDINATOR).text
    assert "SMS texts not yet reviewed by a translator for: Spanish" in audience
    reviewed = approve_all(po_text())
    translations.import_file(write(tmp_path, reviewed.replace(HELP_ES, NEW_HELP)))
    assert warning not in commands.run("notify INC-2026-0001 Shelters open.", user=COORDINATOR).text
    assert "not yet reviewed" not in commands.run("contacts INC-2026-0001", user=COORDINATOR).text
