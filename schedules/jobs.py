"""Thin jobs: each runs one service call in its own unit of work."""

from __future__ import annotations

from bot.bootstrap import Container
from bot.services.due_work import fire_due


def fire_due_work(container: Container) -> int:
    with container.db.unit_of_work() as uow:
        fired = fire_due(uow, now=container.clock.now(), settings=container.settings)
        uow.commit()
    if fired:
        container.wakeup.notify()
    return fired
