"""Fault injection: refusals (once, or at a seeded random rate), latency, and numbers that are opted
out, invalid or undeliverable.

Faults apply to message and participant creates, the requests an application must survive; reads
are never refused.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

from .wire import ApiError


@dataclass
class _Refusal:
    """A ``fail_next()`` entry: ``remaining`` more creates (to ``to`` only, if set) fail."""
    remaining: int
    status: int
    code: int
    message: str
    to: str | None

    def applies_to(self, to: str | None) -> bool:
        return self.to is None or self.to == to

    def error(self) -> ApiError:
        return ApiError(self.status, self.code, self.message,
                        headers={"Retry-After": "1"} if self.status == 429 else None)


class Faults:
    """The faults set so far. Shares the emulator's ``lock``."""

    def __init__(self, lock: threading.Lock):
        self._lock = lock
        self._refusals: list[_Refusal] = []  # oldest first
        self._rate = 0.0
        self._rate_error: tuple[int, int] = (500, 20500)
        self._random = random.Random(0)
        self.latency_s = 0.0  # every API request waits this long before it is answered
        self._opted_out: set[str] = set()
        self._invalid: dict[str, int] = {}  # number -> error code
        self._undeliverable: dict[str, int] = {}  # number -> error code of the final status callback

    def fail_next(self, count: int, *, status: int, code: int, message: str, to: str | None) -> None:
        if count > 0:
            with self._lock:
                self._refusals.append(_Refusal(count, status, code, message, to))

    def set_rate(self, fraction: float, *, status: int, code: int, seed: int) -> None:
        with self._lock:
            self._rate = max(0.0, min(1.0, float(fraction)))
            self._rate_error = (status, code)
            self._random = random.Random(seed)

    def set_latency(self, seconds: float) -> None:
        self.latency_s = max(0.0, float(seconds))

    def mark_opted_out(self, number: str) -> None:
        with self._lock:
            self._opted_out.add(number)

    def mark_invalid(self, number: str, code: int) -> None:
        with self._lock:
            self._invalid[number] = code

    def mark_undeliverable(self, number: str, code: int) -> None:
        with self._lock:
            self._undeliverable[number] = code

    def raise_injected(self, to: str | None) -> None:
        """Raises the refusal due for a create to ``to``, if any (takes the lock)."""
        if not self._refusals and not self._rate:
            return
        with self._lock:
            for refusal in self._refusals:
                if refusal.applies_to(to):
                    refusal.remaining -= 1
                    if refusal.remaining <= 0:
                        self._refusals.remove(refusal)
                    raise refusal.error()
            if self._rate and self._random.random() < self._rate:
                raise ApiError(*self._rate_error)

    def refuse_invalid_locked(self, to: str) -> None:
        """Raises the error of a number marked invalid (the caller holds the lock)."""
        if to in self._invalid:
            raise ApiError(400, self._invalid[to])

    def refuse_opted_out_locked(self, to: str) -> None:
        """Raises 21610 for a number marked opted out (the caller holds the lock)."""
        if to in self._opted_out:
            raise ApiError(400, 21610)

    def undeliverable_code(self, to: str) -> int | None:
        """The error code the final status callback to ``to`` carries, or None if it is delivered."""
        return self._undeliverable.get(to)
