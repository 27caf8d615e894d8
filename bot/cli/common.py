"""What the ``coordbot`` subcommands share: the settings option, loading the settings and the
database with a plain explanation (exit 2) when they are unusable, and failing with a message."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.config import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from bot.db.unit_of_work import Database

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="TOML settings file (default: ./config.toml if present)."),
]


def settings_for(config: Path | None) -> Settings:
    try:
        return load_settings(config)
    except ConfigError as error:
        typer.echo(f"coordbot: configuration error: {error}", err=True)
        raise typer.Exit(2) from None


def database_for(settings: Settings) -> Database:
    """The database, schema brought up to date; an unreachable one is explained, exit 2."""
    from bot.db.unit_of_work import DatabaseUnusable, open_database

    try:
        return open_database(settings.database.url)
    except DatabaseUnusable as error:
        typer.echo(f"coordbot: {error}", err=True)
        raise typer.Exit(2) from None


def fail(message: str) -> typer.Exit:
    typer.echo(f"coordbot: {message}", err=True)
    return typer.Exit(1)


def actor() -> str:
    """Who ran the command, for the audit trail."""
    try:
        return f"cli:{getpass.getuser()}"[:64]
    except (OSError, KeyError):
        return "cli"
