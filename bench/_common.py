"""What the benchmarks share: progress on stderr, the one JSON line on stdout, the ``--db`` and
``--pg-url`` options and a throw-away database for them, the installed ``coordbot`` command.

Each benchmark is run as a script (``python bench/NAME.py``), so this module is imported as
``_common`` from the benchmark's own folder.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bot.db.schemas import fresh_schema

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
COORDBOT = Path(sys.executable).with_name("coordbot")
REPOSITORY = Path(__file__).resolve().parent.parent


def log(message: str, *, tag: str = "bench") -> None:
    print(f"[{tag}] {message}", file=sys.stderr, flush=True)


def emit(result: dict) -> None:
    """The benchmark's result: one JSON line on stdout."""
    print(json.dumps(result), flush=True)


def add_database_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-url", default=os.environ.get(
        "COORDBOT_BENCH_DATABASE_URL", os.environ.get("COORDBOT_TEST_DATABASE_URL", DEFAULT_PG)),
        help="the PostgreSQL server for --db postgresql (a new schema is made there and dropped)")


@contextlib.contextmanager
def fresh_database(kind: str, pg_url: str, *, workdir: Path | None = None,
                   name: str = "bench") -> Iterator[str]:
    """The URL of an empty database: a SQLite file ``NAME.db`` in ``workdir`` (else in a
    temporary folder), or a new schema on ``pg_url``; either is gone afterwards (but for a
    ``workdir`` of the caller's)."""
    if kind == "postgresql":
        with fresh_schema(pg_url, prefix="bench") as url:
            yield url
        return
    if workdir is not None:
        yield f"sqlite:///{workdir / f'{name}.db'}"
        return
    with tempfile.TemporaryDirectory(prefix=f"{name}-") as tmp:
        yield f"sqlite:///{Path(tmp) / f'{name}.db'}"
