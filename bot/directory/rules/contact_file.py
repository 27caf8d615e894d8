"""Reading a contacts file (CSV or JSON) into validated records and a report of every bad row.

Pure: it works only on the bytes it is given and never raises for bad input. CSV problems are
numbered by physical line, as an editor shows them (a quoted value spanning lines counts each of
its lines); JSON problems are numbered by item in the list (``unit == "item"``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.directory.rules.contacts import COLUMNS, ContactRecord, RowInvalid, validate_row

MAX_LINE = 1_000_000  # characters; longer lines are refused without being parsed
SHOWN = 60  # characters of a bad value shown in a report
ALIASES = {"organization": "organisation", "organization_type": "organisation_type",
           "mobile": "phone", "e_mail": "email"}
IGNORED = ("error",)  # the column a rejects file adds: fix the rows and import that file again
# The database column sizes (bot.db.models.Contact) for fields validate_row leaves unbounded.
MAX_LENGTHS = {"name": 200, "organisation": 200, "organisation_type": 60, "role": 120,
               "email": 254, "slack_user_id": 32, "timezone": 64, "phone": 40, "language": 35,
               "sms_language": 35}
MAX_CELL = 1_000  # characters, for the columns above not listed (regions, tags …)
WHOLE_LINE = "(line)"


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    value: str
    why: str


@dataclass
class FileReport:
    rows: list[tuple[int, ContactRecord]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    file_error: str | None = None
    rejected_lines: dict[int, str] = field(default_factory=dict)
    header: str = ",".join(COLUMNS)  # the header line as written, for the rejects file
    unit: str = "line"
    raw_text: Callable[[int], str] = field(default=lambda line: "", repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.file_error is None and not self.errors

    def reject(self, line: int, column: str, value: str, why: str) -> None:
        """Records a problem with a row; the caller keeps the row out of ``rows``."""
        self.errors.append(RowError(line, column, shorten(value), why))
        if line not in self.rejected_lines:
            self.rejected_lines[line] = self.raw_text(line)


def shorten(value: str, limit: int = SHOWN) -> str:
    return value if len(value) <= limit else f"{value[:limit - 1]}… ({len(value):,} characters)"


def read_contacts(data: bytes, *, filename: str, default_region: str,
                  default_timezone: str) -> FileReport:
    report = FileReport()
    text, report.file_error = _decode(data)
    if text is None:
        return report
    check = _Checker(report, default_region, default_timezone)
    if _is_json(filename, text):
        _read_json(text, check)
    else:
        _read_csv(text, check)
    if report.file_error is None and not report.rows and not report.errors:
        report.file_error = "the file has no contacts in it, only a header"
    return report


def _decode(data: bytes) -> tuple[str | None, str | None]:
    if data.startswith((b"PK\x03\x04", b"\xff\xfe", b"\xfe\xff")):
        kind = "an Excel workbook" if data.startswith(b"PK") else "saved as UTF-16"
        return None, f"this file is {kind}; save it as CSV UTF-8 (comma-separated)"
    skip = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    try:
        text = data[skip:].decode("utf-8")
    except UnicodeDecodeError as error:
        offset = error.start + skip
        line = data.count(b"\n", 0, offset) + 1
        return None, (f"the file is not UTF-8 text: byte 0x{data[offset]:02x} at byte offset "
                      f"{offset} (line {line}); save it as UTF-8 (in Excel: CSV UTF-8)")
    if not text.strip():
        return None, "the file is empty"
    return text, None


def _is_json(filename: str, text: str) -> bool:
    suffix = filename.lower().rpartition(".")[2]
    return suffix == "json" or (suffix != "csv" and text.lstrip()[:1] in ("[", "{"))


class _Checker:
    """Validates rows one by one and refuses a second row for the same phone or email."""

    def __init__(self, report: FileReport, default_region: str, default_timezone: str):
        self.report = report
        self.options = {"default_region": default_region, "default_timezone": default_timezone}
        self.seen: dict[tuple[str, str], int] = {}

    def row(self, line: int, raw: Mapping[str, str]) -> None:
        """A cell too long for its column, or holding a NUL (a damaged file; PostgreSQL refuses
        it in text), is a problem of the row; such cells are not validated further."""
        problems = [(column, value, f"longer than {MAX_LENGTHS.get(column, MAX_CELL):,} characters")
                    for column, value in ((c, (v or "").strip()) for c, v in raw.items())
                    if len(value) > MAX_LENGTHS.get(column, MAX_CELL)]
        problems += [(column, value.replace("\x00", "\ufffd"),
                      "holds a NUL character (the file may be damaged); remove it")
                     for column, value in raw.items() if "\x00" in (value or "")]
        bad = {column for column, _, _ in problems}
        try:
            record = validate_row({c: "" if c in bad else v for c, v in raw.items()},
                                  **self.options)
        except RowInvalid as invalid:
            problems += [(e.column, e.value, e.why) for e in invalid.errors if e.column not in bad]
        if not problems:
            problems = self._duplicates(line, record, raw)
        for column, value, why in problems:
            self.report.reject(line, column, value, why)
        if not problems:
            self.report.rows.append((line, record))

    def _duplicates(self, line: int, record: ContactRecord,
                    raw: Mapping[str, str]) -> list[tuple[str, str, str]]:
        keys = [(column, value) for column in ("phone", "email") if (value := getattr(record, column))]
        for column, value in keys:
            if earlier := self.seen.get((column, value)):
                return [(column, raw.get(column, value), f"the same {column} as "
                         f"{self.report.unit} {earlier}; each contact may appear only once in a file")]
        self.seen.update(dict.fromkeys(keys, line))
        return []


def _read_csv(text: str, check: _Checker) -> None:
    report = check.report
    columns: list[str] | None = None
    for start, cells, why in _records(text, report):
        if columns is None:
            report.header = report.raw_text(start)
            columns, report.file_error = _header(cells, why)
            if report.file_error:
                return
        elif cells is None:
            report.reject(start, WHOLE_LINE, report.raw_text(start), why or "")
        else:
            _csv_row(check, start, columns, cells)


def _records(text: str, report: FileReport) -> Iterator[tuple[int, list[str] | None, str | None]]:
    """Non-blank records with their first line; ``cells`` is None (and ``why`` set) if unreadable.

    Lines over MAX_LINE never reach the csv module: each becomes an empty line, so that a 10 MB
    line costs nothing to skip; the record that contained it is then refused.
    """
    lines = list(io.StringIO(text, newline=""))
    too_long = {n for n, line in enumerate(lines, 1) if len(line) > MAX_LINE}
    spans: dict[int, int] = {}
    report.raw_text = lambda n: "".join(lines[n - 1:spans.get(n, n)]).rstrip("\r\n")
    reader = csv.reader(("\n" if n in too_long else line for n, line in enumerate(lines, 1)),
                        strict=True, skipinitialspace=True)
    end = 0
    while True:
        start, cells, why = end + 1, None, None
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            why = _csv_problem(str(error))
        end = spans[start] = max(reader.line_num, start)
        if too_long.intersection(range(start, end + 1)):
            cells, why = None, f"the line is longer than {MAX_LINE:,} characters"
        elif why and end > start:
            why += f" (lines {start} to {end} were read as one row)"
        if cells is None or any(cell.strip() for cell in cells):
            yield start, cells, why


def _csv_problem(message: str) -> str:
    if "field larger than field limit" in message:
        return f"a value is longer than {csv.field_size_limit():,} characters"
    if "unexpected end of data" in message:
        return "a quoted value that starts on this line is never closed (a missing '\"')"
    if "expected after" in message:
        return ("text after a closing quote; put the whole value in double quotes and double "
                "any quote inside it (\"\")")
    return f"cannot be read as CSV ({message})"


def _header(cells: list[str] | None, why: str | None) -> tuple[list[str], str | None]:
    expected = f"expected columns: name (required), {', '.join(COLUMNS[1:])}"
    if cells is None:
        return [], f"the first line cannot be read as a header: {why}; {expected}"
    names = [_column(cell) for cell in cells]
    for separator, label in ((";", "';'"), ("\t", "tabs"), ("|", "'|'")):
        if len(cells) == 1 and separator in cells[0]:
            return [], f"this file seems to use {label} between columns; save it as comma-separated"
    if not set(names) & set(COLUMNS):
        shown = ", ".join(repr(shorten(c, 30)) for c in cells[:4])
        return [], f"the first line must be a header naming the columns, but it reads {shown}; {expected}"
    if "name" not in names:
        return [], f"the header has no 'name' column, which is required; {expected}"
    for index, name in enumerate(names):
        if name and name in names[:index] and name not in IGNORED:
            return [], (f"the header names the column {name!r} twice (columns "
                        f"{names.index(name) + 1} and {index + 1}); each column may appear once")
    unknown = [cells[i].strip() for i, n in enumerate(names) if n and n not in COLUMNS + IGNORED]
    if unknown:
        return [], (f"unknown column(s) {', '.join(map(repr, unknown))}; the known columns are "
                    f"{', '.join(COLUMNS)}")
    return names, None


def _column(cell: str) -> str:
    name = cell.strip().lower().replace(" ", "_").replace("-", "_")
    return ALIASES.get(name, name)


def _csv_row(check: _Checker, line: int, columns: list[str], cells: list[str]) -> None:
    extra = cells[len(columns):]
    if len(cells) < len(columns) or any(cell.strip() for cell in extra):
        hint = ("a value with a comma in it must be in double quotes" if extra else
                "is a comma missing, or a line break inside a value without quotes?")
        check.report.reject(line, WHOLE_LINE, check.report.raw_text(line),
                            f"{len(cells)} value{'s' * (len(cells) != 1)} but the header has "
                            f"{len(columns)} columns; {hint}")
        return
    for index, (name, value) in enumerate(zip(columns, cells, strict=False), 1):
        if not name and value.strip():
            check.report.reject(line, f"(column {index})", value,
                                "a value under a column that has no name in the header")
            return
    check.row(line, {n: v for n, v in zip(columns, cells, strict=False) if n in COLUMNS})


def _read_json(text: str, check: _Checker) -> None:
    report = check.report
    try:
        items = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:
        report.file_error = (f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
                             if isinstance(error, ValueError) else "not usable JSON: nested too deeply")
        return
    if not isinstance(items, list):
        report.file_error = 'a JSON contacts file must be a list of objects: [{"name": "…"}, …]'
        return
    report.unit = "item"
    report.raw_text = lambda n: _csv_line(items[n - 1])
    keys = {k for item in items if isinstance(item, dict) for k in item}
    unknown = sorted(k for k in keys if _column(k) not in COLUMNS + IGNORED)
    if unknown:
        report.file_error = (f"unknown field(s) {', '.join(map(repr, unknown))}; the known fields "
                             f"are {', '.join(COLUMNS)}")
        return
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict):
            report.reject(number, "(item)", json.dumps(item)[:200],
                          'each item must be an object with named fields, like {"name": "…"}')
            continue
        values = {_column(k): _json_text(v) for k, v in item.items()}
        bad = [(k, json.dumps(item[k])) for k in item if values[_column(k)] is None]
        for key, shown in bad:
            report.reject(number, key, shown, "expected text, a number, yes/no or a list of text")
        if not bad:
            check.row(number, {k: v for k, v in values.items() if k in COLUMNS and v is not None})


def _json_text(value: Any) -> str | None:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str | int | float):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return ";".join(str(v) for v in value)
    return None


def _csv_line(item: Any) -> str:
    """A JSON item as a CSV line under COLUMNS, for the rejects file."""
    fields = {_column(k): v for k, v in item.items()} if isinstance(item, dict) else {"name": item}
    texts = [_json_text(fields.get(c)) for c in COLUMNS]
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(
        [json.dumps(fields[c]) if t is None else t for c, t in zip(COLUMNS, texts, strict=True)])
    return out.getvalue()
