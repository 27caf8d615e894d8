"""The web process's side of the inbox: write a verified request durably, then wake the worker.

Handlers call ``accept`` before they acknowledge, so a 200 always means the request is in the
database. The requests that arrive together are committed in one transaction (a group commit):
under a burst, fifty acknowledgements cost one commit, not fifty. On PostgreSQL the group is
written by the event loop itself over an asynchronous connection (``_LoopWriter``); on SQLite,
whose driver only blocks, by one writer thread, so the event loop never waits for the file.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from dataclasses import dataclass
from typing import Any

from bot.clock import Clock
from bot.db.stores.inbox import AsyncInboxAppender, InboxAppender
from bot.db.unit_of_work import Database
from bot.dispatch.dispatcher import Actor
from bot.dispatch.inbox import Work, record, record_async
from bot.dispatch.process import CommandProcess

log = logging.getLogger(__name__)
QUEUED = ("Queued: the worker is restarting, and this will run as soon as it is back. "
          "Nothing was lost.")
MAX_BATCH = 200


@dataclass(frozen=True)
class Accepted:
    new: bool  # False for a replay or a retry of a request already written
    worker_alive: bool

    @property
    def note(self) -> str | None:
        """What to tell the person in the ack, if anything."""
        return None if self.worker_alive else QUEUED


@dataclass(frozen=True)
class _Pending:
    key: str
    work: Work
    future: asyncio.Future
    loop: asyncio.AbstractEventLoop


class Intake:
    def __init__(self, db: Database, clock: Clock, process: CommandProcess):
        self._db, self._clock, self._process = db, clock, process
        self._queue: queue.SimpleQueue[_Pending] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._lock = threading.Lock()
        self._on_loop = _LoopWriter(db.async_inbox_appender(), clock, process)

    async def accept(self, command: Any, actor: Actor, *, key: str,
                     reply_to: dict[str, Any] | None) -> Accepted:
        work = Work(command, actor, reply_to)
        if self._on_loop.available:
            return Accepted(await self._on_loop.write(key, work), self._process.alive)
        self._start_writer()
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._queue.put(_Pending(key, work, future, loop))
        return Accepted(await future, self._process.alive)

    def _start_writer(self) -> None:
        with self._lock:
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_forever, daemon=True,
                                                name="inbox-writer")
                self._writer.start()

    def _write_forever(self) -> None:
        appender = self._db.inbox_appender()
        while True:
            batch = [self._queue.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._write(appender, batch)

    def _write(self, appender: InboxAppender, batch: list[_Pending]) -> None:
        try:
            added: list[Any] = record(appender, self._clock, [(p.key, p.work) for p in batch])
            error = None
        except Exception as failure:  # not written, so not acknowledged: each handler fails
            log.exception("could not write %d request(s) to the inbox", len(batch))
            added, error = [None] * len(batch), failure
        if any(added):
            self._process.wake()
        # One hand-back per event loop for the whole group: each call_soon_threadsafe wakes the
        # loop through its self-pipe, a system call per acknowledgement otherwise.
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future, Any]]] = {}
        for pending, new in zip(batch, added, strict=True):
            by_loop.setdefault(pending.loop, []).append((pending.future, new))
        for loop, settled in by_loop.items():
            loop.call_soon_threadsafe(_settle, settled, error)


class _LoopWriter:
    """The group commit on the event loop (PostgreSQL): requests that arrive while a group is
    being written wait, and go together as the next group, one at a time."""

    def __init__(self, appender: AsyncInboxAppender | None, clock: Clock,
                 process: CommandProcess):
        self._appender, self._clock, self._process = appender, clock, process
        self._waiting: list[tuple[str, Work, asyncio.Future]] = []
        self._writing: asyncio.AbstractEventLoop | None = None  # the loop a drain runs on

    @property
    def available(self) -> bool:
        return self._appender is not None

    async def write(self, key: str, work: Work) -> bool:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._waiting.append((key, work, future))
        if self._writing is not loop:  # none running, or on a loop that is gone
            self._writing = loop
            self._drain_task = loop.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        assert self._appender is not None
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
                try:
                    added = await record_async(self._appender, self._clock,
                                               [(key, work) for key, work, _ in batch])
                except Exception as failure:  # not written, so not acknowledged
                    log.exception("could not write %d request(s) to the inbox", len(batch))
                    _settle([(future, None) for _, _, future in batch], failure)
                    continue
                if any(added):
                    self._process.wake()
                _settle([(future, new) for (_, _, future), new in zip(batch, added, strict=True)],
                        None)
        finally:
            self._writing = None


def _settle(settled: list[tuple[asyncio.Future, Any]], error: BaseException | None) -> None:
    for future, result in settled:
        if future.done():
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)
