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

from bot import logs
from bot.clock import Clock
from bot.db.models import InboxRequest
from bot.db.stores.inbox import AsyncInboxAppender, InboxAppender
from bot.db.unit_of_work import Database, UnitOfWork
from bot.dispatch.dispatcher import Actor, Dispatcher
from bot.dispatch.reply import FollowUp, Reply
from bot.outbox import follow_ups
from bot.outbox.kinds import Kind
from bot.outbox.queue import enqueue
from bot.outbox.worker import Wakeup
from bot.slack_ui.errors import message_for

log = logging.getLogger(__name__)
# A request whose worker died is claimed again once its lease has passed: short, and renewed
# while a claimed batch is still running, so recovery takes seconds, not minutes.
LEASE = timedelta(seconds=20)
MAX_ATTEMPTS = 3
BATCH = 50


@dataclass(frozen=True)
class Work:
    command: Any
    actor: Actor
    reply_to: dict[str, Any] | None


def record(appender: InboxAppender, clock: Clock, requests: list[tuple[str, Work]]) -> list[bool]:
    """Writes acknowledged requests durably in one transaction; for each, False when its key
    was seen before (a replay or a retry, or the same request twice in this batch)."""
    return _new(requests, appender.add_new(_rows(clock, requests)))


async def record_async(appender: AsyncInboxAppender, clock: Clock,
                       requests: list[tuple[str, Work]]) -> list[bool]:
    """``record`` on the event loop (PostgreSQL)."""
    return _new(requests, await appender.add_new(_rows(clock, requests)))


def _rows(clock: Clock, requests: list[tuple[str, Work]]) -> list[dict]:
    now = clock.now()
    return [{"dedupe_key": key, "kind": type(work.command).__name__, "work": pickle.dumps(work),
             "status": "pending", "attempts": 0, "received_at": now} for key, work in requests]


def _new(requests: list[tuple[str, Work]], added: set[str]) -> list[bool]:
    seen: set[str] = set()
    result = []
    for key, _ in requests:
        result.append(key in added and key not in seen)
        seen.add(key)
    return result


def queue_reply(uow: UnitOfWork, request_id: int, reply_to: dict[str, Any] | None,
                text: str, blocks: list[dict] | None, now: Any) -> None:
    if reply_to is None:
        return
    enqueue(uow, key=f"reply:{request_id}", kind=Kind.REPLY, purpose="reply", now=now,
            payload={**reply_to, "text": text, "blocks": blocks})


def _follow(uow: UnitOfWork, request: InboxRequest, reply_to: dict[str, Any],
            follow_up: FollowUp, text: str, now: Any) -> str:
    """The reply's text, told how the person will know the post is out: this very message is
    edited when it can be (``follow_ups``), else they look in the channel."""
    if follow_ups.editable(reply_to) and follow_ups.attach(
            uow, key=follow_up.key, lead=follow_up.lead, what=follow_up.what,
            request_id=request.id, reply_to=reply_to, received_at=request.received_at, now=now):
        return f"{text} {follow_ups.EDITABLE_SUFFIX}"
    return f"{text} {follow_ups.NOT_EDITABLE_SUFFIX}"


class InboxRunner:
    """Runs requests from ``inbox`` (their own database, or the main one) against ``db``."""

    def __init__(self, *, db: Database, inbox: Database, dispatcher: Dispatcher, clock: Clock,
                 wakeup: Wakeup):
        self._db, self._inbox, self._dispatcher = db, inbox, dispatcher
        self._clock, self._wakeup = clock, wakeup

    def drain_once(self) -> int:
        """Runs the requests waiting now; returns how many were claimed."""
        now = self._clock.now()
        with self._inbox.unit_of_work() as uow:
            given_up = uow.inbox.give_up_exhausted(now=now, max_attempts=MAX_ATTEMPTS)
            claimed = uow.inbox.claim(now=now, limit=BATCH, lease=LEASE, max_attempts=MAX_ATTEMPTS)
            uow.commit()
        if given_up:
            log.warning("%d acknowledged request(s) failed: their worker stopped every time", given_up)
        if not claimed:
            return 0
        with self._inbox.unit_of_work(read_only=True) as uow:
            claimed = uow.inbox.by_ids(claimed)
        with self._db.unit_of_work(read_only=True) as uow:
            already = uow.inbox_done.done([r.dedupe_key for r in claimed])
        renewed = self._clock.now()
        finished: list[tuple[int, str | None]] = []
        for index, request in enumerate(claimed):
            if self._clock.now() - renewed > LEASE / 3:
                renewed = self._clock.now()
                self._renew([r.id for r in claimed[index:]])
            error = None if request.dedupe_key in already else self._run(request)
            finished.append((request.id, error))
        self._finish(finished)
        self._wakeup.notify()
        return len(claimed)

    def _renew(self, ids: list[int]) -> None:
        with self._inbox.unit_of_work() as uow:
            uow.inbox.extend(ids, until=self._clock.now() + LEASE)
            uow.commit()

    def _finish(self, finished: list[tuple[int, str | None]]) -> None:
        with self._inbox.unit_of_work() as uow:
            uow.inbox.finish(finished, now=self._clock.now())
            uow.commit()

    def _run(self, request: InboxRequest) -> str | None:
        """Runs one request; its error, if it failed (it is then done too: never run again)."""
        try:
            work: Work = pickle.loads(request.work)
        except Exception as error:  # written by a version whose classes are gone
            log.error("inbox request %s (%s) cannot be read: %s", request.id, request.kind, error)
            self._record(request, None, text=None)
            return f"unreadable: {error}"
        with logs.context(request_id=logs.request_id(request.dedupe_key),
                          request_kind=request.kind, incident=logs.incident_of(work.command)):
            return self._run_work(request, work)

    def _run_work(self, request: InboxRequest, work: Work) -> str | None:
        recorded = False

        def with_effects(uow: UnitOfWork, result: Any) -> None:
            nonlocal recorded
            self._mark(uow, request, work.reply_to, result)
            recorded = True

        try:
            result = self._dispatcher.run(work.command, work.actor, before_commit=with_effects)
        except Exception as error:
            if work.reply_to is None:
                log.exception("%s failed", request.kind)
            self._record(request, work.reply_to, text=message_for(error))
            return str(error) or type(error).__name__
        if not recorded:
            self._record(request, work.reply_to, result=result)
        return None

    def _mark(self, uow: UnitOfWork, request: InboxRequest, reply_to: dict[str, Any] | None,
              result: Any = None, text: str | None = None) -> None:
        now = self._clock.now()
        uow.inbox_done.mark(request.dedupe_key, now=now)
        if text is not None:
            queue_reply(uow, request.id, reply_to, text, None, now)
        elif isinstance(result, Reply):
            text = result.text
            if result.follow_up is not None and reply_to is not None:
                text = _follow(uow, request, reply_to, result.follow_up, text, now)
            queue_reply(uow, request.id, reply_to, text, result.blocks, now)

    def _record(self, request: InboxRequest, reply_to: dict[str, Any] | None, *,
                result: Any = None, text: str | None = None) -> None:
        """Done (and its reply) for a request that ran without writing, or failed."""
        with self._db.unit_of_work() as uow:
            self._mark(uow, request, reply_to, result, text)
            uow.commit()
