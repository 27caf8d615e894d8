"""``coordbot``: the root command, which only assembles the groups.

Each command group is a module of its own that imports ``bot.cli.common`` and no other group.
Commands import the product's modules when they run, not when this package loads, so that
``coordbot --help`` and a mistyped option answer at once.
"""

from __future__ import annotations

import sys

import typer

from bot.cli import audit, catalogs, contacts, db, demo, deploy, notes, outbox, retention, serve
from bot.cli.common import complain
from bot.config import ConfigError

app = typer.Typer(help="coordbot: incident-response coordination in Slack and by SMS.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
app.command()(serve.serve)
app.command("worker")(serve.run_worker)
app.command()(demo.demo)
app.add_typer(db.db_app, name="db")
app.add_typer(contacts.contacts_app, name="contacts")
app.add_typer(outbox.messages_app, name="messages")
app.add_typer(notes.notes_app, name="notes")
app.add_typer(deploy.deploy_app, name="deploy")
app.add_typer(catalogs.catalogs_app, name="catalogs")
app.add_typer(audit.audit_app, name="audit")
app.add_typer(retention.retention_app, name="retention")


def main() -> None:
    """The installed ``coordbot``; a configuration error that escapes a command still exits 2."""
    try:
        app()
    except ConfigError as error:
        complain(f"configuration error: {error}")
        sys.exit(2)
