"""``coordbot db``: the database schema, for a deployment that migrates before it starts.

``db upgrade`` brings the schema to the newest revision and stops, so that a release migrates
once before its processes start: ``serve`` and ``worker`` refuse an old schema unless started
with ``--upgrade``. Other commands (``contacts import`` …) still upgrade when they build the
product.
"""

from __future__ import annotations

import typer

from bot.cli.common import ConfigOption, container_for
from bot.db.unit_of_work import redacted as redact

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade(config: ConfigOption = None) -> None:
    """Bring the database schema up to date."""
    with container_for(config) as container:
        url = container.settings.database.url
    typer.echo(f"database schema is up to date ({redact(url)})")
