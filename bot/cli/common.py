"""What every ``coordbot`` command group shares, so that they all behave alike.

One ``--config`` option, one way to report an error (``coordbot: …`` on stderr, then an exit
code), and the product built by ``bot.bootstrap`` like the web app and the worker build it, so a
command sees the same settings, clock and database as the running bot. This module imports no
command module: the groups import it, never each other, and the package has no import circle.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from bot import collector
from bot.config import ConfigError, Settings, load_settings
from bot.errors import DomainError

if TYPE_CHECKING:
    from bot.bootstrap import Container

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="TOML settings file (default: ./config.toml if present)."),
]


def complain(message: str) -> None:
    typer.echo(f"coordbot: {message}", err=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """Exit 1 for a request that cannot be done, 2 for a setup the command cannot run with."""
    complain(message)
    raise typer.Exit(code)


def fail_in_log(settings: Settings, message: str, code: int = 1) -> NoReturn:
    """``fail`` for a long-running command whose logging is set up: with JSON logs the reason
    is an error line like every other (a log service reads nothing else), else ``fail``."""
    if settings.log_format != "json":
        fail(message, code)
    import logging

    logging.getLogger("bot.cli").error("%s", message)
    raise typer.Exit(code)


def config_error(error: Exception) -> NoReturn:
    fail(f"configuration error: {error}", code=2)


def read_settings(config: Path | None) -> Settings:
    """The settings; a bad file or variable names the key and the problem, exit 2."""
    try:
        return load_settings(config)
    except ConfigError as error:
        config_error(error)


def build_container(settings: Settings) -> Container:
    """The product as ``bootstrap`` wires it, schema up to date (migrated only when it is not);
    an unusable database, exit 2."""
    from bot.bootstrap import bootstrap
    from bot.db.schema_version import open_current
    from bot.db.unit_of_work import DatabaseUnusable

    try:
        db = open_current(settings.database.url, echo=settings.database.echo)
        return bootstrap(settings, db=db, upgrade=False)
    except DatabaseUnusable as error:
        fail(str(error), code=2)


UpgradeOption = Annotated[bool, typer.Option(
    "--upgrade", help="Bring an old or empty database schema to the newest revision first "
                      "(as `coordbot db upgrade` does) instead of refusing to start.")]


def start_container(settings: Settings, *, upgrade: bool) -> Container:
    """The product for ``serve`` and ``worker``: only on a schema at this release's newest
    revision. An old or empty one is refused (exit 2) unless ``upgrade``; one a newer release
    migrated is always refused. The worker child a web process restarts does none of this."""
    import logging

    from bot.bootstrap import bootstrap
    from bot.db.schema_version import open_checked
    from bot.db.unit_of_work import DatabaseUnusable, redacted

    url = settings.database.url
    try:
        db, found = open_checked(url, echo=settings.database.echo, upgrade=upgrade)
    except DatabaseUnusable as error:
        fail_in_log(settings, str(error), code=2)
    where = redacted(url)
    if found.state == "unknown":
        db.dispose()
        fail_in_log(settings, f"{where}: {found.describe()}. This release cannot run on it: "
                              "start the newer release.", code=2)
    if not found.at_head and not upgrade:
        db.dispose()
        fail_in_log(settings, f"{where}: {found.describe()}. Run `coordbot db upgrade` (the "
                              "release's migration step) first, or start with --upgrade.", code=2)
    log = logging.getLogger("bot.cli")
    if found.at_head:
        log.info("%s", found.describe())
    else:
        log.info("%s; upgraded it to the newest revision", found.describe())
    return collecting(bootstrap(settings, db=db, upgrade=False))


def not_collecting() -> None:
    """The collector off for a long-running process's start-up, until ``collecting``."""
    collector.paused()


def collecting(container: Container) -> Container:
    """The collector back on once the product is built, the start-up's objects frozen out of
    its scans (``bot.collector``)."""
    collector.settle()
    return container


@contextmanager
def container_for(config: Path | None) -> Iterator[Container]:
    """The product for one command, stopped when it is done.

    A ``DomainError`` raised inside is the user's mistake (no such contact, no such call): its
    message, exit 1, and no traceback.
    """
    container = build_container(read_settings(config))
    try:
        yield container
    except DomainError as error:
        fail(str(error))
    finally:
        container.stop()


def actor() -> str:
    """Who ran the command, for audit entries: the login name, else the numeric user id.

    ``getpass.getuser`` fails where the user has no passwd entry and no ``$LOGNAME``/``$USER``
    (a container run with an arbitrary uid); the command must still work and say who ran it.
    """
    try:
        name = getpass.getuser()
    except (ImportError, KeyError, OSError):
        name = f"uid:{os.getuid()}" if hasattr(os, "getuid") else "unknown"
    return f"cli:{name}"[:64]


def write_output(text: str, output: Path | None, *, done: str,
                 write: Callable[[Path, str], None]) -> None:
    """``text`` to standard output, or with ``write`` to the ``--output`` file, then ``done``."""
    if output is None:
        sys.stdout.write(text)
        return
    try:
        write(output, text)
    except OSError as error:
        fail(f"cannot write {output}: {error.strerror or error}")
    typer.echo(done, err=True)


LogFormatOption = Annotated[str | None, typer.Option(
    "--log-format", help="plain (for a terminal) or json (one object a line); default: the "
                         "log_format setting.")]


def with_log_format(settings: Settings, log_format: str | None) -> Settings:
    """``settings`` with ``--log-format`` applied; an unknown format, exit 2."""
    if log_format is None:
        return settings
    if log_format not in ("plain", "json"):
        fail(f"--log-format: {log_format!r} is not plain or json", code=2)
    return settings.model_copy(update={"log_format": log_format})


def setup_logging(level: str = "INFO", *, json_lines: bool = False) -> None:
    """The long-running commands' logging: ``bot.logs`` (phone numbers masked, link tokens
    hidden), and the vendors' chatty loggers turned down."""
    from bot import logs
    from bot.bootstrap import quiet_vendor_loggers

    logs.setup(level, json_lines=json_lines)
    quiet_vendor_loggers()
