"""Real ``coordbot worker`` subprocesses for the crash and leadership tests."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

COORDBOT = Path(sys.executable).with_name("coordbot")
STOP_TIMEOUT_S = 30.0


def clean_env(**settings: str) -> dict[str, str]:
    """This environment without any ``COORDBOT_*`` setting, plus ``settings`` (already named
    ``COORDBOT_…``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COORDBOT_")}
    env.update(settings)
    return env


class Worker:
    """One ``coordbot worker ARGS…`` (or ``coordbot serve …`` with ``command="serve"``)
    subprocess, started in its log's folder; its log goes to that file, never to a pipe nobody
    reads. It leads its own process group, so ``kill_group`` takes its children too."""

    def __init__(self, *args: str, log_path: Path, env: dict[str, str] | None = None,
                 name: str | None = None, command: str = "worker"):
        self.name, self.log_path = name or log_path.stem, log_path
        with log_path.open("ab") as log:
            self.process = subprocess.Popen([str(COORDBOT), command, *args], cwd=log_path.parent,
                                            start_new_session=True,
                                            env=clean_env() if env is None else env,
                                            stdin=subprocess.DEVNULL, stdout=log,
                                            stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self, tail: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-tail:]
        except OSError:
            return "(no log)"

    def lines_with(self, fragment: str) -> list[str]:
        """Every line of the whole log that contains ``fragment``."""
        try:
            content = self.log_path.read_text(errors="replace")
        except OSError:
            return []
        return [line for line in content.splitlines() if fragment in line]

    def alive(self) -> bool:
        return self.process.poll() is None

    def check_alive(self) -> None:
        code = self.process.poll()
        assert code is None, f"coordbot worker {self.pid} exited with {code}:\n{self.log()}"

    def kill(self) -> None:
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
        self.process.wait(timeout=STOP_TIMEOUT_S)

    def kill_group(self) -> None:
        """SIGKILL to the process and every child it started (a crash of the whole service)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.process.wait(timeout=STOP_TIMEOUT_S)

    def terminate(self) -> int:
        """SIGTERM, then the exit code (0 when the worker stopped cleanly)."""
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"coordbot worker {self.pid} ignored SIGTERM:\n{self.log()}") from None


def worker_children(pid: int) -> list[int]:
    """The command worker children of the ``coordbot serve`` process ``pid`` (spawned by
    ``multiprocessing``; its resource tracker, also a child, is left out)."""
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    children = []
    for child in map(int, found):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if b"resource_tracker" not in command:
            children.append(child)
    return children


def running(workers: Iterable[Worker], condition: Callable[[], Any]) -> Callable[[], Any]:
    """``condition`` as a predicate for ``wait_until`` that first fails if a worker has died."""
    def check() -> Any:
        for worker in workers:
            worker.check_alive()
        return condition()

    return check


def logs(workers: Iterable[Worker]) -> str:
    return "\n".join(f"--- worker {w.name} (pid {w.pid}) ---\n{w.log()}" for w in workers)
