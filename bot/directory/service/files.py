"""Importing a contacts file into the directory, and exporting the directory to a file.

An import is all or nothing: any bad row and nothing is written. With ``skip_invalid`` the good
rows are imported and the bad ones written, with the reason, to a rejects file that can be fixed
and imported again. Either way the writing happens in one transaction, committed at the end.
Exports and rejects files hold full phone numbers: they are written readable by their owner only.
A CSV export starts with a byte-order mark unless told not to: Excel reads a CSV file without
one in the computer's legacy code page, and "Martínez" comes out as "MartÃ­nez".
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, TextIO

from bot.config import Settings
from bot.db.models import Contact
from bot.db.unit_of_work import Database, UnitOfWork
from bot.directory.rules.contact_file import FileReport, read_contacts
from bot.directory.rules.contacts import COLUMNS
from bot.directory.rules.phones import with_extension
from bot.directory.service.contacts import ImportSummary, import_records

MAX_BYTES = 50 * 1024 * 1024
LIST_FIELDS = ("regions", "incident_types", "tags")
BOM = "\ufeff"  # UTF-8's byte-order mark; the importer skips it
# A file's columns that the table names otherwise (see ContactRecord): the file's language is
# the one spoken, its sms_language the catalog the person is texted in.
STORED_AS = {"language": "home_language", "sms_language": "language"}
Progress = Callable[[int, int], None]  # (rows written so far, rows to write)


@dataclass
class ImportResult:
    summary: ImportSummary | None
    report: FileReport
    rejects_written: Path | None = None
    written: bool = False


def import_file(db: Database, path: Path, *, settings: Settings, actor: str, now: datetime,
                skip_invalid: bool = False, rejects_path: Path | None = None,
                progress: Progress | None = None) -> ImportResult:
    data, problem = _read(path)
    if data is None:
        return ImportResult(None, FileReport(file_error=problem))
    report = read_contacts(data, filename=path.name, default_timezone=settings.timezone,
                           default_region=settings.directory.default_region)
    if report.file_error:
        return ImportResult(None, report)
    with db.unit_of_work() as uow:
        _check_against_directory(uow, report)
        if not report.ok and not skip_invalid:
            return ImportResult(None, report)
        rejects = None
        if report.rejected_lines:
            rejects = rejects_path or path.with_name(f"{path.stem}.rejects.csv")
            report.file_error = _write_rejects(report, rejects, source=path)
            if report.file_error:
                return ImportResult(None, report)
        summary = _import(uow, report, source=path.name, actor=actor, now=now, progress=progress)
        uow.commit()
    return ImportResult(summary, report, rejects, written=True)


def _read(path: Path) -> tuple[bytes | None, str | None]:
    try:
        if path.is_dir():
            return None, "this is a folder, not a file"
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return None, "no such file"
    except OSError as error:
        return None, f"cannot read the file: {error.strerror or error}"
    if len(data) > MAX_BYTES:
        return None, f"the file is larger than {MAX_BYTES // 2**20} MB; split it into smaller files"
    return data, None


def _check_against_directory(uow: UnitOfWork, report: FileReport) -> None:
    """Refuses rows whose phone and email belong to two different contacts, and rows that
    would change a contact another row of the file already changes."""
    phones, emails = uow.contacts.identity_index()
    claimed: dict[int, int] = {}
    for line, record in report.rows:
        by_phone = phones.get(record.phone or "")
        by_email = emails.get(record.email or "")
        if by_phone and by_email and by_phone != by_email:
            report.reject(line, "email", record.email or "",
                          f"the phone number is contact #{by_phone}'s but the email is contact "
                          f"#{by_email}'s; correct one of them")
            continue
        target = by_phone or by_email
        if target and target in claimed:
            column = "phone" if by_phone else "email"
            report.reject(line, column, getattr(record, column) or "",
                          f"matches contact #{target}, which {report.unit} {claimed[target]} "
                          "already updates")
        elif target:
            claimed[target] = line
    report.rows = [(line, record) for line, record in report.rows if line not in report.rejected_lines]


def _import(uow: UnitOfWork, report: FileReport, *, source: str, actor: str, now: datetime,
            progress: Progress | None) -> ImportSummary:
    total, done = len(report.rows), 0

    def advance(rows: int) -> None:
        nonlocal done
        done += rows
        if progress:
            progress(min(done, total), total)

    advance(0)
    summary = import_records(uow, [record for _, record in report.rows], source=source[:100],
                             actor=actor, now=now, progress=advance)
    advance(total)
    summary.rejected = len(report.rejected_lines)
    return summary


def _write_rejects(report: FileReport, target: Path, *, source: Path) -> str | None:
    if target.resolve() == source.resolve():
        return f"the rejects file {target} would overwrite the file being imported"
    whys: dict[int, list[str]] = {}
    for e in report.errors:
        whys.setdefault(e.line, []).append(f"{report.unit} {e.line}: {e.column}: {e.why}")
    lines = [f"{report.header},error"]
    lines += [f"{raw},{_quoted('; '.join(whys[line]))}"
              for line, raw in sorted(report.rejected_lines.items())]
    try:
        write_private(target, "\n".join(lines) + "\n")
    except OSError as error:
        return f"cannot write the rejects file {target}: {error.strerror or error}"
    return None


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def write_private(path: Path, text: str) -> None:
    """Writes a file only its owner can read: it holds personal data."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(descriptor, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)


def export_contacts(db: Database, out: TextIO, *, fmt: Literal["csv", "json"] = "csv",
                    bom: bool = True) -> int:
    """Every contact with the import columns, full phone numbers (and extensions) included;
    returns the count. A CSV starts with a byte-order mark unless ``bom`` is false."""
    with db.unit_of_work() as uow:
        rows = [_exported(contact) for contact in uow.contacts.all()]
    if fmt == "json":
        json.dump(rows, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return len(rows)
    if bom:
        out.write(BOM)
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _csv_value(value) for key, value in row.items()})
    return len(rows)


def _exported(contact: Contact) -> dict[str, Any]:
    row = {column: getattr(contact, STORED_AS.get(column, column)) for column in COLUMNS}
    row["phone"] = contact.phone and with_extension(contact.phone, contact.phone_extension)
    for key in LIST_FIELDS:
        row[key] = list(row[key] or [])
    return row


def _csv_value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ";".join(value)
    return "" if value is None else str(value)
