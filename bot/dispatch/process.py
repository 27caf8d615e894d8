"""Slash-command work runs in a separate worker process, away from the process that acks.

The web process only verifies, parses and acknowledges Slack's requests (Slack's deadline is
3 seconds); a burst of commands must never slow those acks down. So the database work, rendering
and the reply through ``response_url`` happen in one worker process, which also runs the outbox
worker. A job that fails is answered with the error message; nothing is retried blindly.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from typing import Any

from bot import logs
from bot.bootstrap import Container, bootstrap, quiet_vendor_loggers
from bot.config import Settings
from bot.dispatch.dispatcher import Actor
from bot.slack_ui.errors import message_for

log = logging.getLogger(__name__)
_container: Container | None = None
_scheduler = None


WORKER_NICENESS = 10


def _start(settings: Settings, run_outbox: bool, log_level: int,
           run_scheduler: bool = False) -> None:
    global _container, _scheduler
    # Background work yields the CPU to the process that must ack within Slack's deadline.
    os.nice(WORKER_NICENESS)
    logs.setup(log_level, fmt="%(asctime)s %(levelname)s %(processName)s %(name)s: %(message)s")
    quiet_vendor_loggers()
    _container = bootstrap(settings, upgrade=False)
    if run_outbox:
        _container.start_worker()
    if run_scheduler:
        from schedules.runner import SchedulerRunner

        _scheduler = SchedulerRunner(_container)
        _scheduler.start()


def _run(command: Any, actor: Actor, reply_to: dict[str, Any] | None) -> None:
    """Runs a typed command and sends its reply (or the error) back to the user.

    ``reply_to`` None is for events (a message, a reaction): errors are logged, nothing is said.
    """
    assert _container is not None
    try:
        reply = _container.dispatcher.run(command, actor)
    except Exception as error:
        if reply_to is None:
            log.exception("%s failed", type(command).__name__)
            return
        text, blocks = message_for(error), None
    else:
        if reply_to is None or reply is None:
            return
        text, blocks = reply.text, reply.blocks
    try:
        if reply_to.get("response_url"):
            _container.slack.respond(reply_to["response_url"], text=text, blocks=blocks,
                                     replace_original=reply_to.get("replace_original", False))
        else:
            _container.slack.post_ephemeral(reply_to["channel"], reply_to["user"], text)
    except Exception as error:  # an expired or unusable response_url: a line, not a traceback
        log.warning("could not deliver the reply to %s: %s: %s", reply_to.get("user"),
                    type(error).__name__, str(error)[:200])


class CommandProcess:
    """One worker process fed through a queue (one feeder thread in the web process)."""

    def __init__(self, settings: Settings, *, run_outbox: bool = True,
                 run_scheduler: bool = False):
        self._settings = settings
        self._run_outbox = run_outbox
        self._run_scheduler = run_scheduler
        self._context = multiprocessing.get_context("spawn")
        self._jobs = self._context.Queue()  # put() never blocks the event loop
        self._ready = self._context.Event()
        self._process: multiprocessing.process.BaseProcess | None = None

    def start(self, timeout_s: float = 60) -> None:
        self._process = self._context.Process(
            target=_serve, args=(self._settings, self._run_outbox, self._run_scheduler,
                                 logging.getLogger().level, self._jobs, self._ready),
            name="coordbot-worker", daemon=True)
        self._process.start()
        if not self._ready.wait(timeout_s):
            self.stop()
            raise RuntimeError("the command worker process did not start")

    def submit(self, command: Any, actor: Actor, *, reply_to: dict[str, Any] | None) -> None:
        """Queues a typed command (a frozen dataclass: it pickles) for the worker process."""
        if self._process is None or not self._process.is_alive():
            raise RuntimeError("the command worker process is not running")
        self._jobs.put((command, actor, reply_to))

    def stop(self, timeout_s: float = 30) -> None:
        if self._process is None:
            return
        if self._process.is_alive():
            self._jobs.put(None)
            self._process.join(timeout_s)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(5)
        self._process = None


def _serve(settings: Settings, run_outbox: bool, run_scheduler: bool, log_level: int,
           jobs: Any, ready: Any) -> None:
    _exit_with_parent()
    _start(settings, run_outbox, log_level, run_scheduler)
    ready.set()
    while (job := jobs.get()) is not None:
        _run(*job)
    if _scheduler is not None:
        _scheduler.stop()
    assert _container is not None
    _container.stop()


def _exit_with_parent() -> None:
    """A worker whose web process was killed (SIGKILL, OOM) must not live on as an orphan."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        log.warning("the web process is gone; this worker process exits")
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()
