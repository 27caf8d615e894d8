"""``coordbot messages``: see the outbox and put failed messages back in the queue.

The group is named for what an operator looks for (the messages the bot sent); what it lists and
changes is the outbox, every outbound message and its delivery.
"""

from __future__ import annotations

from collections import Counter
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.common import ConfigOption, actor, container_for, fail
from bot.outbox.kinds import Kind

if TYPE_CHECKING:
    from rich.table import Table

    from bot.db.models import OutboxMessage
    from bot.db.unit_of_work import UnitOfWork

messages_app = typer.Typer(help="The outbox: every message the bot sends, and its delivery.",
                           no_args_is_help=True)


class Status(StrEnum):
    """The outbox statuses, in the order a message goes through them."""
    PENDING = "pending"
    SENDING = "sending"
    UNKNOWN = "unknown"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    SUPPRESSED = "suppressed"
    CANCELLED = "cancelled"  # a notice's text taken back within its undo window


@messages_app.command("list")
def list_messages(
    config: ConfigOption = None,
    status: Annotated[Status | None, typer.Option(case_sensitive=False,
                                                  help="Only messages in this status.")] = None,
    incident: Annotated[str | None, typer.Option(help="Only this incident, e.g. INC-2026-0001")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Newest first, at most this many.")] = 50,
) -> None:
    """List outbox messages, newest first: who each is for (contacts by name, numbers masked),
    its key, status, attempts and error; then a count by status. Fits 80 columns."""
    from rich.console import Console

    with container_for(config) as container, container.db.unit_of_work(read_only=True) as uow:
        incident_id = _incident_id(uow, incident)
        rows = uow.outbox.list(status=status.value if status else None, incident_id=incident_id,
                               limit=limit, newest_first=True)
        counts = uow.outbox.count_by_status()
        table = _table()
        for m in rows:
            table.add_row(str(m.id), _who(uow, m), m.idempotency_key, m.status, str(m.attempts),
                          m.error_code or "")
    console = Console()
    console.print(table)
    console.print(", ".join(f"{count} {name}" for name, count in sorted(counts.items()))
                  or "The outbox is empty.")


def _table() -> Table:
    """Six columns that share an 80-column terminal: the recipient shortened, keys and error
    codes folded rather than cut."""
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True)
    table.add_column("id", justify="right", no_wrap=True)
    table.add_column("to", no_wrap=True, overflow="ellipsis", max_width=20)
    table.add_column("message", overflow="fold", ratio=3)
    table.add_column("status", no_wrap=True)
    table.add_column("try", justify="right", no_wrap=True)
    table.add_column("error", overflow="fold", ratio=2)
    return table


def _who(uow: UnitOfWork, message: OutboxMessage) -> str:
    """A contact by name and masked number; a Slack user by the name Slack showed; else the
    channel or user id (an empty recipient is the incident's channel)."""
    from bot.directory.rules.phones import mask

    if message.kind in (Kind.SMS, Kind.DIAL_OUT, Kind.VOICE_MESSAGE):  # phone numbers: masked
        contact = uow.contacts.by_phone(message.recipient) if message.recipient else None
        return f"{contact.name}\n{mask(message.recipient)}" if contact else mask(message.recipient)
    if not message.recipient:
        return "incident channel"
    name = uow.contacts.slack_name(message.recipient)
    return f"@{name}" if name else message.recipient


@messages_app.command("retry")
def retry_messages(
    ids: Annotated[list[int] | None, typer.Argument(help="Message ids to retry.")] = None,
    config: ConfigOption = None,
    failed: Annotated[bool, typer.Option("--failed", help="Retry every failed message.")] = False,
) -> None:
    """Put failed or undelivered messages back in the queue. Never those that cannot succeed:
    texts to people who opted out, Twilio's refusals that would be repeated (landline, invalid
    or unreachable number), and calls to a number that cannot take them (invalid, not enabled,
    or that Twilio could not connect)."""
    from bot.outbox.requeue import retry
    from bot.sms.rules.failures import never_retried, skipped_summary

    if not ids and not failed:
        fail("name message ids, or use --failed", code=2)
    with container_for(config) as container, container.db.unit_of_work() as uow:
        chosen = list(uow.outbox.list(status="failed")) if failed else []
        missing = []
        for message_id in ids or []:
            message = uow.outbox.get(message_id)
            (chosen.append(message) if message else missing.append(message_id))
        permanent = {m.id: why for m in chosen
                     if (why := never_retried(m.kind, m.status, m.error_code))}
        named = set(ids or [])
        refused = [f"#{m.id} ({m.idempotency_key}): not retried, {permanent[m.id]}"
                   for m in chosen if m.id in permanent and m.id in named]
        skipped = Counter(why for message_id, why in permanent.items() if message_id not in named)
        retried = [m for m in chosen if m.id not in permanent]
        not_retried = retry(uow, retried, actor=actor(), now=container.clock.now())
        uow.commit()
    refused += not_retried
    for line in refused + [f"#{m}: no such message" for m in missing]:
        typer.echo(line, err=True)
    if skipped:
        typer.echo(skipped_summary(skipped))
    typer.echo(f"{len(retried) - len(not_retried)} message(s) queued again; a running worker "
               "sends them within seconds.")
    if refused or missing:
        raise typer.Exit(1)


def _incident_id(uow: UnitOfWork, key: str | None) -> int | None:
    if key is None:
        return None
    from bot.incidents.rules import normalise_key

    incident = uow.incidents.by_key(normalise_key(key) or key)
    if incident is None:
        fail(f"there is no incident {key}")
    return incident.id
