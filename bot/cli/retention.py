"""``coordbot retention run [--dry-run]``: personal data past its period removed now, or shown.

The scheduler runs the same thing daily (``retention.run_hour``); this is for an administrator
who wants to see what it would remove, or to run it at once (after changing the periods, say).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.common import ConfigOption, container_for

if TYPE_CHECKING:
    from bot.records.retention import Report

retention_app = typer.Typer(
    help="Retention: remove message bodies, texts, transcripts and payloads, and cut phone "
         "numbers to their last digits, once incidents have been closed long enough.",
    no_args_is_help=True)


@retention_app.command("run")
def run(
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Only count what would be removed; change nothing.")] = False,
    config: ConfigOption = None,
) -> None:
    """Purge what `retention.*` says is past its period (a batch per transaction).

    Incidents on legal hold are skipped and listed. Approved notes and the audit trail are kept.
    """
    from bot.records import retention

    with container_for(config) as container:
        settings = container.settings
        if not settings.retention.enabled and not dry_run:
            typer.echo("retention.enabled is false: nothing is purged (--dry-run still shows "
                       "what would be).")
            return
        report = retention.run(container.db, now=container.clock.now(), settings=settings,
                               dry_run=dry_run, inbox=container.inbox_db)
    _print(report, dry_run=dry_run, days=settings.retention.after_closed_days)


def _print(report: Report, *, dry_run: bool, days: int) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(markup=False, emoji=False, highlight=False)
    verb = "would be purged" if dry_run else "purged"
    if report.counts:
        targets = sorted({target for counts in report.counts.values() for target in counts})
        table = Table(title=f"Rows {verb} (incidents closed over {days} day(s) ago)",
                      title_justify="left")
        table.add_column("incident", no_wrap=True)
        for target in targets:
            table.add_column(target.replace("_", " "), justify="right")
        for scope, counts in report.counts.items():
            table.add_row(scope, *(str(counts.get(target, 0)) for target in targets))
        console.print(table)
    typer.echo(f"{report.total()} row(s) {verb}." if report.counts
               else "Nothing is past its retention period: nothing " + verb + ".")
    for key in report.held:
        typer.echo(f"{key}: on legal hold, skipped (nothing of it is purged until an official "
                   f"releases it with `/incident hold {key} release`).")
