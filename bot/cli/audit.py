"""``coordbot audit``: the audit trail exported for a records request, and its chain verified.

An export is itself recorded in the trail (it holds who was told what: personal data), before it
is written, so the export carries its own record.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO
from zoneinfo import ZoneInfo

import typer

from bot.cli.common import ConfigOption, actor, container_for, fail
from bot.cli.contact_views import Bar
from bot.errors import DomainError

if TYPE_CHECKING:
    from bot.db.unit_of_work import Database

audit_app = typer.Typer(
    help="The audit trail: export it (with its hash chain) for a records request, verify it.",
    no_args_is_help=True)


class Format(StrEnum):
    CSV = "csv"
    JSON = "json"
    JSONL = "jsonl"


def parse_since(text: str | None, zone: str) -> datetime | None:
    """``2026-12-01`` (midnight in the office's zone) or an ISO date and time."""
    if text is None:
        return None
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date: use 2026-12-01 or 2026-12-01T09:30",
                                 param_hint="--since") from None
    return when if when.tzinfo else when.replace(tzinfo=ZoneInfo(zone))


@audit_app.command("export")
def export(
    fmt: Annotated[Format, typer.Option("--format", "-f", help="csv, json or jsonl.")] = Format.JSON,
    incident: Annotated[str | None, typer.Option(
        help="Only this incident's events (INC-2026-0001).")] = None,
    since: Annotated[str | None, typer.Option(
        help="Only events from this date (2026-12-01, in the office's zone) or instant.")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="File to write (default: standard output).")] = None,
    config: ConfigOption = None,
) -> None:
    """Write the trail with every event's hash, in order, for records requests.

    A json or jsonl export of the whole trail verifies offline (`coordbot audit verify --file`);
    one filtered by --incident or --since proves the events it holds, not that none are missing.
    """
    from bot.records import access
    from bot.records import export as trail

    with container_for(config) as container:
        settings, db, now = container.settings, container.db, container.clock.now()
        start = parse_since(since, settings.timezone)
        incident_id, key = _incident(db, incident)
        access.recorded(db, at=now, actor=actor(), action=access.TRAIL_EXPORTED,
                        incident_id=incident_id, format=fmt.value, since=since,
                        to=str(output) if output else "stdout")
        meta = trail.header(db, incident=key, since=start, exported_at=now)
        with db.unit_of_work(read_only=True) as uow:
            total = uow.audit.count(incident_id=incident_id, since=start)
        try:
            out = _private(output) if output else sys.stdout
        except OSError as error:
            fail(f"cannot write {output}: {error.strerror or error}")
        with Bar("exporting") as bar:
            count = trail.write(db, out, fmt=fmt.value, meta=meta, incident_id=incident_id,
                                since=start, total=total, progress=bar.update)
        if output:
            out.close()
            typer.echo(f"exported {count} audit event(s) to {output}", err=True)


def _private(path: Path) -> TextIO:
    """A file only its owner can read: the trail names people and what they were told."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    return open(descriptor, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed by export


def _incident(db: Database, incident: str | None) -> tuple[int | None, str | None]:
    from bot.incidents.rules import normalise_key

    if incident is None:
        return None, None
    key = normalise_key(incident)
    with db.unit_of_work(read_only=True) as uow:
        found = uow.incidents.by_key(key) if key else None
        if found is None:
            raise DomainError(f"there is no incident {incident}")
        return found.id, found.key


@audit_app.command("verify")
def verify(
    file: Annotated[Path | None, typer.Option(
        "--file", help="An export to check instead of the database (no configuration needed).")]
        = None,
    config: ConfigOption = None,
) -> None:
    """Recompute the hash chain; name the first event altered, inserted or removed (exit 1)."""
    if file is not None:
        _verify_file(file)
        return
    from bot.records.service import verify_database

    with container_for(config) as container:
        result = verify_database(container.db)
    _report(result, "the database's audit trail")


def _verify_file(file: Path) -> None:
    from bot.records.export import UnreadableExport, verify_file

    try:
        result, meta = verify_file(file)
    except UnreadableExport as error:
        fail(str(error))
    _report(result, str(file))
    if not (meta and meta.get("complete")):
        typer.echo("note: this export is filtered (or a CSV): each event and the links between "
                   "consecutive ones hold; it cannot show that no event is missing.", err=True)


def _report(result, what: str) -> None:
    if result.problem is not None:
        fail(f"{what}: the chain is broken after {result.checked} good event(s): "
             f"{result.problem.message}")
    typer.echo(f"{what}: the chain holds ({result.checked} event(s)); head {result.head}")
