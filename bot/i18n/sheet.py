"""Catalogs as a spreadsheet (CSV): one row per text and language, any number of languages.

Columns: ``language, key, english, text, reviewed, note``. A translator edits ``text`` and
writes ``yes`` in ``reviewed`` once the text is right; the other columns are for reading (the
``english`` column says which English text a row was translated from). The file starts with a
byte-order mark, without which Excel reads UTF-8 in a legacy code page and garbles every accent.
"""

from __future__ import annotations

import csv
import io

from bot.errors import InvalidInput
from bot.i18n.exchange import Entry, LineProblem, Refused, Row
from bot.i18n.languages import parse_language

COLUMNS = ["language", "key", "english", "text", "reviewed", "note"]
REQUIRED = ("language", "key", "text", "reviewed")
YES, NO = "yes", "no"


def export_csv(rows_by_language: dict[str, list[Row]]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for tag, rows in rows_by_language.items():
        for row in rows:
            writer.writerow([tag, row.key, row.english, row.text, YES if row.reviewed else NO,
                             row.note])
    return out.getvalue()


def read_entries(text: str) -> list[Entry]:
    """The texts of a sheet; problems are given by row as a spreadsheet numbers them (the
    column names are row 1), which is not the line when a text holds a line break."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    entries, problems = [], []
    try:
        header = [name.strip().casefold() for name in next(reader, [])]
        missing = [name for name in REQUIRED if name not in header]
        if missing:
            raise Refused([_problem(1, None, f"the first row must name the columns "
                                             f"{', '.join(COLUMNS)}; missing: {', '.join(missing)}")])
        for row_number, cells in enumerate(reader, start=2):
            entry = _entry(dict(zip(header, cells, strict=False)), row_number)
            if isinstance(entry, LineProblem):
                problems.append(entry)
            elif entry is not None:
                entries.append(entry)
    except csv.Error as error:
        problems.append(_problem(reader.line_num, None, f"not CSV: {error}", unit="line"))
    if problems:
        raise Refused(problems)
    return entries


def _problem(row: int, key: str | None, reason: str, unit: str = "row") -> LineProblem:
    return LineProblem(row, key, reason, unit)


def _entry(record: dict, line: int) -> Entry | LineProblem | None:
    values = {name: (record.get(name) or "") for name in COLUMNS}
    if not any(value.strip() for value in values.values()):
        return None  # an empty row
    key = values["key"].strip()
    try:
        tag = parse_language(values["language"])
    except InvalidInput as error:
        return _problem(line, key or None, str(error))
    reviewed = values["reviewed"].strip().casefold()
    if reviewed not in (YES, NO, ""):
        return _problem(line, key or None, f"reviewed must be {YES} or {NO}, not "
                                           f"{values['reviewed']!r}")
    if not key:
        return _problem(line, None, "the key is empty")
    return Entry(tag, key, values["text"], reviewed == YES, values["english"] or None, line)
