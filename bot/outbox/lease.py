"""Keeping a claimed batch's lease alive while its messages are being sent.

A claim is a lease (``claimed_until``): if it runs out, another worker takes the rows as if this
one had died. A batch that takes longer than the lease (a slow provider, a rate limit, a 429
pause) must therefore renew it, or every row is claimed twice and the claims race. The keeper
renews every third of the lease, from a thread (so a send blocked on the provider still renews)
and between sends by the injected clock (so tests and a scaled sandbox clock renew too). Only
rows still held (same attempt, still ``sending``) are extended.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from bot.clock import Clock
from bot.db.unit_of_work import Database

log = logging.getLogger(__name__)


class LeaseKeeper:
    def __init__(self, *, db: Database, clock: Clock, held: dict[int, int], lease_s: float):
        self._db = db
        self._clock = clock
        self._held = dict(held)  # message id -> the attempt this worker claimed
        self._lease = timedelta(seconds=lease_s)
        self._interval = self._lease / 3
        self._renewed_at = clock.now()
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self._lost_reported = False

    def __enter__(self) -> LeaseKeeper:
        if self._held:
            self._thread = threading.Thread(target=self._run, name="outbox-lease", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()

    def beat_if_due(self) -> None:
        """Renews when a third of the lease has passed since the last renewal (by the clock)."""
        if self._held and not self._done.is_set() \
                and self._clock.now() - self._renewed_at >= self._interval:
            self.renew()

    def renew(self) -> None:
        with self._lock:
            now = self._clock.now()
            try:
                with self._db.unit_of_work() as uow:
                    kept = uow.outbox.renew(self._held, until=now + self._lease)
                    uow.commit()
            except Exception:  # the database may be briefly away: try again next beat
                log.warning("outbox lease renewal failed; retrying", exc_info=True)
                return
            self._renewed_at = now
            if kept < len(self._held) and not self._lost_reported:
                self._lost_reported = True
                log.warning("outbox lease renewed for %d of %d rows (the rest were reclaimed)",
                            kept, len(self._held))

    def _run(self) -> None:
        while not self._done.wait(self._interval.total_seconds()):
            self.renew()
