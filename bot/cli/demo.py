"""``coordbot demo``: the whole bot against local emulators, as a smoke test anyone can run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import setup_logging


def demo(
    keep: Annotated[Path | None, typer.Option(help="Keep the demo database at this path.")] = None,
) -> None:
    """Run the bot against local Slack emulators and play a coordinator; exits 0 if all worked."""
    from bot.sandbox.demo import run_demo

    setup_logging("WARNING")
    raise typer.Exit(run_demo(keep_database=keep))
