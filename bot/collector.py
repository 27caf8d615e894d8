"""The garbage collector of a long-running process (``coordbot serve`` and ``coordbot worker``).

Start-up allocates hundreds of thousands of objects that live as long as the process (modules,
classes, SQLAlchemy's mappers, the container). Each full collection walked them all again: about
70 ms in which no thread of the process ran, three times in a fan-out of 10,000 texts. So they
are frozen out of the collector's view once the product is built (``settle``), and the young
generation is collected less often: a worker's batch or a burst of requests makes tens of
thousands of short-lived objects, and at CPython's default (a pass every 700 allocations) the
young passes alone took a tenth of a second of every 10,000 sends.
"""

from __future__ import annotations

import gc

# Fewer, cheaper young-generation passes under load (CPython's default is (700, 10, 10)).
THRESHOLDS = (20_000, 20, 20)


def paused() -> None:
    """The collector off while start-up builds what lives for good (``settle`` turns it on):
    collecting over and over while those objects were made was a fifth of a worker's start-up."""
    gc.disable()


def settle(*, collect: bool = False) -> None:
    """What exists now is frozen (never scanned again), the thresholds set and the collector on.
    ``collect`` first frees what start-up left behind, at the cost of one full pass."""
    if collect:
        gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    gc.enable()
