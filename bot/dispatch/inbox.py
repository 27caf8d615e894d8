"""The durable inbox: what we acknowledge is written first, then run once by a worker.

The web process writes each verified request, as its typed command, before it answers Slack
(``record``); a replay or a Slack retry carries the same dedupe key and is not written again. A
worker (``InboxRunner``) claims requests under a lease, runs each through the dispatcher, and in
the flow's own transaction marks the request done and queues the reply in the outbox. So a crash
of either process at any moment loses no acknowledged request and runs none twice: a request
whose worker died is claimed again when its lease expires, and its effects were either committed
with its "done" or not at all. Read-only requests are marked done after they ran: a crash between
runs them again, which changes nothing but may repeat a reply.
"""

from __future__ import annotations

import logging
import pickle
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.clock import Clock
from bot.db.models import InboxRequest
from bot.db.unit_of_work import Database, UnitOfWork
from bot.dispatch.dispatcher import Actor, Dispatcher
from bot.dispatch.reply import Reply
from bot.outbox.kinds import Kind
from bot.outbox.worker import Wakeup, enqueue
from bot.slack_ui.errors import message_for

log = logging.getLogger(__name__)
# A request whose worker died is claimed again once its lease has passed: short, and renewed
# before each request of a claimed batch, so recovery takes seconds, not minutes.
LEASE = timedelta(seconds=20)
MAX_ATTEMPTS = 3
BATCH = 10


@dataclass(frozen=True)
class Work:
    command: Any
    actor: Actor
    reply_to: dict[str, Any] | None


def record(db: Database, clock: Clock, *, key: str, work: Work) -> bool:
    """Writes an acknowledged request durably; False when its key was seen (a replay)."""
    with db.unit_of_work() as uow:
        added = uow.inbox.add(InboxRequest(
            dedupe_key=key, kind=type(work.command).__name__, work=pickle.dumps(work),
            status="pending", attempts=0, received_at=clock.now()))
        uow.commit()
    return added


def queue_reply(uow: UnitOfWork, request_id: int, reply_to: dict[str, Any] | None,
                text: str, blocks: list[dict] | None, now: Any) -> None:
    if reply_to is None:
        return
    enqueue(uow, key=f"reply:{request_id}", kind=Kind.REPLY, purpose="reply", now=now,
            payload={**reply_to, "text": text, "blocks": blocks})


class InboxRunner:
    def __init__(self, *, db: Database, dispatcher: Dispatcher, clock: Clock, wakeup: Wakeup):
        self._db, self._dispatcher, self._clock, self._wakeup = db, dispatcher, clock, wakeup

    def drain_once(self) -> int:
        """Runs the requests waiting now; returns how many were claimed."""
        now = self._clock.now()
        with self._db.unit_of_work() as uow:
            given_up = uow.inbox.give_up_exhausted(now=now, max_attempts=MAX_ATTEMPTS)
            claimed = uow.inbox.claim(now=now, limit=BATCH, lease=LEASE, max_attempts=MAX_ATTEMPTS)
            uow.commit()
        if given_up:
            log.warning("%d acknowledged request(s) failed: their worker stopped every time", given_up)
        for index, request in enumerate(claimed):
            self._renew([r.id for r in claimed[index:]])
            self._run(request)
        return len(claimed)

    def _renew(self, ids: list[int]) -> None:
        with self._db.unit_of_work() as uow:
            uow.inbox.extend(ids, until=self._clock.now() + LEASE)
            uow.commit()

    def _run(self, request: InboxRequest) -> None:
        try:
            work: Work = pickle.loads(request.work)
        except Exception as error:  # written by a version whose classes are gone
            log.error("inbox request %s (%s) cannot be read: %s", request.id, request.kind, error)
            self._finish(request.id, None, error=f"unreadable: {error}")
            return
        done = False

        def finish_with_effects(uow: UnitOfWork, result: Any) -> None:
            nonlocal done
            uow.inbox.finish(request.id, now=self._clock.now())
            if isinstance(result, Reply):
                queue_reply(uow, request.id, work.reply_to, result.text, result.blocks,
                            self._clock.now())
            done = True

        try:
            result = self._dispatcher.run(work.command, work.actor, before_commit=finish_with_effects)
        except Exception as error:
            if work.reply_to is None:
                log.exception("%s failed", request.kind)
            self._finish(request.id, work.reply_to, error=str(error) or type(error).__name__,
                         text=message_for(error))
            return
        if not done:
            self._finish(request.id, work.reply_to, result=result)

    def _finish(self, request_id: int, reply_to: dict[str, Any] | None, *, result: Any = None,
                error: str | None = None, text: str | None = None) -> None:
        now = self._clock.now()
        with self._db.unit_of_work() as uow:
            uow.inbox.finish(request_id, now=now, error=error)
            if text is not None:
                queue_reply(uow, request_id, reply_to, text, None, now)
            elif isinstance(result, Reply):
                queue_reply(uow, request_id, reply_to, result.text, result.blocks, now)
            uow.commit()
        self._wakeup.notify()
