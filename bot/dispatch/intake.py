"""The web process's side of the inbox: write a verified request durably, then wake the worker.

Handlers call ``accept`` before they acknowledge, so a 200 always means the request is in the
database. The write runs in a thread: the event loop keeps answering other requests meanwhile.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from bot.clock import Clock
from bot.db.unit_of_work import Database
from bot.dispatch.dispatcher import Actor
from bot.dispatch.inbox import Work, record
from bot.dispatch.process import CommandProcess

QUEUED = ("Queued: the worker is restarting, and this will run as soon as it is back. "
          "Nothing was lost.")


@dataclass(frozen=True)
class Accepted:
    new: bool  # False for a replay or a retry of a request already written
    worker_alive: bool

    @property
    def note(self) -> str | None:
        """What to tell the person in the ack, if anything."""
        return None if self.worker_alive else QUEUED


class Intake:
    def __init__(self, db: Database, clock: Clock, process: CommandProcess):
        self._db, self._clock, self._process = db, clock, process

    @property
    def worker_alive(self) -> bool:
        return self._process.alive

    async def accept(self, command: Any, actor: Actor, *, key: str,
                     reply_to: dict[str, Any] | None) -> Accepted:
        new = await asyncio.to_thread(record, self._db, self._clock, key=key,
                                      work=Work(command, actor, reply_to))
        if new:
            self._process.wake()
        return Accepted(new, self._process.alive)
