"""``coordbot contacts``: import, export, list and show the stakeholder directory.

This is the administrators' command line: ``export`` and ``show --reveal`` print full phone
numbers, which are personal data. Everything else shows them masked.
"""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.common import ConfigOption, actor, database_for, fail, settings_for
from bot.errors import DomainError

if TYPE_CHECKING:  # the rest is imported when a command runs: `coordbot --help` stays quick
    from rich.progress import Progress

    from bot.db.models import Contact
    from bot.directory.rules.contact_file import FileReport

contacts_app = typer.Typer(
    help="The stakeholder directory (administrators): import, export, list, show. "
         "Phone numbers are personal data: only export and show --reveal print them in full.",
    no_args_is_help=True)

BAR_ABOVE = 300  # rows; smaller imports finish before a bar would be any use

class Format(StrEnum):
    CSV = "csv"
    JSON = "json"


@contacts_app.command("import")
def import_contacts(
    file: Annotated[Path, typer.Argument(help="A .csv (comma-separated, UTF-8) or .json file.")],
    skip_invalid: Annotated[bool, typer.Option(
        "--skip-invalid", help="Import the good rows and write the bad ones to a rejects file.")] = False,
    rejects: Annotated[Path | None, typer.Option(
        help="Where --skip-invalid writes the bad rows (default: FILE's name + .rejects.csv).")] = None,
    config: ConfigOption = None,
) -> None:
    """Add and update contacts from a file, matched by phone, then email.

    Nothing is written if any row is bad (unless --skip-invalid); every bad row is listed.

    A contact who texted STOP stays opted out whatever the file says.
    """
    from bot.directory.service.files import import_file

    if rejects and not skip_invalid:
        raise typer.BadParameter("only means something with --skip-invalid", param_hint="--rejects")
    settings = settings_for(config)
    database = database_for(settings)
    with _Bar() as bar:
        result = import_file(database, file, settings=settings, actor=actor(),
                             now=datetime.now(UTC), skip_invalid=skip_invalid,
                             rejects_path=rejects, progress=bar.update)
    database.dispose()
    report = result.report
    _print_errors(report)
    if report.file_error:
        raise fail(f"{file}: {report.file_error}; nothing was imported")
    if not result.written or result.summary is None:
        rows = len(report.rejected_lines)
        raise fail(f"{file}: {rows} bad row(s); nothing was imported. Fix them and import again, "
                    f"or use --skip-invalid to import the {len(report.rows)} good row(s) only.")
    typer.echo(f"{file}: {result.summary.line()}")
    if result.rejects_written:
        typer.echo(f"the {len(report.rejected_lines)} rejected row(s), with the reasons, are in "
                   f"{result.rejects_written}: fix them there and import that file again")


def _print_errors(report: FileReport) -> None:
    """Every problem on a line of its own: easy to read, search and paste into a ticket."""
    if not report.errors:
        return
    typer.echo(f"{len(report.rejected_lines)} bad row(s):", err=True)
    for e in sorted(report.errors, key=lambda e: e.line):
        typer.echo(f"  {report.unit} {e.line}, {e.column} {e.value!r}: {e.why}", err=True)


class _Bar:
    """A progress bar on stderr, shown only for imports of more than BAR_ABOVE rows."""

    def __init__(self) -> None:
        self.progress: Progress | None = None
        self.task = None

    def __enter__(self) -> _Bar:
        return self

    def update(self, done: int, total: int) -> None:
        if total <= BAR_ABOVE:
            return
        if self.progress is None:
            from rich import progress as bar
            from rich.console import Console

            self.progress = bar.Progress(bar.TextColumn("importing"), bar.BarColumn(),
                                         bar.MofNCompleteColumn(), bar.TimeElapsedColumn(),
                                         console=Console(stderr=True))
            self.progress.start()
            self.task = self.progress.add_task("import", total=total)
        self.progress.update(self.task, completed=done)

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()


@contacts_app.command("export")
def export(
    fmt: Annotated[Format, typer.Option("--format", "-f", help="csv or json.")] = Format.CSV,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="File to write (default: standard output).")] = None,
    config: ConfigOption = None,
) -> None:
    """Write every contact, FULL phone numbers included, in the format import reads.

    For administrators: the output is personal data. A file written with --output is readable
    by its owner only.
    """
    from bot.directory.service.files import export_contacts, write_private

    settings = settings_for(config)
    database = database_for(settings)
    buffer = io.StringIO()
    count = export_contacts(database, buffer, fmt=fmt.value)
    database.dispose()
    if output is None:
        sys.stdout.write(buffer.getvalue())
        return
    try:
        write_private(output, buffer.getvalue())
    except OSError as error:
        raise fail(f"cannot write {output}: {error.strerror or error}") from None
    typer.echo(f"exported {count} contact(s) to {output}", err=True)


@contacts_app.command("list")
def list_contacts(
    filter_: Annotated[str | None, typer.Option(
        "--filter", help="Part of a name or organisation, a language code, or a tag.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many.")] = 200,
    config: ConfigOption = None,
) -> None:
    """A table of contacts, phone numbers masked."""
    from rich.console import Console
    from rich.table import Table

    from bot.directory.rules.phones import mask

    settings = settings_for(config)
    database = database_for(settings)
    with database.unit_of_work() as uow:  # read inside: the rollback on exit expires them
        rows = [(str(c.id), c.name, c.organisation, c.language, ", ".join(c.regions),
                 ", ".join(c.tags), mask(c.phone), c.sms_consent)
                for c in uow.contacts.all(search=filter_, limit=limit)]
        total = uow.contacts.count()
    database.dispose()
    if not rows:
        hint = (f"no contact matches {filter_!r}" if filter_ else
                "the directory is empty; add contacts with `coordbot contacts import FILE.csv`")
        typer.echo(hint)
        return
    table = Table(title=f"{len(rows)} of {total} contact(s)", title_justify="left")
    for heading in ("id", "name", "organisation", "language", "regions", "tags", "phone", "consent"):
        table.add_column(heading, no_wrap=heading in ("id", "phone"))
    for row in rows:
        table.add_row(*row)
    Console(markup=False, emoji=False, highlight=False).print(table)


@contacts_app.command("show")
def show(
    ref: Annotated[str, typer.Argument(
        help="The contact's id (12 or #12, as `contacts list` shows), phone number or exact name.")],
    reveal: Annotated[bool, typer.Option(help="Show the full phone number.")] = False,
    config: ConfigOption = None,
) -> None:
    """One contact in full; the phone number masked unless --reveal."""
    from bot.directory.service.contacts import find_contact

    settings = settings_for(config)
    database = database_for(settings)
    try:
        with database.unit_of_work() as uow:
            details = _details(_find(uow, ref, settings.directory.default_region, find_contact),
                               reveal)
    except DomainError as error:
        raise fail(str(error)) from None
    finally:
        database.dispose()
    for label, value in details:
        typer.echo(f"{label:<15} {value}")


def _find(uow, ref: str, region: str, find_contact) -> Contact:
    text = ref.strip().removeprefix("#")
    if text.isdigit() and len(text) < 7:
        contact = uow.contacts.get(int(text))
        if contact is None:
            raise DomainError(f"no contact has the id {text}; `coordbot contacts list` shows them")
        return contact
    return find_contact(uow, ref, default_region=region)


def _details(c: Contact, reveal: bool) -> list[tuple[str, str]]:
    from bot.directory.rules.phones import mask
    from bot.i18n.languages import LANGUAGES

    language = LANGUAGES.get(c.language, (c.language,))[0]
    consent = c.sms_consent + (f" ({c.consent_source}, {c.consent_at:%Y-%m-%d})"
                               if c.consent_source and c.consent_at else "")
    return [("id", str(c.id)), ("name", c.name), ("organisation", c.organisation or "—"),
            ("type", c.organisation_type or "—"), ("role", c.role or "—"),
            ("phone", (c.phone or "—") if reveal else mask(c.phone)),
            ("phone status", c.phone_status), ("email", c.email or "—"),
            ("slack", c.slack_user_id or "—"), ("language", f"{c.language} ({language})"),
            ("timezone", c.timezone), ("regions", ", ".join(c.regions) or "—"),
            ("incident types", ", ".join(c.incident_types)), ("tags", ", ".join(c.tags) or "—"),
            ("sms consent", consent), ("active", "yes" if c.active else "no"),
            ("updated", f"{c.updated_at:%Y-%m-%d %H:%M} UTC")]
