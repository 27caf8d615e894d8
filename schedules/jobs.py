"""Thin jobs: each runs one service call in its own unit of work."""

from __future__ import annotations

from bot.actions.service import post_digests
from bot.bootstrap import Container
from bot.calls.jobs import fire_due


def fire_due_work(container: Container) -> int:
    now, settings = container.clock.now(), container.settings
    with container.db.unit_of_work() as uow:
        fired = fire_due(uow, now=now, settings=settings)
        fired += post_digests(uow, now=now, settings=settings)
        uow.commit()
    if fired:
        container.wakeup.notify()
    return fired
