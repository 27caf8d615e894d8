"""Importing contacts files into the directory: all-or-nothing, matching by phone or email,
rejects files, opt-outs kept, export round trips."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import update

from bot.db.models import Contact
from bot.db.unit_of_work import Database
from bot.directory.service.files import MAX_BYTES, export_contacts
from tests.support.contacts import (
    EXAMPLE,
    EXAMPLE_ROWS,
    example_lines,
    run_import,
    snapshot,
    write_lines,
)

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
    lines[7] = lines[7].replace(",ko,", ",elvish,").replace(",GA,", ",ZZ,")
    lines.append("New Person,,,,+1 202 555 0177,,,en,,FL,all,,yes,yes")
    result = run_import(db, settings, clock, write_lines(tmp_path / "c.csv", lines))
    assert not result.written and result.summary is None and result.rejects_written is None
    assert [(e.line, e.column, e.value) for e in result.report.errors] == [
        (6, "phone", "+1 786 555"), (8, "language", "elvish"), (8, "regions", "ZZ")]
    assert all(e.why for e in result.report.errors)
    assert snapshot(db) == before
    assert not (tmp_path / "c.rejects.csv").exists()


def test_skip_invalid_imports_the_good_rows_and_writes_the_rejects(db, settings, clock, tmp_path):
    lines = example_lines()
    lines[5] = lines[5].replace("+1 786 555 0105", "+1 786 555")
    lines[7] = lines[7].replace(",ko,", ",elvish,")
    source = write_lines(tmp_path / "c.csv", lines)
    result = run_import(db, settings, clock, source, skip_invalid=True)
    assert result.written
    assert result.summary.line() == f"{EXAMPLE_ROWS - 2} created, 0 updated, 0 unchanged, 2 rejected"
    assert result.rejects_written == tmp_path / "c.rejects.csv"
    assert (result.rejects_written.stat().st_mode & 0o777) == 0o600
    rejects = list(csv.DictReader(result.rejects_written.open(encoding="utf-8", newline="")))
    assert [r["name"] for r in rejects] == ["Padre Tomás Rivera", "Min-jun Park"]
    assert rejects[0]["phone"] == "+1 786 555" and rejects[0]["error"].startswith("line 6: phone: ")
    assert rejects[1]["error"].startswith("line 8: language: unknown language 'elvish'")
    # Fixing the rejects file and importing it brings in the rest.
    fixed = result.rejects_written.read_text(encoding="utf-8")
    fixed = fixed.replace("+1 786 555,", "+1 786 555 0105,").replace("elvish", "ko")
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
