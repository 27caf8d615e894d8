"""Queue depth and age, read from the database at scrape time.

A custom collector rather than gauges set by the workers: the rows are the truth whichever
process moved them, and a scrape never shows a dead worker's last word.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.clock import Clock
from bot.db import observe as queries
from bot.db.unit_of_work import Database

log = logging.getLogger(__name__)


class QueueCollector(Collector):
    def __init__(self, *, db: Database, inbox: Database, clock: Clock, lock_key: int):
        self._db, self._inbox, self._clock, self._lock_key = db, inbox, clock, lock_key

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("coordbot_database_up",
                               "1 when the database answered this scrape's queries.")
        try:
            families = list(self._families(self._clock.now()))
        except Exception as error:  # a scrape must still answer, and say the database did not
            log.warning("metrics: the database did not answer: %s", type(error).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _families(self, now: datetime) -> Iterator[GaugeMetricFamily]:
        yield from _groups("outbox_messages", "Outbox messages by kind and status (for SMS, "
                           "delivered and undelivered are Twilio's delivery statuses).",
                           queries.outbox_groups(self._db), now)
        yield from _groups("inbox_requests", "Acknowledged requests not yet run, by kind of "
                           "request and status.", queries.inbox_groups(self._inbox), now)
        yield from _due("outbox_due", "outbox messages due and not held by a worker",
                        queries.due_outbox(self._db, now), now)
        yield from _due("scheduler_due_jobs", "due jobs (reminders, call starts and ends) "
                        "not fired yet", queries.due_jobs(self._db, now), now)
        held = queries.scheduler_leader_held(self._db, self._lock_key)
        if held is not None:
            lock = GaugeMetricFamily("coordbot_scheduler_lock_held", "1 while some process "
                                     "holds the scheduler's PostgreSQL advisory lock.")
            lock.add_metric([], 1 if held else 0)
            yield lock


def _groups(name: str, what: str, groups: list[queries.Group],
            now: datetime) -> Iterator[GaugeMetricFamily]:
    depth = GaugeMetricFamily(f"coordbot_{name}", what, labels=["kind", "status"])
    age = GaugeMetricFamily(f"coordbot_{name}_oldest_age_seconds", "Age of the oldest of "
                            f"{name.replace('_', ' ')} still waiting, by kind and status.",
                            labels=["kind", "status"])
    for group in groups:
        depth.add_metric([group.kind, group.status], group.count)
        if group.oldest is not None:
            age.add_metric([group.kind, group.status],
                           max(0.0, queries.seconds_since(now, group.oldest)))
    yield depth
    yield age


def _due(name: str, what: str, due: queries.DueWork,
         now: datetime) -> Iterator[GaugeMetricFamily]:
    count = GaugeMetricFamily(f"coordbot_{name}", f"How many {what}.")
    count.add_metric([], due.count)
    lag = GaugeMetricFamily(f"coordbot_{name}_lag_seconds", f"How late the oldest of the {what} "
                            "is (0 when none).")
    late = 0.0 if due.oldest is None else max(0.0, queries.seconds_since(now, due.oldest))
    lag.add_metric([], late)
    yield count
    yield lag

