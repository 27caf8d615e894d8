"""Reading contacts files (no database): every kind of bad input is reported by line, column and
value; CSV and JSON, encodings, limits."""

from __future__ import annotations

import json
import time

from bot.directory.rules.contact_file import MAX_LINE
from bot.directory.rules.contacts import COLUMNS, Consent
from tests.support.contacts import (
    EXAMPLE,
    EXAMPLE_ROWS,
    HEADER,
    example_lines,
    problems,
    read,
)

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
                  "Bo,+1 202 555,elvish,FL;XX,all\n"
                  "Cy,202 555 0102,en,TX,tornado\n")
    assert [line for line, _ in report.rows] == [2]
    assert problems(report) == [(3, "phone", "+1 202 555"), (3, "language", "elvish"),
                                (3, "regions", "FL;XX"), (4, "incident_types", "tornado")]
    whys = [e.why for e in report.errors]
    assert "not a valid phone number" in whys[0] or "not a phone number" in whys[0]
    assert whys[1].startswith("unknown language 'elvish'; use an ISO 639 code")
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
