"""``coordbot db``: the database schema, for a deployment that migrates before it starts.

``db upgrade`` brings the schema to the newest revision and stops, so that a release migrates
once before its processes start: ``serve`` and ``worker`` refuse an old schema unless started
with ``--upgrade``. Other commands (``contacts import`` …) still upgrade when they build the
product.
"""

from __future__ import annotations

import logging

import typer

from bot.cli.common import (
    ConfigOption,
    LogFormatOption,
    fail_in_log,
    read_settings,
    setup_logging,
    with_log_format,
)

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade(config: ConfigOption = None, log_format: LogFormatOption = None) -> None:
    """Bring the database schema up to date (one process at a time: concurrent runs take
    turns)."""
    from bot.db.schema_version import open_checked, schema_version
    from bot.db.unit_of_work import DatabaseUnusable, redacted, unusable_unless_opened

    settings = with_log_format(read_settings(config), log_format)
    json_lines = settings.log_format == "json"
    if json_lines:  # the migration job's lines go to the log service like the others'
        setup_logging(json_lines=True)
    url = settings.database.url
    try:
        db, found = open_checked(url, echo=settings.database.echo, upgrade=True)
        try:
            with unusable_unless_opened(url):
                now = schema_version(db)
        finally:
            db.dispose()
    except DatabaseUnusable as error:
        fail_in_log(settings, str(error), code=2)
    if not now.at_head:
        fail_in_log(settings, f"{redacted(url)}: {now.describe()}. This release cannot upgrade "
                              "it.", code=2)
    before = "" if found.at_head else f"; found at {', '.join(found.current) or 'no revision'}"
    done = (f"database schema is up to date at revision {', '.join(now.heads)}{before} "
            f"({redacted(url)})")
    if json_lines:
        logging.getLogger("bot.cli").info("%s", done)
    else:
        typer.echo(done)
