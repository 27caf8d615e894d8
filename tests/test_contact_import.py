"""Contacts files: parsing every kind of bad input, all-or-nothing imports, export, the CLI."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from hypothesis import assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import update

from bot.db.models import Contact
from bot.db.unit_of_work import Database
from bot.directory.rules.contact_file import MAX_LINE, read_contacts
from bot.directory.rules.contacts import COLUMNS, Consent, ContactRecord
from bot.directory.rules.regions import US_REGIONS
from bot.directory.service.files import MAX_BYTES, export_contacts, import_file
from bot.i18n.languages import LANGUAGES
from bot.incidents.rules import IncidentType

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "contacts.csv"
EXAMPLE_ROWS = 50
HEADER = ",".join(COLUMNS)


def read(data: bytes | str, filename: str = "contacts.csv"):
    if isinstance(data, str):
        data = data.encode()
    return read_contacts(data, filename=filename, default_region="US",
                         default_timezone="America/New_York")


def problems(report) -> list[tuple[int, str, str]]:
    return [(e.line, e.column, e.value) for e in report.errors]


def run_import(db, settings, clock, path: Path, **options):
    return import_file(db, path, settings=settings, actor="cli:admin", now=clock.now(), **options)


def snapshot(db: Database) -> dict[str, tuple]:
    """Every contact by phone (or email), with the fields an import sets."""
    with db.unit_of_work() as uow:
        return {c.phone or c.email: (c.name, c.organisation, c.organisation_type, c.role, c.email,
                                     c.slack_user_id, c.language, c.timezone, list(c.regions),
                                     list(c.incident_types), list(c.tags), c.sms_consent, c.active)
                for c in uow.contacts.all()}


def example_lines() -> list[str]:
    return EXAMPLE.read_text(encoding="utf-8").splitlines()


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------- reading files (no database)

def test_the_example_file_is_valid_and_varied():
    report = read(EXAMPLE.read_bytes())
    assert report.ok and len(report.rows) == EXAMPLE_ROWS
    records = [record for _, record in report.rows]
    assert {r.language for r in records} >= {"es", "zh", "vi", "ko", "tl", "ar", "ht", "fr", "pt",
                                             "ru", "en"}
    assert {"FL", "GA", "TX", "LA", "CA", "PR", "IL", "NY", "national"} <= {
        region for r in records for region in r.regions}
    interpreters = {r.language for r in records if "interpreter" in r.tags}
    assert len(interpreters) >= 8
    assert {"legal-aid", "faith", "official"} <= {tag for r in records for tag in r.tags}
    assert sum(r.sms_consent is Consent.OPTED_OUT for r in records) >= 2
    assert any(r.slack_user_id for r in records)
    assert all("example.org" in (r.email or "example.org") for r in records)
    assert all("555 01" in line for line in example_lines()[1:] if "+1" in line)


def test_wrong_delimiter_is_named():
    for separator, words in ((";", "';'"), ("\t", "tabs")):
        report = read(f"name{separator}phone\nAna{separator}202 555 0100\n")
        assert report.file_error == (f"this file seems to use {words} between columns; "
                                     "save it as comma-separated")
        assert not report.rows


def test_missing_header_says_which_columns_are_expected():
    report = read("Ana García,202 555 0100,es\n")
    assert "must be a header" in report.file_error and "'Ana García'" in report.file_error
    assert "name (required), organisation" in report.file_error
    report = read("phone,email\n202 555 0100,a@example.org\n")
    assert "no 'name' column" in report.file_error


def test_duplicate_and_unknown_columns_are_file_errors():
    report = read("name,phone,Phone\nAna,202 555 0100,202 555 0101\n")
    assert report.file_error.startswith("the header names the column 'phone' twice (columns 2 and 3)")
    report = read("name,phone,shoe size\nAna,202 555 0100,9\n")
    assert report.file_error.startswith("unknown column(s) 'shoe size'; the known columns are name,")


def test_bom_crlf_and_friendly_header_spelling_are_accepted():
    report = read(b"\xef\xbb\xbfName,Organization,Phone\r\nAna,Org (fictional),202 555 0100\r\n")
    assert report.ok
    assert report.rows[0][1].organisation == "Org (fictional)"
    assert report.rows[0][1].phone == "+12025550100"


def test_blank_lines_are_skipped_and_line_numbers_stay_physical():
    text = ('name,phone\n\nAna,202 555 0100\n"Bo\nBaptiste",202 555 0101\n\n , \n'
            'Cy,202 555 01\n')
    report = read(text)
    assert [(line, record.name) for line, record in report.rows] == [(3, "Ana"), (4, "Bo\nBaptiste")]
    assert problems(report) == [(8, "phone", "202 555 01")]
    assert report.rejected_lines == {8: "Cy,202 555 01"}


def test_a_ten_megabyte_line_is_one_row_error_and_quick():
    data = (b"name,phone\nAna,202 555 0100\nBig," + b"x" * 10_000_000 + b"\nBo,202 555 0101\n")
    started = time.monotonic()
    report = read(data)
    assert time.monotonic() - started < 5
    assert [line for line, _ in report.rows] == [2, 4]
    [error] = report.errors
    assert (error.line, error.column) == (3, "(line)")
    assert error.why == f"the line is longer than {MAX_LINE:,} characters"
    assert len(error.value) < 100 and "10,000,004 characters" in error.value


def test_a_value_over_the_csv_field_limit_is_a_row_error():
    report = read(b"name,phone\nBig," + b"y" * 200_000 + b"\nBo,202 555 0101\n")
    assert [(e.line, e.why) for e in report.errors] == [(2, "a value is longer than 131,072 characters")]
    assert [line for line, _ in report.rows] == [3]


def test_bad_values_are_reported_per_row_with_line_column_value_and_why():
    report = read("name,phone,language,regions,incident_types\n"
                  "Ana,202 555 0100,es,FL,hurricane\n"
                  "Bo,+1 202 555,klingon,FL;XX,all\n"
                  "Cy,202 555 0102,en,TX,tornado\n")
    assert [line for line, _ in report.rows] == [2]
    assert problems(report) == [(3, "phone", "+1 202 555"), (3, "language", "klingon"),
                                (3, "regions", "FL;XX"), (4, "incident_types", "tornado")]
    whys = [e.why for e in report.errors]
    assert "not a valid phone number" in whys[0] or "not a phone number" in whys[0]
    assert whys[1].startswith("unsupported language 'klingon'; use one of en, es")
    assert whys[2].startswith("unknown region(s) XX")
    assert "Unknown incident type 'tornado'" in whys[3]
    assert sorted(report.rejected_lines) == [3, 4]


def test_rows_with_too_many_or_too_few_values_or_bad_quotes():
    report = read('name,phone\nAna,202 555 0100,extra\nBo\nCy,"202" 555\nDi,"202 555 0103\nEd,1\n')
    assert [(e.line, e.column) for e in report.errors] == [(2, "(line)"), (3, "(line)"), (4, "(line)"),
                                                           (5, "(line)")]
    whys = [e.why for e in report.errors]
    assert whys[0].startswith("3 values but the header has 2 columns; a value with a comma")
    assert whys[1].startswith("1 value but the header has 2 columns; is a comma missing")
    assert whys[2].startswith("text after a closing quote")
    assert "never closed" in whys[3]
    assert report.rejected_lines[5] == 'Di,"202 555 0103\nEd,1'


def test_duplicates_inside_one_file_name_the_earlier_line():
    report = read("name,phone,email\n"
                  "Ana,202 555 0100,ana@example.org\n"
                  "Ana again,(202) 555-0100,other@example.org\n"
                  "Bo,202 555 0101,ANA@example.org\n")
    assert [line for line, _ in report.rows] == [2]
    assert [(e.line, e.column, e.value, e.why) for e in report.errors] == [
        (3, "phone", "(202) 555-0100",
         "the same phone as line 2; each contact may appear only once in a file"),
        (4, "email", "ANA@example.org",
         "the same email as line 2; each contact may appear only once in a file")]


def test_non_utf8_names_the_byte_offset():
    report = read(b"name,phone\nJos\xe9,202 555 0100\n")
    assert report.file_error.startswith("the file is not UTF-8 text: byte 0xe9 at byte offset 14 (line 2)")
    assert "save it as UTF-8" in report.file_error


def test_empty_header_only_and_spreadsheet_files_are_explained():
    assert read(b"").file_error == "the file is empty"
    assert read(b"\n \n").file_error == "the file is empty"
    assert read(HEADER + "\n\n").file_error == "the file has no contacts in it, only a header"
    assert "Excel workbook" in read(b"PK\x03\x04rest", "contacts.xlsx").file_error
    assert "UTF-16" in read("name\n".encode("utf-16")).file_error


def test_long_values_are_cut_for_display_and_database_sizes_are_checked():
    report = read(f"name,phone\n{'N' * 250},202 555 0100\n")
    [error] = report.errors
    assert (error.column, error.why) == ("name", "longer than 200 characters")
    assert error.value.startswith("NNNN") and error.value.endswith("(250 characters)")
    assert len(error.value) < 80


def test_the_error_column_of_a_rejects_file_is_ignored():
    report = read("name,phone,error\nAna,202 555 0100,line 3: phone: too short\n")
    assert report.ok and report.rows[0][1].name == "Ana"


def test_json_lists_of_objects_with_arrays_or_strings():
    data = json.dumps([
        {"name": "Ana", "phone": "202 555 0100", "regions": ["FL", "GA"], "tags": "legal-aid;faith",
         "sms_consent": "yes", "active": True},
        {"name": "Bo", "phone": 2025550101, "language": "Spanish", "incident_types": ["flood"]},
        {"name": "Cy", "phone": "555", "regions": {"FL": 1}},
        "Di",
        {"name": "Ed", "email": "ed@example.org", "Organization": "Org (fictional)"},
    ], ensure_ascii=False)
    report = read(data, "contacts.json")
    assert report.unit == "item"
    assert [(n, r.name) for n, r in report.rows] == [(1, "Ana"), (2, "Bo"), (5, "Ed")]
    ana, bo, ed = (r for _, r in report.rows)
    assert ana.regions == ("FL", "GA") and ana.tags == ("faith", "legal-aid") and ana.active
    assert bo.phone == "+12025550101" and bo.language == "es" and bo.incident_types == ("flood",)
    assert ed.organisation == "Org (fictional)"
    assert [(e.line, e.column) for e in report.errors] == [(3, "regions"), (4, "(item)")]
    assert report.rejected_lines[4] == "Di" + "," * (len(COLUMNS) - 1)


def test_json_that_is_not_a_list_or_not_json():
    assert "must be a list of objects" in read('{"name": "Ana"}', "c.json").file_error
    assert read("[1, 2", "c.json").file_error.startswith("not valid JSON: ")
    assert "unknown field(s) 'shoe'" in read('[{"name": "Ana", "shoe": 9}]', "c.json").file_error
    assert "nested too deeply" in read("[" * 100_000, "c.json").file_error
    assert read("[]", "c.json").file_error == "the file has no contacts in it, only a header"


def test_the_format_is_guessed_from_the_content_without_a_known_extension():
    assert read('[{"name": "Ana", "phone": "202 555 0100"}]', "contacts.txt").unit == "item"
    assert read("name,phone\nAna,202 555 0100\n", "contacts.txt").ok


# ---------------------------------------------------------------- property-based

LANGUAGE_TAGS = sorted(LANGUAGES)
REGION_CODES = [*sorted(US_REGIONS), "national"]
TYPES = [t.value for t in IncidentType]
ZONES = ["America/New_York", "America/Chicago", "America/Los_Angeles", "America/Puerto_Rico",
         "Pacific/Honolulu", "Europe/Paris"]
AREA_CODES = [202, 213, 305, 312, 404, 504, 713, 787, 917]


def _text(*, lower: bool = False, min_size: int = 0):
    def normal(value: str) -> str:
        value = value.strip()
        return value.lower().strip() if lower else value

    return (st.text(st.characters(blacklist_categories=("Cs",)), min_size=min_size, max_size=25)
            .map(normal).filter(lambda v: len(v) >= min_size and normal(v) == v))


@st.composite
def contact_records(draw) -> ContactRecord:
    phone = draw(st.none() | st.builds(lambda a, n: f"+1{a}55501{n:02d}", st.sampled_from(AREA_CODES),
                                       st.integers(0, 99)))
    email = draw(st.none() | st.from_regex(r"[a-z0-9._%+-]{1,12}@[a-z0-9-]{1,10}\.org", fullmatch=True))
    slack = draw(st.none() | st.from_regex(r"[UW][A-Z0-9]{2,10}", fullmatch=True))
    if not (phone or email or slack):
        email = "someone@example.org"
    types = draw(st.sets(st.sampled_from(TYPES), max_size=3))
    return ContactRecord(
        name=draw(_text(min_size=1)), organisation=draw(_text()),
        organisation_type=draw(_text(lower=True)), role=draw(_text()), phone=phone, email=email,
        slack_user_id=slack, language=draw(st.sampled_from(LANGUAGE_TAGS)),
        timezone=draw(st.sampled_from(ZONES)),
        regions=tuple(sorted(draw(st.sets(st.sampled_from(REGION_CODES), max_size=4)))),
        incident_types=tuple(sorted(types)) if types else ("all",),
        tags=tuple(sorted(draw(st.sets(st.from_regex(r"[a-z0-9][a-z0-9-]{0,12}", fullmatch=True),
                                       max_size=3)))),
        sms_consent=draw(st.sampled_from(list(Consent))), active=draw(st.booleans()))


def _cells(record: ContactRecord) -> dict[str, str]:
    return {"name": record.name, "organisation": record.organisation,
            "organisation_type": record.organisation_type, "role": record.role,
            "phone": record.phone or "", "email": record.email or "",
            "slack_user_id": record.slack_user_id or "", "language": record.language,
            "timezone": record.timezone, "regions": ";".join(record.regions),
            "incident_types": ";".join(record.incident_types), "tags": ";".join(record.tags),
            "sms_consent": record.sms_consent.value, "active": "yes" if record.active else "no"}


@hypothesis_settings(max_examples=75, deadline=None)
@given(records=st.lists(contact_records(), max_size=8,
                        unique_by=(lambda r: r.phone or object(), lambda r: r.email or object())),
       columns=st.permutations(COLUMNS), ending=st.sampled_from(["\r\n", "\n", "\r"]),
       bom=st.booleans())
def test_records_written_by_the_csv_module_read_back_the_same(records, columns, ending, bom):
    rows = [_cells(record) for record in records]
    # The csv module quotes only the characters of its own line ending: a lone "\r" or "\n" in a
    # value is then ambiguous to any reader, so such values go only with "\r\n" endings.
    assume(ending == "\r\n" or not any(c in v for row in rows for v in row.values() for c in "\r\n"))
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, columns, lineterminator=ending)
    writer.writeheader()
    writer.writerows(rows)
    data = (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")
    report = read(data)
    if not records:
        assert report.file_error == "the file has no contacts in it, only a header"
        return
    assert report.ok, report.errors[:3]
    assert [record for _, record in report.rows] == records
    lines = [line for line, _ in report.rows]
    assert lines == sorted(set(lines)) and lines[0] == 2


def _check_invariants(report) -> None:
    assert report.ok == (report.file_error is None and not report.errors)
    assert {e.line for e in report.errors} == set(report.rejected_lines)
    assert not {line for line, _ in report.rows} & set(report.rejected_lines)
    assert all(line >= 1 for line, _ in report.rows)
    assert all(len(e.value) < 120 for e in report.errors)


@hypothesis_settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=400), filename=st.sampled_from(["c.csv", "c.json", "c"]))
def test_arbitrary_bytes_never_raise(data, filename):
    _check_invariants(read(data, filename))


@hypothesis_settings(max_examples=100, deadline=None)
@given(body=st.lists(st.sampled_from([*',;"\n\r\t x5+@.-', "name", "202 555 0100", "FL", "é"]),
                    max_size=60).map("".join))
def test_csv_like_text_after_a_good_header_never_raises(body):
    _check_invariants(read("name,phone,regions\n" + body))


# ---------------------------------------------------------------- importing into the database

def test_the_example_imports_cleanly(db, settings, clock):
    result = run_import(db, settings, clock, EXAMPLE)
    assert result.written and result.report.ok and result.rejects_written is None
    assert result.summary.line() == f"{EXAMPLE_ROWS} created, 0 updated, 0 unchanged, 0 rejected"
    with db.unit_of_work() as uow:
        assert uow.contacts.count() == EXAMPLE_ROWS
        assert uow.contacts.interpreter_languages() >= {"es", "zh", "vi", "ko", "ar", "ht"}
        [event] = [e for e in uow.audit.list() if e.action == "contacts.imported"]
        assert event.actor == "cli:admin" and event.details["created"] == EXAMPLE_ROWS


def test_reimporting_changes_nothing(db, settings, clock):
    run_import(db, settings, clock, EXAMPLE)
    before = snapshot(db)
    result = run_import(db, settings, clock, EXAMPLE)
    assert result.summary.line() == f"0 created, 0 updated, {EXAMPLE_ROWS} unchanged, 0 rejected"
    assert snapshot(db) == before


def test_a_changed_row_updates_the_contact_matched_by_phone(db, settings, clock, tmp_path):
    run_import(db, settings, clock, EXAMPLE)
    lines = example_lines()
    lines[1] = lines[1].replace("Executive director", "Board chair")
    result = run_import(db, settings, clock, write_lines(tmp_path / "c.csv", lines))
    assert result.summary.line() == f"0 created, 1 updated, {EXAMPLE_ROWS - 1} unchanged, 0 rejected"
    with db.unit_of_work() as uow:
        assert uow.contacts.by_phone("+13055550101").role == "Board chair"
        assert uow.contacts.count() == EXAMPLE_ROWS


def test_a_changed_phone_is_matched_by_email(db, settings, clock, tmp_path):
    run_import(db, settings, clock, EXAMPLE)
    lines = example_lines()
    lines[1] = lines[1].replace("+1 305 555 0101", "+1 305 555 0199")
    result = run_import(db, settings, clock, write_lines(tmp_path / "c.csv", lines))
    assert (result.summary.created, result.summary.updated) == (0, 1)
    with db.unit_of_work() as uow:
        assert uow.contacts.by_phone("+13055550101") is None
        assert uow.contacts.by_phone("+13055550199").email == "rosa.martinez@example.org"
        assert uow.contacts.count() == EXAMPLE_ROWS


def test_any_bad_row_writes_nothing_and_every_bad_row_is_reported(db, settings, clock, tmp_path):
    run_import(db, settings, clock, EXAMPLE)
    before = snapshot(db)
    lines = example_lines()
    lines[1] = lines[1].replace("Executive director", "Board chair")  # a good change
    lines[5] = lines[5].replace("+1 786 555 0105", "+1 786 555")
    lines[7] = lines[7].replace(",ko,", ",klingon,").replace(",GA,", ",ZZ,")
    lines.append("New Person,,,,+1 202 555 0177,,,en,,FL,all,,yes,yes")
    result = run_import(db, settings, clock, write_lines(tmp_path / "c.csv", lines))
    assert not result.written and result.summary is None and result.rejects_written is None
    assert [(e.line, e.column, e.value) for e in result.report.errors] == [
        (6, "phone", "+1 786 555"), (8, "language", "klingon"), (8, "regions", "ZZ")]
    assert all(e.why for e in result.report.errors)
    assert snapshot(db) == before
    assert not (tmp_path / "c.rejects.csv").exists()


def test_skip_invalid_imports_the_good_rows_and_writes_the_rejects(db, settings, clock, tmp_path):
    lines = example_lines()
    lines[5] = lines[5].replace("+1 786 555 0105", "+1 786 555")
    lines[7] = lines[7].replace(",ko,", ",klingon,")
    source = write_lines(tmp_path / "c.csv", lines)
    result = run_import(db, settings, clock, source, skip_invalid=True)
    assert result.written
    assert result.summary.line() == f"{EXAMPLE_ROWS - 2} created, 0 updated, 0 unchanged, 2 rejected"
    assert result.rejects_written == tmp_path / "c.rejects.csv"
    assert (result.rejects_written.stat().st_mode & 0o777) == 0o600
    rejects = list(csv.DictReader(result.rejects_written.open(encoding="utf-8", newline="")))
    assert [r["name"] for r in rejects] == ["Padre Tomás Rivera", "Min-jun Park"]
    assert rejects[0]["phone"] == "+1 786 555" and rejects[0]["error"].startswith("line 6: phone: ")
    assert rejects[1]["error"].startswith("line 8: language: unsupported language 'klingon'")
    # Fixing the rejects file and importing it brings in the rest.
    fixed = result.rejects_written.read_text(encoding="utf-8")
    fixed = fixed.replace("+1 786 555,", "+1 786 555 0105,").replace("klingon", "ko")
    (tmp_path / "fixed.csv").write_text(fixed, encoding="utf-8")
    again = run_import(db, settings, clock, tmp_path / "fixed.csv")
    assert again.summary.line() == "2 created, 0 updated, 0 unchanged, 0 rejected"
    assert len(snapshot(db)) == EXAMPLE_ROWS


def test_skip_invalid_with_a_chosen_rejects_path(db, settings, clock, tmp_path):
    source = write_lines(tmp_path / "c.csv", ["name,phone", "Ana,202 555 0100", "Bo,12"])
    result = run_import(db, settings, clock, source, skip_invalid=True,
                        rejects_path=tmp_path / "bad-rows.csv")
    assert result.rejects_written == tmp_path / "bad-rows.csv"
    assert result.rejects_written.read_text(encoding="utf-8").splitlines()[0] == "name,phone,error"


def test_a_whole_file_error_writes_nothing_even_with_skip_invalid(db, settings, clock, tmp_path):
    source = write_lines(tmp_path / "c.csv", ["name;phone", "Ana;202 555 0100"])
    result = run_import(db, settings, clock, source, skip_invalid=True)
    assert not result.written and "';'" in result.report.file_error
    assert snapshot(db) == {}


def test_missing_unreadable_and_huge_files_are_explained(db, settings, clock, tmp_path):
    assert run_import(db, settings, clock, tmp_path / "nope.csv").report.file_error == "no such file"
    assert "folder" in run_import(db, settings, clock, tmp_path).report.file_error
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)
    assert "larger than 50 MB" in run_import(db, settings, clock, huge).report.file_error


def test_a_row_whose_phone_and_email_belong_to_two_contacts_is_refused(db, settings, clock,
                                                                        tmp_path):
    run_import(db, settings, clock, EXAMPLE)
    before = snapshot(db)
    source = write_lines(tmp_path / "c.csv", [
        "name,phone,email", "Mixed Up,+1 305 555 0101,jb.pierre@example.org"])
    result = run_import(db, settings, clock, source)
    [error] = result.report.errors
    assert error.column == "email" and error.value == "jb.pierre@example.org"
    assert re.fullmatch(r"the phone number is contact #\d+'s but the email is contact #\d+'s; "
                        r"correct one of them", error.why)
    assert not result.written and snapshot(db) == before


def test_two_rows_for_the_same_existing_contact_are_refused(db, settings, clock, tmp_path):
    run_import(db, settings, clock, EXAMPLE)
    source = write_lines(tmp_path / "c.csv", [
        "name,phone,email", "Rosa Martínez,+1 305 555 0101,",
        "Rosa M.,+1 305 555 0198,rosa.martinez@example.org"])
    result = run_import(db, settings, clock, source)
    assert [(e.line, e.column) for e in result.report.errors] == [(3, "email")]
    assert "line 2 already updates" in result.report.errors[0].why


def test_an_sms_opt_out_survives_a_reimport_that_says_yes(db, settings, clock):
    run_import(db, settings, clock, EXAMPLE)
    with db.unit_of_work() as uow:
        uow.session.execute(update(Contact).where(Contact.phone == "+13055550101")
                            .values(sms_consent="opted_out", consent_source="sms:STOP"))
        uow.commit()
    clock.advance(days=1)
    result = run_import(db, settings, clock, EXAMPLE)
    assert result.summary.kept_opt_outs == ["+1 ••• ••• 0101"]
    assert "1 contact(s) who texted STOP stay opted out" in result.summary.line()
    with db.unit_of_work() as uow:
        contact = uow.contacts.by_phone("+13055550101")
        assert (contact.sms_consent, contact.consent_source) == ("opted_out", "sms:STOP")


def test_export_round_trips_through_import(db, settings, clock, tmp_path):
    run_import(db, settings, clock, EXAMPLE)
    for fmt in ("csv", "json"):
        out = io.StringIO()
        assert export_contacts(db, out, fmt=fmt) == EXAMPLE_ROWS
        exported = tmp_path / f"export.{fmt}"
        exported.write_text(out.getvalue(), encoding="utf-8")
        fresh = Database(f"sqlite:///{tmp_path / f'fresh-{fmt}.db'}")
        fresh.upgrade()
        result = run_import(fresh, settings, clock, exported)
        assert result.report.ok and result.summary.created == EXAMPLE_ROWS
        assert snapshot(fresh) == snapshot(db)
        fresh.dispose()


# ---------------------------------------------------------------- the command line

def coordbot(database_url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COORDBOT_")}
    env.update(COORDBOT_DATABASE__URL=database_url, COLUMNS="200")
    result = subprocess.run([sys.executable, "-m", "bot", "contacts", *args], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=120)
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


def test_cli_import_list_show(database_url, tmp_path):
    first = coordbot(database_url, tmp_path, "import", str(EXAMPLE))
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == f"{EXAMPLE}: {EXAMPLE_ROWS} created, 0 updated, 0 unchanged, 0 rejected"
    listed = coordbot(database_url, tmp_path, "list", "--filter", "interpreter")
    assert listed.returncode == 0
    assert "+1 ••• ••• 0140" in listed.stdout and "Elena Vargas" in listed.stdout
    assert "555 0140" not in listed.stdout and "5550140" not in listed.stdout
    assert "10 of 50 contact(s)" in listed.stdout
    shown = coordbot(database_url, tmp_path, "show", "Elena Vargas")
    assert "+1 ••• ••• 0140" in shown.stdout and "+12025550140" not in shown.stdout
    revealed = coordbot(database_url, tmp_path, "show", "+1 202 555 0140", "--reveal")
    assert "+12025550140" in revealed.stdout
    missing = coordbot(database_url, tmp_path, "show", "Nobody Here")
    assert missing.returncode == 1 and "No contact is named 'Nobody Here'" in missing.stderr


def test_cli_bad_file_lists_every_bad_row_and_exits_1(database_url, tmp_path):
    lines = example_lines()
    lines[5] = lines[5].replace("+1 786 555 0105", "+1 786 555")
    lines[7] = lines[7].replace(",ko,", ",klingon,")
    source = write_lines(tmp_path / "c.csv", lines)
    result = coordbot(database_url, tmp_path, "import", str(source))
    assert result.returncode == 1
    assert "line 6, phone '+1 786 555': " in result.stderr
    assert "line 8, language 'klingon': unsupported language 'klingon'" in result.stderr
    assert "2 bad row(s); nothing was imported" in result.stderr
    listed = coordbot(database_url, tmp_path, "list")
    assert "the directory is empty" in listed.stdout
    skipped = coordbot(database_url, tmp_path, "import", str(source), "--skip-invalid")
    assert skipped.returncode == 0
    assert f"{EXAMPLE_ROWS - 2} created, 0 updated, 0 unchanged, 2 rejected" in skipped.stdout
    assert "c.rejects.csv" in skipped.stdout
    broken = coordbot(database_url, tmp_path, "import", str(write_lines(tmp_path / "s.csv", ["a;b"])))
    assert broken.returncode == 1 and "seems to use ';'" in broken.stderr


def test_cli_export_round_trips_into_a_fresh_database(database_url, tmp_path):
    coordbot(database_url, tmp_path, "import", str(EXAMPLE))
    exported = coordbot(database_url, tmp_path, "export")
    assert exported.returncode == 0 and exported.stdout.startswith(HEADER + "\n")
    assert "+13055550101" in exported.stdout
    (tmp_path / "out.csv").write_text(exported.stdout, encoding="utf-8")
    fresh_url = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert coordbot(fresh_url, tmp_path, "import", "out.csv").returncode == 0
    original, fresh = Database(database_url), Database(fresh_url)
    assert snapshot(fresh) == snapshot(original) and len(snapshot(fresh)) == EXAMPLE_ROWS
    to_file = coordbot(fresh_url, tmp_path, "export", "--format", "json", "--output", "again.json")
    assert to_file.returncode == 0 and "exported 50 contact(s) to again.json" in to_file.stderr
    as_json = io.StringIO()
    export_contacts(original, as_json, fmt="json")
    assert json.loads((tmp_path / "again.json").read_text(encoding="utf-8")) == json.loads(
        as_json.getvalue())
    assert ((tmp_path / "again.json").stat().st_mode & 0o777) == 0o600
    original.dispose()
    fresh.dispose()


def test_cli_configuration_errors_exit_2(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("COORDBOT_")}
    env["COORDBOT_TIMEZONE"] = "Mars/Olympus"
    result = subprocess.run([sys.executable, "-m", "bot", "contacts", "list"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "configuration error: timezone" in result.stderr
    assert "Traceback" not in result.stderr
