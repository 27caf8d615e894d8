"""The audit trail written out for a records request, chain included, and read back to verify.

Three formats, each carrying every event's ``seq``, ``prev_hash`` and ``hash``, and ``at`` exactly
as the canonical form writes it (UTC, ``…Z``), so a recipient can recompute the chain offline:

- ``json``: ``{"chain": {…}, "events": [...]}``;
- ``jsonl``: the ``{"chain": {…}}`` line first, then one event per line;
- ``csv``: one event per row, ``details`` as JSON text. A spreadsheet has no room for the chain's
  head, so a CSV proves its events and their links but not that none were cut off the end.

``chain`` says which head the trail had when it was exported, and whether the export is filtered
(by incident or date): a filtered export proves each event it holds, and the links between events
that follow each other, not that nothing is missing between them.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from bot.db.unit_of_work import Database
from bot.records import chain
from bot.records.service import events, head

FORMATS = ("csv", "json", "jsonl")
COLUMNS = ("id", "seq", "at", "actor", "action", "incident_id", "details", "prev_hash", "hash")
VERSION = "coordbot-audit-export/1"
Progress = Callable[[int, int], None]


def header(db: Database, *, incident: str | None, since: datetime | None,
           exported_at: datetime) -> dict[str, Any]:
    return {"format": VERSION, "algorithm": "sha256",
            "canonical": "sorted-key JSON of seq, at, actor, action, incident_id, details, "
                         "prev_hash; no spaces; UTF-8; at in UTC as YYYY-MM-DDTHH:MM:SS.ffffffZ",
            "head": head(db), "complete": incident is None and since is None,
            "filter": {"incident": incident, "since": since and chain.utc_text(since)},
            "exported_at": chain.utc_text(exported_at)}


def write(db: Database, out: TextIO, *, fmt: str, meta: dict[str, Any], incident_id: int | None,
          since: datetime | None, total: int, progress: Progress) -> int:
    """Streams the events to ``out`` in ``fmt``; returns how many were written."""
    rows = (_plain(event) for event in events(db, incident_id=incident_id, since=since))
    writer = {"csv": _csv, "json": _json, "jsonl": _jsonl}[fmt]
    return writer(out, meta, _counted(rows, total, progress))


def _plain(event: dict[str, Any]) -> dict[str, Any]:
    return {**event, "at": chain.utc_text(event["at"])}


def _counted(rows: Iterable[dict[str, Any]], total: int, progress: Progress) -> Iterator[dict]:
    for done, row in enumerate(rows, 1):
        yield row
        if done % 100 == 0 or done == total:
            progress(done, total)


def _json(out: TextIO, meta: dict[str, Any], rows: Iterable[dict[str, Any]]) -> int:
    out.write('{"chain": ' + json.dumps(meta, ensure_ascii=False) + ',\n "events": [')
    count = 0
    for row in rows:
        count += 1
        out.write(("\n  " if count == 1 else ",\n  ") + json.dumps(row, ensure_ascii=False))
    out.write("\n]}\n")
    return count


def _jsonl(out: TextIO, meta: dict[str, Any], rows: Iterable[dict[str, Any]]) -> int:
    out.write(json.dumps({"chain": meta}, ensure_ascii=False) + "\n")
    count = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


def _csv(out: TextIO, meta: dict[str, Any], rows: Iterable[dict[str, Any]]) -> int:
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in rows:
        count += 1
        writer.writerow({**row, "details": json.dumps(row["details"], ensure_ascii=False,
                                                      sort_keys=True)})
    return count


class UnreadableExport(ValueError):
    """The file is not an audit export this version can read; the message says why."""


def read(path: Path) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """An export's ``chain`` header (None for a CSV) and its events, whatever its format."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise UnreadableExport(f"cannot read {path}: {error}") from None
    try:
        if text.lstrip().startswith("{"):
            return _read_json(text)
        return None, [_from_csv(row) for row in csv.DictReader(io.StringIO(text))]
    except (ValueError, KeyError, TypeError) as error:
        raise UnreadableExport(f"{path} is not a coordbot audit export: {error}") from None


def _read_json(text: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    try:
        whole = json.loads(text)
        return whole["chain"], list(whole["events"])
    except json.JSONDecodeError:
        lines = [json.loads(line) for line in text.splitlines() if line.strip()]
        return lines[0]["chain"], lines[1:]


def _from_csv(row: dict[str, str]) -> dict[str, Any]:
    if set(COLUMNS) - set(row):
        raise ValueError(f"the CSV needs the columns {', '.join(COLUMNS)}")
    return {**row, "id": _number(row["id"]), "seq": _number(row["seq"]),
            "incident_id": _number(row["incident_id"]), "details": json.loads(row["details"] or "{}")}


def _number(text: str) -> int | None:
    return int(text) if text else None


def verify_file(path: Path) -> tuple[chain.Result, dict[str, Any] | None]:
    """A CSV, or a filtered export, is checked event by event and link by link where positions
    follow each other; a complete JSON or JSONL export as a whole, against the head it names."""
    meta, rows = read(path)
    complete = bool(meta and meta.get("complete"))
    return chain.verify(rows, head=meta["head"] if complete else None, complete=complete), meta
