"""The ``/metrics`` text: this process's (or every process's) counters, then the queues."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from bot.clock import Clock
from bot.db.unit_of_work import Database
from bot.observe import multiproc
from bot.observe.collector import QueueCollector

CONTENT_TYPE = CONTENT_TYPE_LATEST


class _ThisProcess(Collector):
    """The default registry's metrics (ours and the process's), without a second copy of them."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def registry(*, db: Database, inbox: Database, clock: Clock, lock_key: int) -> CollectorRegistry:
    """Counters summed over every process when multiprocess mode is on, else this process's;
    and the queue gauges from the database."""
    combined = CollectorRegistry(auto_describe=False)
    if multiproc.enabled():
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(combined)
    else:
        combined.register(_ThisProcess())
    combined.register(QueueCollector(db=db, inbox=inbox, clock=clock, lock_key=lock_key))
    return combined


def render(metrics: CollectorRegistry) -> bytes:
    return generate_latest(metrics)


def serve(metrics: CollectorRegistry, *, host: str, port: int) -> None:
    """A small HTTP listener for ``coordbot worker`` (a thread; it answers any path)."""
    from prometheus_client import start_http_server

    start_http_server(port, addr=host, registry=metrics)
