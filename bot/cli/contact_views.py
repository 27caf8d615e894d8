"""How the ``coordbot contacts`` commands show their results: bad rows, progress, one contact.

Apart from the commands so that they read as what they do; ``bot.cli.contacts`` uses it, and
``bot.cli.audit`` its progress bar.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from rich.progress import Progress

    from bot.db.models import Contact
    from bot.directory.rules.contact_file import FileReport

BAR_ABOVE = 300  # rows; smaller imports finish before a bar would be any use


def print_errors(report: FileReport) -> None:
    """Every problem on a line of its own: easy to read, search and paste into a ticket."""
    if not report.errors:
        return
    typer.echo(f"{len(report.rejected_lines)} bad row(s):", err=True)
    for e in sorted(report.errors, key=lambda e: e.line):
        typer.echo(f"  {report.unit} {e.line}, {e.column} {e.value!r}: {e.why}", err=True)


class Bar:
    """A progress bar on stderr, shown only for more than BAR_ABOVE rows (imports, exports)."""

    def __init__(self, label: str = "importing") -> None:
        self.label = label
        self.progress: Progress | None = None
        self.task = None

    def __enter__(self) -> Bar:
        return self

    def update(self, done: int, total: int) -> None:
        if total <= BAR_ABOVE:
            return
        if self.progress is None:
            from rich import progress as bar
            from rich.console import Console

            self.progress = bar.Progress(bar.TextColumn(self.label), bar.BarColumn(),
                                         bar.MofNCompleteColumn(), bar.TimeElapsedColumn(),
                                         console=Console(stderr=True))
            self.progress.start()
            self.task = self.progress.add_task("import", total=total)
        self.progress.update(self.task, completed=done)

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()


def details(c: Contact, reveal: bool) -> list[tuple[str, str]]:
    """``contacts show``: every field as a label and a value, the phone masked unless ``reveal``."""
    from bot.directory.rules.phones import mask, with_extension
    from bot.i18n.languages import describe

    consent = c.sms_consent + (f" ({c.consent_source}, {c.consent_at:%Y-%m-%d})"
                               if c.consent_source and c.consent_at else "")
    phone = with_extension((c.phone or "—") if reveal else mask(c.phone), c.phone_extension)
    return [("id", str(c.id)), ("name", c.name), ("organisation", c.organisation or "—"),
            ("type", c.organisation_type or "—"), ("role", c.role or "—"),
            ("phone", phone), ("phone status", c.phone_status), ("email", c.email or "—"),
            ("slack", c.slack_user_id or "—"), ("language", describe(c.home_language, c.language)),
            ("timezone", c.timezone), ("regions", ", ".join(c.regions) or "—"),
            ("incident types", ", ".join(c.incident_types)), ("tags", ", ".join(c.tags) or "—"),
            ("sms consent", consent), ("active", "yes" if c.active else "no"),
            ("updated", f"{c.updated_at:%Y-%m-%d %H:%M} UTC")]
