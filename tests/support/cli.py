"""``coordbot …`` run inside the test's process, through Typer's runner.

A real ``python -m bot`` start imports the whole product again (1-2 s of CPU each), and most
CLI tests check what a command writes and which exit code it chooses, not the process. Those
run here, with the environment and working folder a subprocess would have had; the tests of
the entry point itself (``main``'s exit 2, the installed script) still start a process.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app


@dataclass(frozen=True)
class Ran:
    """What a finished command left, named as ``subprocess.CompletedProcess`` names it."""

    returncode: int
    stdout: str
    stderr: str


def coordbot(database_url: str, cwd: Path, *args: str, answer: str | None = None,
             settings: dict[str, str] | None = None) -> Ran:
    """``coordbot ARGS…`` on ``database_url`` from folder ``cwd``, with ``answer`` typed at
    its prompts and, of this process's ``COORDBOT_*`` variables, only ``settings``. An
    exception the command did not turn into an exit code is raised, as a traceback would have
    ended the process."""
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("COORDBOT_")}
    env.update(settings or {})
    env.update(COORDBOT_DATABASE__URL=database_url, COLUMNS="200")
    with contextlib.chdir(cwd):
        result = CliRunner().invoke(app, list(args), input=answer, env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Ran(result.exit_code, result.stdout, result.stderr)
