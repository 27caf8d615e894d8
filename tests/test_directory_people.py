"""The directory never loses people: names found whatever their accents and case, any ISO 639
language with the catalog its SMS use, phone extensions kept, CSV exports Excel reads."""

from __future__ import annotations

import io

import pytest
from alembic import command
from sqlalchemy import text

from bot.actions import service as actions
from bot.cli.contact_views import details
from bot.db.unit_of_work import Database, alembic_config
from bot.directory.rules.contacts import ContactRecord
from bot.directory.rules.names import fold
from bot.directory.service import contacts as directory
from bot.directory.service.files import export_contacts
from bot.dispatch.grammar import Invocation
from bot.errors import InvalidInput
from bot.i18n.languages import describe, parse_home_language, sms_language_for
from tests.conftest import COORDINATOR
from tests.support.contacts import run_import, write_lines
from tests.support.scenario import declared_with_contacts

KEY = "INC-2026-0001"
MIGUEL, ROSA, NADIA = "+13055550111", "+13055550112", "+13055550113"
PEOPLE = [
    ContactRecord(name="Miguel Ángel Torres", phone=MIGUEL, language="es", regions=("FL",),
                  organisation="Asociación Campesina Ñuu Savi"),
    ContactRecord(name="Rosa Martínez", phone=ROSA, language="es", regions=("FL",)),
    ContactRecord(name="Nadia Đặng", phone=NADIA, language="vi", regions=("GA",)),
]


@pytest.fixture
def commands(container):
    return declared_with_contacts(container, PEOPLE)


def why(commands, reference: str) -> str:
    return commands.run(Invocation("contacts", key=KEY, text=f"why {reference}"),
                        user=COORDINATOR, channel=None).text


def owner(container, reference: str) -> str:
    with container.db.unit_of_work(read_only=True) as uow:
        return actions.directory_owner(uow, reference, default_region="US").label


def shown(container, reference: str) -> dict[str, str]:
    """What ``coordbot contacts show REFERENCE`` prints, as label -> value."""
    with container.db.unit_of_work(read_only=True) as uow:
        return dict(details(directory.find_contact(uow, reference), reveal=False))


# ---------------------------------------------------------------- the fold (pure)

@pytest.mark.parametrize(("written", "folded"), [
    ("Miguel Ángel Torres", "miguel angel torres"),
    ("  ROSA   MARTÍNEZ ", "rosa martinez"),
    ("Nadia Đặng", "nadia dang"),
    ("Łódź Straße", "lodz strasse"),
    ("ﬁona", "fiona"),  # a ligature, taken apart by NFKD
    ("王小明", "王小明"),  # nothing to take off
    ("Ana\x01 Ruiz\x1f\tB\x85C\x9f", "ana ruiz b c"),  # controls dropped, or spaces
])
def test_a_name_folds_without_accents_case_or_extra_spaces(written, folded):
    assert fold(written) == folded


def test_a_folded_name_holds_nothing_below_a_space_so_the_sort_key_sorts_as_its_parts():
    folded = fold("".join(map(chr, range(0x100))))
    assert min(folded) == " " and all(ord(ch) >= 0x20 for ch in folded)


# ---------------------------------------------------------------- the three lookups

@pytest.mark.parametrize("reference", ["Miguel Ángel Torres", "miguel ángel torres",
                                       "MIGUEL ANGEL TORRES", "Miguel  Angel Torres"])
def test_contacts_why_finds_a_name_whatever_its_accents_and_case(commands, reference):
    assert "Miguel Ángel Torres" in why(commands, reference)


def test_unaccented_rosa_martinez_is_found_by_every_lookup(commands, container):
    assert "Rosa Martínez" in why(commands, "Rosa Martinez")
    assert owner(container, "rosa martinez") == "Rosa Martínez"
    assert shown(container, "ROSA MARTINEZ")["name"] == "Rosa Martínez"
    assert shown(container, "Nadia Dang")["name"] == "Nadia Đặng"


def test_action_add_finds_contacts_and_organisations_whatever_their_accents(commands, container):
    reply = commands.run(Invocation("action", key=KEY, text='add "miguel angel torres" "Call back"'),
                         user=COORDINATOR, channel=None).text
    assert reply.startswith("Added *A-1* for Miguel Ángel Torres")
    assert owner(container, "asociacion campesina nuu savi") == "Asociación Campesina Ñuu Savi"


def test_contacts_list_filter_ignores_accents_and_treats_wildcards_as_text(container, commands):
    with container.db.unit_of_work(read_only=True) as uow:
        assert [c.name for c in directory.search(uow, "martinez")] == ["Rosa Martínez"]
        assert [c.name for c in directory.search(uow, "ÁNGEL")] == ["Miguel Ángel Torres"]
        assert directory.search(uow, "%") == [] and directory.search(uow, "_") == []


def test_the_migration_folds_the_names_already_in_the_directory(empty_database_url):
    """A directory written before 0010 is found as well as one written after it."""
    database = Database(empty_database_url)
    with database.engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0009")
        connection.execute(text(
            "INSERT INTO contacts (id, name, organisation, organisation_type, role, phone, language,"
            " timezone, regions, incident_types, tags, sms_consent, phone_status, active,"
            " created_at, updated_at) VALUES (1, 'Miguel Ángel Torres', 'Ñuu Savi', '', '',"
            " '+13055550111', 'es', 'America/New_York', '[\"FL\"]', '[\"all\"]', '[]', 'unknown',"
            " 'ok', true, '2026-12-01 00:00:00', '2026-12-01 00:00:00')"))
    database.upgrade()
    with database.unit_of_work(read_only=True) as uow:
        found = directory.find_contact(uow, "miguel angel torres")
        assert (found.name_folded, found.organisation_folded) == ("miguel angel torres", "nuu savi")
        assert (found.language, found.home_language, found.phone_extension) == ("es", "es", None)
        assert directory.organisation_named(uow, "ÑUU SAVI") == "Ñuu Savi"
    database.dispose()


# ---------------------------------------------------------------- any ISO 639 language

LANGUAGE_FILE = [
    "name,phone,language,sms_language,regions",
    "Juana Cruz,+1 305 555 0121,Mixteco,,FL",
    "Imran Qureshi,+1 305 555 0122,ur,,FL",
    "Ayesha Khan,+1 305 555 0123,Urdu,fr,FL",
    "Tomás Pérez,+1 305 555 0124,quc,,FL",
    "Bad Language,+1 305 555 0125,elvish,,FL",
    "Bad Catalog,+1 305 555 0126,mix,mix,FL",
]


def test_languages_without_a_catalog_are_imported_with_their_sms_language(db, settings, clock,
                                                                          tmp_path):
    path = write_lines(tmp_path / "people.csv", LANGUAGE_FILE)
    refused = run_import(db, settings, clock, path)
    assert not refused.written
    assert [(e.line, e.column, e.value) for e in refused.report.errors] == [
        (6, "language", "elvish"), (7, "sms_language", "mix")]
    assert refused.report.errors[1].why.startswith("there are no texts in 'mix'")
    result = run_import(db, settings, clock, path, skip_invalid=True)
    assert result.summary.created == 4 and result.summary.rejected == 2
    with db.unit_of_work(read_only=True) as uow:
        spoken = {c.name: (c.home_language, c.language) for c in uow.contacts.all()}
    assert spoken == {"Juana Cruz": ("mix", "es"), "Imran Qureshi": ("ur", "en"),
                      "Ayesha Khan": ("ur", "fr"), "Tomás Pérez": ("quc", "es")}


def test_contacts_show_states_the_sms_fallback_and_the_interpreter(container, commands):
    with container.db.unit_of_work() as uow:
        directory.import_records(uow, [
            ContactRecord(name="Juana Cruz", phone="+13055550121", home_language="mix",
                          language="es", regions=("FL",)),
            ContactRecord(name="Imran Qureshi", phone="+13055550122", home_language="ur",
                          language="en", regions=("FL",))], source="t", actor="t",
            now=container.clock.now())
        uow.commit()
    assert shown(container, "juana cruz")["language"] == \
        "Mixtepec Mixtec (mix): texts in Spanish; needs an interpreter for calls"
    assert shown(container, "Imran Qureshi")["language"] == \
        "Urdu (ur): texts in English; needs an interpreter for calls"
    assert shown(container, "Rosa Martinez")["language"] == "Spanish (es): texts in Spanish"
    summary = commands.run(Invocation("contacts", key=KEY, text=""), user=COORDINATOR).text
    assert "Urdu (texts in English)" in summary
    assert "No contact tagged `interpreter` for:" in summary and "Urdu" in summary.split(
        "No contact tagged")[1].splitlines()[0]


def test_a_mixteco_speaker_is_texted_in_spanish(container, commands, sms):
    with container.db.unit_of_work() as uow:
        directory.import_records(uow, [ContactRecord(
            name="Juana Cruz", phone="+13055550121", home_language="mix", language="es",
            regions=("FL",))], source="t", actor="t", now=container.clock.now())
        uow.commit()
    commands.run(Invocation("action", key=KEY, text='add "Juana Cruz" "Bring the list"'),
                 user=COORDINATOR)
    container.worker.drain()
    [body] = [m["body"] for m in sms.sent if m["to"] == "+13055550121"]
    assert "tiene una nueva tarea" in body


@pytest.mark.parametrize("written", ["", "xx", "und", "12", "Español!!", "a" * 40])
def test_garbage_languages_are_refused_with_what_to_write(written):
    with pytest.raises(InvalidInput, match="use an ISO 639 code"):
        parse_home_language(written)


def test_the_fallback_is_explicit_for_every_language():
    assert [sms_language_for(parse_home_language(t)) for t in ("Mixteco", "ur-PK", "kea", "ko")] \
        == ["es", "en", "pt", "ko"]
    assert describe("ko", "ko") == "Korean (ko): texts in Korean"


# ---------------------------------------------------------------- phone extensions

@pytest.mark.parametrize("written", ["+1 202 555 0143 ext 12", "(202) 555-0143 x12",
                                     "202 555 0143 ext. 12", "2025550143;12"])
def test_an_extension_is_kept_shown_and_exported(db, settings, clock, tmp_path, written):
    path = write_lines(tmp_path / "ext.csv", ["name,phone,regions", f'Ana Office,"{written}",FL'])
    assert run_import(db, settings, clock, path).written
    with db.unit_of_work(read_only=True) as uow:
        contact = uow.contacts.by_phone("+12025550143")
        assert contact.phone_extension == "12"
        assert dict(details(contact, reveal=False))["phone"] == "+1 ••• ••• 0143 ext. 12"
        assert dict(details(contact, reveal=True))["phone"] == "+12025550143 ext. 12"
    out = io.StringIO()
    export_contacts(db, out)
    assert "+12025550143 ext. 12" in out.getvalue()
    again = write_lines(tmp_path / "again.csv", out.getvalue().splitlines())
    assert run_import(db, settings, clock, again).summary.unchanged == 1


# ---------------------------------------------------------------- CSV exports for Excel

def test_a_csv_export_carries_a_bom_unless_told_not_to(db, commands):
    with_bom, without = io.StringIO(), io.StringIO()
    export_contacts(db, with_bom)
    export_contacts(db, without, bom=False)
    assert with_bom.getvalue().startswith("\ufeffname,") and without.getvalue().startswith("name,")
    as_json = io.StringIO()
    export_contacts(db, as_json, fmt="json")
    assert as_json.getvalue().startswith("[")


@pytest.mark.parametrize("bom", [True, False])
def test_the_audience_export_carries_a_bom_unless_configured_off(container, slack, bom):
    container.settings.directory.csv_bom = bom
    commands = declared_with_contacts(container, PEOPLE)
    commands.run(Invocation("contacts", key=KEY, text="export"), user=COORDINATOR)
    container.worker.drain()
    content = slack.files[-1]["content"]
    assert content.startswith("\ufeffname,") == bom and "Rosa Martínez" in content
