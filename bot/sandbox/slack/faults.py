"""Failures injected into Web API calls: queued for a method's next calls, or at a seeded rate.

A fault is answered after authentication and instead of the method, as Slack answers a
``ratelimited`` call: the status and ``Retry-After`` header the app's retry logic reads, and
no change to the workspace. A fault that is ``applied`` runs the method first and then loses
its answer, as a timeout or a dropped connection does after Slack acted: the connection is
closed without an answer (``status`` 0; reset rather than closed when ``reset``, after holding
it ``hold_s`` when the client is to time out first), or an error is answered though the change
was made. A connection that is lost before the method runs is a fault that drops without being
applied.

``set_chaos`` gives a seeded random fraction of calls one fault each, chosen evenly among
``CHAOS_KINDS``, as the Twilio emulator's chaos mode does for message creates.
"""

from __future__ import annotations

import random
from collections import defaultdict, deque
from dataclasses import dataclass

RATE_LIMITED = "429"  # HTTP 429, ratelimited, with Retry-After: nothing done
SERVER_ERROR = "500"  # HTTP 500 internal_error before anything was done
UNAVAILABLE = "503"  # HTTP 503 service_unavailable with Retry-After, nothing done
RESET_BEFORE = "reset_before"  # the connection is reset before the method runs
RESET_AFTER = "reset_after"  # the method runs, then the connection is reset
TIMEOUT_AFTER = "timeout_after"  # the method runs, the answer is held past the timeout, reset
ERROR_AFTER = "error_after"  # the method runs, then HTTP 500 internal_error is answered
CHAOS_KINDS = (RATE_LIMITED, SERVER_ERROR, UNAVAILABLE, RESET_BEFORE, RESET_AFTER,
               TIMEOUT_AFTER, ERROR_AFTER)


@dataclass(frozen=True)
class Fault:
    error: str
    status: int
    retry_after: int | None
    applied: bool = False
    reset: bool = False  # a dropped connection is reset (RST), not closed (FIN)
    hold_s: float = 0.0  # how long a dropped connection is held before it is dropped
    chaos: bool = False  # picked by set_chaos (never kept for a later call)

    @property
    def drops(self) -> bool:
        """Whether the connection is closed without any answer."""
        return self.status == 0

    def answer(self) -> tuple[int, dict, dict]:
        """(HTTP status, JSON body, headers) as the server sends them."""
        headers = {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}
        return self.status, {"ok": False, "error": self.error}, headers


class LostAnswer(Exception):  # noqa: N818 (it is what happens, not an error of the emulator)
    """Raised by the server's call: the connection is dropped instead of answered."""

    def __init__(self, fault: Fault):
        super().__init__(fault.error)
        self.fault = fault


def _chaos_fault(kind: str, *, retry_after: int, hold_s: float) -> Fault:
    drop = {"error": "connection_lost", "status": 0, "retry_after": None, "chaos": True}
    return {
        RATE_LIMITED: Fault("ratelimited", 429, retry_after, chaos=True),
        SERVER_ERROR: Fault("internal_error", 500, None, chaos=True),
        UNAVAILABLE: Fault("service_unavailable", 503, retry_after, chaos=True),
        RESET_BEFORE: Fault(**drop, reset=True),
        RESET_AFTER: Fault(**drop, applied=True, reset=True),
        TIMEOUT_AFTER: Fault(**drop, applied=True, reset=True, hold_s=hold_s),
        ERROR_AFTER: Fault("internal_error", 500, None, applied=True, chaos=True),
    }[kind]


@dataclass
class _Chaos:
    fraction: float
    retry_after: int
    hold_s: float
    methods: frozenset[str] | None  # None: every method
    random: random.Random

    def pick(self, method: str) -> tuple[str, Fault] | None:
        if self.methods is not None and method not in self.methods:
            return None
        if self.random.random() >= self.fraction:
            return None
        kind = self.random.choice(CHAOS_KINDS)
        return kind, _chaos_fault(kind, retry_after=self.retry_after, hold_s=self.hold_s)


class Faults:
    """Queued faults per method, used in order, then chaos; called with the workspace lock held."""

    def __init__(self) -> None:
        self._queued: dict[str, deque[Fault]] = defaultdict(deque)
        self._chaos: _Chaos | None = None
        self.injected: list[tuple[str, str]] = []  # (chaos kind, method) of each chaos fault

    def add(self, method: str, fault: Fault, times: int = 1) -> None:
        self._queued[method].extend([fault] * times)

    def put_back(self, method: str, fault: Fault) -> None:
        """Keeps a queued ``fault`` for the method's next call (an applied fault waits for a
        call that takes effect); a chaos fault is not kept."""
        if not fault.chaos:
            self._queued[method].appendleft(fault)

    def set_chaos(self, fraction: float, *, seed: int, retry_after: int, hold_s: float,
                  methods: frozenset[str] | None) -> None:
        self._chaos = (_Chaos(min(1.0, fraction), retry_after, hold_s, methods,
                              random.Random(seed)) if fraction > 0 else None)

    def take(self, method: str) -> Fault | None:
        queued = self._queued[method]
        if queued:
            return queued.popleft()
        picked = self._chaos.pick(method) if self._chaos is not None else None
        if picked is None:
            return None
        self.injected.append((picked[0], method))
        return picked[1]
