"""Failures injected into the next calls of a Web API method (rate limits, server errors).

A fault is answered after authentication and instead of the method, as Slack answers a
``ratelimited`` call: the status and ``Retry-After`` header the app's retry logic reads, and
no change to the workspace. A fault that is ``applied`` runs the method first and then loses
its answer, as a timeout or a dropped connection does after Slack acted: the connection is
closed without an answer (``status`` 0), or an error is answered though the change was made.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Fault:
    error: str
    status: int
    retry_after: int | None
    applied: bool = False

    @property
    def drops(self) -> bool:
        """Whether the connection is closed without any answer."""
        return self.status == 0

    def answer(self) -> tuple[int, dict, dict]:
        """(HTTP status, JSON body, headers) as the server sends them."""
        headers = {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}
        return self.status, {"ok": False, "error": self.error}, headers


class Faults:
    """Queued faults per method, used in order; called with the workspace lock held."""

    def __init__(self) -> None:
        self._queued: dict[str, deque[Fault]] = defaultdict(deque)

    def add(self, method: str, fault: Fault, times: int = 1) -> None:
        self._queued[method].extend([fault] * times)

    def put_back(self, method: str, fault: Fault) -> None:
        """Keeps ``fault`` for the method's next call (an applied fault waits for a call that
        takes effect)."""
        self._queued[method].appendleft(fault)

    def take(self, method: str) -> Fault | None:
        queued = self._queued[method]
        return queued.popleft() if queued else None
