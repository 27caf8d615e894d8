"""A gateway built the first time it is used, so a process that never uses it never imports its
SDK.

``coordbot worker`` posts to Slack only when a card, a reply or a report is due, often never in
its first seconds; importing slack_sdk (and the HTTP stack under it) at start-up was part of the
time a cold restart made every reminder due meanwhile wait.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class OnFirstUse:
    """Stands for the object ``build`` returns, made (once, whichever thread asks first) when
    one of its attributes is first looked up."""

    def __init__(self, build: Callable[[], Any]):
        self._build = build
        self._made: Any = None
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:  # only for names this wrapper does not have
        return getattr(self.target(), name)

    def target(self) -> Any:
        if self._made is None:
            with self._lock:
                if self._made is None:
                    self._made = self._build()
        return self._made

    @property
    def built(self) -> bool:
        return self._made is not None
