"""Waking every worker at once when work is queued: PostgreSQL ``LISTEN``/``NOTIFY``.

A transaction that adds outbox rows also runs ``pg_notify(OUTBOX_CHANNEL, '')``
(``stores.outbox``). PostgreSQL delivers a notification only when that transaction commits, and
to every session listening on the channel, in every process: so a worker learns of new work the
moment it can claim it, not at its next poll. ``Listener`` is that session, on a connection of
its own (psycopg 3, autocommit) in a thread that calls ``on_notify`` for each notification.

Polling stays: a notification is a hint, never the only way to find work. When the listening
connection fails the thread reconnects (after ``retry_s``) and calls ``on_notify`` once, since
a notification may have been missed meanwhile. SQLite has no such thing: there a worker in
another process finds new work at its next poll (``outbox.poll_interval_s``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy.engine import make_url

OUTBOX_CHANNEL = "coordbot_outbox"

log = logging.getLogger(__name__)


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as libpq takes it (``postgresql+psycopg://`` -> ``postgresql://``)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class Listener:
    def __init__(self, url: str, on_notify: Callable[[], None], *,
                 channel: str = OUTBOX_CHANNEL, retry_s: float = 1.0,
                 listening: threading.Event | None = None):
        self._conninfo = libpq_url(url)
        self._on_notify = on_notify
        self._channel = channel
        self._retry_s = retry_s
        self._stop = threading.Event()
        self.listening = listening or threading.Event()  # set while the LISTEN is in place
        self._thread = threading.Thread(target=self._run, name="outbox-listen", daemon=True)

    def start(self) -> Listener:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        import psycopg  # here: a SQLite deployment never loads the driver

        first = True
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f'LISTEN "{self._channel}"')
                    self.listening.set()
                    if not first:  # work may have been queued while we were not listening
                        self._on_notify()
                    first = False
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=0.5):
                            self._on_notify()
            except psycopg.Error as error:
                self.listening.clear()
                log.warning("outbox LISTEN connection failed (%s); polling meanwhile, "
                            "reconnecting in %.0f s", type(error).__name__, self._retry_s)
                first = False
                self._stop.wait(self._retry_s)
        self.listening.clear()
