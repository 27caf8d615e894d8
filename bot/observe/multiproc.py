"""prometheus-client's multiprocess mode for ``coordbot serve``.

The web process and its worker child are separate processes (spawned), and the child restarts
when it dies: counters kept in one process's memory would be invisible to the web's
``/metrics`` or lost with the child. In multiprocess mode every process writes its values to
files in ``PROMETHEUS_MULTIPROC_DIR``, and the web process's ``/metrics`` adds them up. The
variable must be set before ``prometheus_client`` is first imported (it chooses its value store
then), so this module imports nothing of it. Depth and age of the queues do not depend on this:
they are read from the database at scrape time.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare() -> Path:
    """The directory, created (a fresh temporary one unless ``PROMETHEUS_MULTIPROC_DIR`` names
    one) and emptied of a previous run's files, as prometheus-client asks; the variable is set
    so that the worker child, spawned later, inherits it."""
    named = os.environ.get(ENV)
    folder = Path(named) if named else Path(tempfile.mkdtemp(prefix="coordbot-metrics-"))
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink(missing_ok=True)
    os.environ[ENV] = str(folder)
    return folder


def enabled() -> bool:
    return bool(os.environ.get(ENV))


def process_gone(pid: int | None) -> None:
    """A dead worker's live gauges (the scheduler leader) stop counting; its counters stay."""
    if pid is None or not enabled():
        return
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid)
