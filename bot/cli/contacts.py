"""``coordbot contacts``: import, export, list, show and erase the stakeholder directory.

This is the administrators' command line: ``export`` and ``show --reveal`` print full phone
numbers, which are personal data. Everything else shows them masked.
"""

from __future__ import annotations

import io
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.common import ConfigOption, actor, container_for, fail, write_output
from bot.cli.contact_views import Bar, details, print_errors
from bot.errors import DomainError

if TYPE_CHECKING:
    from bot.db.models import Contact
    from bot.db.unit_of_work import UnitOfWork

contacts_app = typer.Typer(
    help="The stakeholder directory (administrators): import, export, list, show, erase. "
         "Phone numbers are personal data: only export and show --reveal print them in full.",
    no_args_is_help=True)


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
    with container_for(config) as container, Bar() as bar:
        result = import_file(container.db, file, settings=container.settings, actor=actor(),
                             now=container.clock.now(), skip_invalid=skip_invalid,
                             rejects_path=rejects, progress=bar.update)
    report = result.report
    print_errors(report)
    if report.file_error:
        fail(f"{file}: {report.file_error}; nothing was imported")
    if not result.written or result.summary is None:
        rows = len(report.rejected_lines)
        fail(f"{file}: {rows} bad row(s); nothing was imported. Fix them and import again, "
             f"or use --skip-invalid to import the {len(report.rows)} good row(s) only.")
    typer.echo(f"{file}: {result.summary.line()}")
    if result.rejects_written:
        typer.echo(f"the {len(report.rejected_lines)} rejected row(s), with the reasons, are in "
                   f"{result.rejects_written}: fix them there and import that file again")


@contacts_app.command("export")
def export(
    fmt: Annotated[Format, typer.Option("--format", "-f", help="csv or json.")] = Format.CSV,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="File to write (default: standard output).")] = None,
    bom: Annotated[bool | None, typer.Option(
        "--bom/--no-bom", help="Start a CSV with a byte-order mark, so that Excel reads its "
                               "accents (default: directory.csv_bom, on).")] = None,
    config: ConfigOption = None,
) -> None:
    """Write every contact, FULL phone numbers included, in the format import reads.

    For administrators: the output is personal data. A file written with --output is readable
    by its owner only.
    """
    from bot.directory.service.files import export_contacts, write_private
    from bot.records import access

    buffer = io.StringIO()
    with container_for(config) as container:
        with_bom = container.settings.directory.csv_bom if bom is None else bom
        count = export_contacts(container.db, buffer, fmt=fmt.value, bom=with_bom)
        access.recorded(container.db, at=container.clock.now(), actor=actor(),
                        action=access.CONTACTS_EXPORTED, contacts=count, format=fmt.value,
                        to=str(output) if output else "stdout")
    write_output(buffer.getvalue(), output, write=write_private,
                 done=f"exported {count} contact(s) to {output}")


@contacts_app.command("list")
def list_contacts(
    filter_: Annotated[str | None, typer.Option(
        "--filter", help="Part of a name or organisation (accents and case ignored), a "
                         "language code, or a tag.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many.")] = 200,
    config: ConfigOption = None,
) -> None:
    """A table of contacts, phone numbers masked."""
    from rich.console import Console
    from rich.table import Table

    from bot.directory.rules.phones import mask, with_extension
    from bot.directory.service.contacts import search

    with container_for(config) as container, container.db.unit_of_work() as uow:
        # read inside: the rollback on leaving the unit of work expires them
        rows = [(str(c.id), c.name, c.organisation, c.home_language, ", ".join(c.regions),
                 ", ".join(c.tags), with_extension(mask(c.phone), c.phone_extension), c.sms_consent)
                for c in search(uow, filter_, limit=limit)]
        total = uow.contacts.count()
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
        help="The contact's id (12 or #12, as `contacts list` shows), phone number or name "
             "(accents and case ignored).")],
    reveal: Annotated[bool, typer.Option(help="Show the full phone number.")] = False,
    config: ConfigOption = None,
) -> None:
    """One contact in full; the phone number masked unless --reveal (which is recorded in the
    audit trail)."""
    from bot.records import access, audit

    with container_for(config) as container, container.db.unit_of_work() as uow:
        contact = _find(uow, ref, container.settings.directory.default_region)
        found = details(contact, reveal)
        if reveal:
            audit.record(uow, at=container.clock.now(), actor=actor(), action=access.REVEALED,
                         contact_id=contact.id)
            uow.commit()
    for label, value in found:
        typer.echo(f"{label:<15} {value}")


def _find(uow: UnitOfWork, ref: str, region: str) -> Contact:
    """A short number is an id (as ``contacts list`` shows it); anything else a phone or name."""
    from bot.directory.service.contacts import find_contact

    text = ref.strip().removeprefix("#")
    if text.isdigit() and len(text) < 7:
        contact = uow.contacts.get(int(text))
        if contact is None:
            raise DomainError(f"no contact has the id {text}; `coordbot contacts list` shows them")
        return contact
    return find_contact(uow, ref, default_region=region)


@contacts_app.command("erase")
def erase(
    ref: Annotated[str, typer.Argument(
        help="The person's phone number (any format) or name (accents and case ignored). A "
             "number no contact has still erases that number's texts and deliveries.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    config: ConfigOption = None,
) -> None:
    """Erase one person on request: their contact and every trace of their name, number and
    email in every table; they are never texted or called again (their number is kept as a
    keyed hash). Recorded in the audit trail without their data. Cannot be undone.

    Kept: the audit trail (hash-chained) and approved notes (published); see the README.
    """
    from rich.console import Console
    from rich.table import Table

    from bot.records import erasure

    with container_for(config) as container, container.db.unit_of_work() as uow:
        person = erasure.find(uow, ref, default_region=container.settings.directory.default_region)
        if not yes and not typer.confirm(f"Erase {person.describe()} from every table? This "
                                         "cannot be undone.", err=True):
            fail("nothing was erased")
        separate = container.inbox_db is not container.db
        requests = erasure.forget_requests(container.inbox_db, person) if separate else None
        done = erasure.erase(uow, person, actor=actor(), now=container.clock.now(),
                             requests=requests)
        uow.commit()
    table = Table(title=f"Erased {person.describe()}: rows changed", title_justify="left")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in done.rows.items():
        table.add_row(name, str(count))
    Console(markup=False, emoji=False, highlight=False).print(table)
    typer.echo("Recorded in the audit trail. The number is kept only as a keyed hash, so it is "
               "never texted or called again, even if it is imported again." if done.digest else
               "Recorded in the audit trail.")
