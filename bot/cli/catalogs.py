"""``coordbot catalogs``: the SMS and voice texts out to the translators and back.

``export`` writes a PO file (one language, for Poedit, Weblate and other gettext tools) or a CSV
file (any number of languages, for a spreadsheet); ``import`` reads one back, validates all of it
and writes it into the catalogs, or refuses it whole with each problem's line; ``status`` shows
per language how many texts a translator has reviewed. None of them needs the database: they
read and write the catalog files (``--dir``, default the bot's own).
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import fail, write_output

catalogs_app = typer.Typer(
    help="SMS and voice texts: export them for translators (PO or CSV), import their review.",
    no_args_is_help=True)

DirOption = Annotated[Path | None, typer.Option(
    "--dir", help="The catalog directory (default: the bot's own, bot/i18n/catalogs).",
    file_okay=False)]


class Format(StrEnum):
    PO = "po"
    CSV = "csv"


def _catalogs(directory: Path | None) -> AbstractContextManager:
    from bot.i18n.catalog import use_directory

    if directory is None:
        return nullcontext()
    if not directory.is_dir():
        fail(f"{directory} is not a directory", code=2)
    return use_directory(directory)


def _languages(lang: str | None) -> list[str]:
    from bot.errors import InvalidInput
    from bot.i18n.languages import LANGUAGES, parse_language

    if lang is None:
        return list(LANGUAGES)
    try:
        return [parse_language(lang)]
    except InvalidInput as error:
        raise typer.BadParameter(str(error), param_hint="--lang") from None


@catalogs_app.command("export")
def export(
    fmt: Annotated[Format, typer.Option("--format", "-f", help="po or csv.")] = Format.PO,
    lang: Annotated[str | None, typer.Option(
        "--lang", "-l", help="One language (es, zh…). A PO file holds one; a CSV all of them "
                             "unless this says.")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="File to write (default: standard output).")] = None,
    directory: DirOption = None,
) -> None:
    """Write the texts of one language (PO) or of several (CSV) for translators to review."""
    from bot.clock import SystemClock
    from bot.i18n import translations

    tags = _languages(lang)
    if fmt == Format.PO and len(tags) != 1:
        raise typer.BadParameter("a PO file holds one language: add --lang es (or another)",
                                 param_hint="--lang")
    with _catalogs(directory):
        data = translations.export(fmt.value, tags, SystemClock().now())
    write_output(data.decode("utf-8"), output, done=f"exported {', '.join(tags)} to {output}",
                 write=lambda path, text: path.write_bytes(text.encode("utf-8")))


@catalogs_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A .po or .csv file a translator gave back.")],
    directory: DirOption = None,
) -> None:
    """Validate a translator's file and write it into the catalogs: all of it, or nothing."""
    from bot.i18n import translations
    from bot.i18n.exchange import Refused

    if not file.is_file():
        fail(f"there is no file {file}")
    try:
        with _catalogs(directory):
            done = translations.import_file(file)
    except Refused as refused:
        fail(f"{file}: {refused}")
    except OSError as error:
        fail(f"cannot import {file}: {error.strerror or error}")
    for outcome in done:
        line = (f"{outcome.language}: {len(outcome.changed)} text(s) changed, "
                f"{len(outcome.reviewed)} marked reviewed")
        if outcome.stale:
            line += (f"; left unreviewed, the English changed since the export: "
                     f"{', '.join(outcome.stale)}")
        typer.echo(line)
    if not done:
        typer.echo("the file holds no texts; nothing changed")


@catalogs_app.command("status")
def status(
    lang: Annotated[str | None, typer.Option(
        "--lang", "-l", help="One language: also list its unreviewed texts.")] = None,
    directory: DirOption = None,
) -> None:
    """How many texts of each language a translator has reviewed."""
    from bot.i18n import review
    from bot.i18n.languages import LANGUAGES

    with _catalogs(directory):
        found = [review.status(tag) for tag in _languages(lang)]
    for state in found:
        mark = "reviewed" if state.complete else "NOT REVIEWED"
        typer.echo(f"{state.language}  {LANGUAGES[state.language][0]:<15} {state.reviewed:>3}/"
                   f"{state.total} reviewed  {mark}")
        if lang is not None and state.unreviewed:
            typer.echo("  unreviewed: " + ", ".join(state.unreviewed))
