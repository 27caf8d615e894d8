"""Acknowledged requests run in a separate, supervised worker process.

The web process only verifies, parses, writes each request to the durable inbox and
acknowledges it (Slack's deadline is 3 seconds); a burst of commands must never slow those acks
down. So the database work, rendering and replies happen in one worker process, at a lower CPU
priority, which also runs the outbox worker (and the scheduler when asked). The web process
wakes it through a queue at once; it also polls the inbox, so requests written by another
replica, or while it was down, are picked up. When it dies it is restarted with a backoff, and
``alive`` says so meanwhile (``/healthz`` reports it).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import select
import sys
import threading
import time
from typing import Any

from bot import logs
from bot.bootstrap import bootstrap, quiet_vendor_loggers
from bot.config import Settings
from bot.dispatch.inbox import InboxRunner
from bot.observe import multiproc

log = logging.getLogger(__name__)

WORKER_NICENESS = 10
POLL_S = 1.0
WAKE, HALT = b"w", b"h"
FIRST_BACKOFF_S, MAX_BACKOFF_S = 1.0, 30.0
HEALTHY_AFTER_S = 60.0


class CommandProcess:
    """The worker process and its supervisor thread (in the web process)."""

    def __init__(self, settings: Settings, *, run_outbox: bool = True,
                 run_scheduler: bool = False):
        self._settings = settings
        self._run_outbox = run_outbox
        self._run_scheduler = run_scheduler
        self._context = multiprocessing.get_context("spawn")
        self._signal: Any = None  # the write end of the current child's wake-up pipe
        self._process: multiprocessing.process.BaseProcess | None = None
        self._stopping = threading.Event()
        self._supervisor: threading.Thread | None = None
        self.restarts = 0

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self, timeout_s: float = 60) -> None:
        self._spawn(timeout_s)
        self._supervisor = threading.Thread(target=self._supervise, daemon=True,
                                            name="command-worker-supervisor")
        self._supervisor.start()

    def wake(self) -> None:
        """A new request is in the inbox: one byte down the child's pipe, never blocking."""
        _poke(self._signal, WAKE)

    def stop(self, timeout_s: float = 30) -> int | None:
        """Asks the worker to finish and waits for it; its exit code (0 when it stopped
        cleanly, negative when it had to be terminated), or None when none was running."""
        self._stopping.set()
        process, self._process = self._process, None
        if process is None:
            return None
        if process.is_alive():
            _poke(self._signal, HALT)
            process.join(timeout_s)
        if process.is_alive():
            process.terminate()
            process.join(5)
        return process.exitcode

    def _spawn(self, timeout_s: float = 60) -> None:
        """A new child with a new pipe: a killed child can leave a lock or an Event of
        ``multiprocessing`` held for ever, but a pipe it had cannot block anyone."""
        ready = self._context.Event()
        reader, writer = self._context.Pipe(duplex=False)
        os.set_blocking(writer.fileno(), False)
        process = self._context.Process(
            target=_serve, args=(self._settings, self._run_outbox, self._run_scheduler,
                                 logging.getLogger().level, reader, ready),
            name="coordbot-worker", daemon=True)
        process.start()
        reader.close()
        old, self._signal = self._signal, writer
        if old is not None:
            old.close()
        if not ready.wait(timeout_s):
            process.terminate()
            raise RuntimeError("the command worker process did not start")
        self._process = process  # alive only once it is ready to run requests

    def _supervise(self) -> None:
        backoff = FIRST_BACKOFF_S
        started = time.monotonic()
        while not self._stopping.is_set():
            process = self._process
            if process is None or self._stopping.wait(0.5) or process.is_alive():
                if time.monotonic() - started > HEALTHY_AFTER_S:
                    backoff = FIRST_BACKOFF_S
                continue
            log.warning("the command worker process stopped (exit code %s); restarting it in "
                        "%.0f s. Acknowledged requests wait in the inbox meanwhile.",
                        process.exitcode, backoff)
            multiproc.process_gone(process.pid)
            if self._stopping.wait(backoff):
                return
            try:
                self._spawn()
                self.restarts += 1
                started = time.monotonic()
                log.warning("the command worker process is running again")
            except Exception:
                log.exception("the command worker process did not restart")
            backoff = min(backoff * 2, MAX_BACKOFF_S)


def _serve(settings: Settings, run_outbox: bool, run_scheduler: bool, log_level: int,
           signals: Any, ready: Any) -> None:
    _exit_with_parent()
    # Background work yields the CPU to the process that must ack within Slack's deadline.
    os.nice(WORKER_NICENESS)
    logs.setup(log_level, fmt="%(asctime)s %(levelname)s %(processName)s %(name)s: %(message)s",
               json_lines=settings.log_format == "json")
    quiet_vendor_loggers()
    container = bootstrap(settings, upgrade=False)
    if run_outbox:
        container.start_worker()
    scheduler = None
    if run_scheduler:
        from schedules.runner import SchedulerRunner

        scheduler = SchedulerRunner(container)
        scheduler.start()
    container.warm_up()  # the Slack gateway built now, not on the first command's reply
    runner = InboxRunner(db=container.db, inbox=container.inbox_db,
                         dispatcher=container.dispatcher, clock=container.clock,
                         wakeup=container.wakeup)
    ready.set()
    try:
        while _drain_then_wait(runner, signals.fileno()):
            pass
    finally:
        if scheduler is not None:
            scheduler.stop()
        container.stop()
    _exit_stopped()


def _exit_stopped() -> None:
    """Ends a worker that stopped cleanly without the interpreter's teardown: freeing every
    module and object the product imported took a third of a second at each stop, paid again
    at every restart and by every test of the live app. Nothing is left to finalize by then
    (the container is stopped, its threads joined); the logs and standard streams are flushed
    first. A worker that failed still raises, and exits through ``multiprocessing``."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(0)


def _poke(signal: Any, byte: bytes) -> None:
    if signal is None:
        return
    with contextlib.suppress(BlockingIOError, OSError):
        os.write(signal.fileno(), byte)  # a full pipe already says "wake up"


def _drain_then_wait(runner: InboxRunner, fd: int) -> bool:
    """One round; False when the web process asked this worker to stop (or is gone)."""
    try:
        if runner.drain_once():
            return not _pending_halt(fd, timeout=0)
    except Exception:
        log.exception("could not read the inbox; trying again")
    return not _pending_halt(fd, timeout=POLL_S)


def _pending_halt(fd: int, *, timeout: float) -> bool:
    """Waits up to ``timeout`` for a signal; True for HALT or a closed pipe."""
    ready, _, _ = select.select([fd], [], [], timeout)
    if not ready:
        return False
    data = os.read(fd, 4096)
    return not data or HALT in data


def _exit_with_parent() -> None:
    """A worker whose web process was killed (SIGKILL, OOM) must not live on as an orphan."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        log.warning("the web process is gone; this worker process exits")
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()
