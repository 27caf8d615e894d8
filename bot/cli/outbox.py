"""``coordbot messages``: see the outbox and put failed messages back in the queue."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.common import ConfigOption, database_for, settings_for

messages_app = typer.Typer(help="The outbox: every message the bot sends, and its delivery.",
                           no_args_is_help=True)

@messages_app.command("list")
def list_messages(
    config: ConfigOption = None,
    status: Annotated[str | None, typer.Option(help="pending, sending, sent, delivered, "
                                                    "undelivered, failed or suppressed")] = None,
    incident: Annotated[str | None, typer.Option(help="Only this incident, e.g. INC-2026-0001")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Newest first, at most this many.")] = 50,
) -> None:
    """List outbox messages (SMS numbers masked), newest first, with a count by status."""
    from rich.console import Console
    from rich.table import Table

    from bot.directory.rules.phones import mask
    from bot.outbox.kinds import Kind

    database = database_for(settings_for(config))
    with database.unit_of_work(read_only=True) as uow:
        incident_id = _incident_id(uow, incident)
        rows = uow.outbox.list(status=status, incident_id=incident_id, limit=limit,
                               newest_first=True)
        counts = uow.outbox.count_by_status()
        table = Table("id", "key", "kind", "to", "lang", "status", "tries", "error", "provider id")
        for m in rows:
            to = mask(m.recipient) if m.kind == Kind.SMS else (m.recipient or "")
            table.add_row(str(m.id), m.idempotency_key, m.kind, to, m.language or "", m.status,
                          str(m.attempts), m.error_code or "", m.provider_id or "")
    console = Console()
    console.print(table)
    console.print(", ".join(f"{count} {name}" for name, count in sorted(counts.items()))
                  or "The outbox is empty.")


@messages_app.command("retry")
def retry_messages(
    ids: Annotated[list[int] | None, typer.Argument(help="Message ids to retry.")] = None,
    config: ConfigOption = None,
    failed: Annotated[bool, typer.Option("--failed", help="Retry every failed message.")] = False,
) -> None:
    """Put failed or undelivered messages back in the queue (never those to opted-out people)."""
    import getpass

    from bot.clock import SystemClock
    from bot.outbox.worker import retry

    if not ids and not failed:
        typer.echo("coordbot: name message ids, or use --failed", err=True)
        raise typer.Exit(2)
    database = database_for(settings_for(config))
    with database.unit_of_work() as uow:
        chosen = list(uow.outbox.list(status="failed")) if failed else []
        missing = []
        for message_id in ids or []:
            message = uow.outbox.get(message_id)
            (chosen.append(message) if message else missing.append(message_id))
        refused = retry(uow, chosen, actor=f"cli:{getpass.getuser()}", now=SystemClock().now())
        uow.commit()
    for line in refused + [f"#{m}: no such message" for m in missing]:
        typer.echo(line, err=True)
    typer.echo(f"{len(chosen) - len(refused)} message(s) queued again; a running worker sends "
               "them within seconds.")
    if refused or missing:
        raise typer.Exit(1)


def _incident_id(uow, key: str | None) -> int | None:
    if key is None:
        return None
    from bot.incidents.rules import normalise_key

    incident = uow.incidents.by_key(normalise_key(key) or key)
    if incident is None:
        typer.echo(f"coordbot: there is no incident {key}", err=True)
        raise typer.Exit(1)
    return incident.id
