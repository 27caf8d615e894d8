"""Fault injection: refusals (once, or at a seeded random rate), latency, lost answers, and numbers
that are opted out, invalid or undeliverable.

Refusals apply to message and participant creates, the requests an application must survive.
Lost answers (``drop_next``) apply to message creates: the connection is reset before the message
is accepted, or the message is accepted and then the connection is reset or left unanswered past
the client's timeout, as a network or proxy can do. ``set_chaos`` mixes all of them at a seeded
random rate. Reads fail only when asked to (``fail_next_lookup``).
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
    retry_after: float | None = None

    def applies_to(self, to: str | None) -> bool:
        return self.to is None or self.to == to

    def error(self) -> ApiError:
        return ApiError(self.status, self.code, self.message, headers=_retry_after(
            self.status, self.retry_after))


def _retry_after(status: int, seconds: float | None) -> dict | None:
    if seconds is not None:
        return {"Retry-After": f"{seconds:g}"}
    return {"Retry-After": "1"} if status == 429 else None


RESET_BEFORE = "reset_before"  # the connection is reset before the message is accepted
RESET_AFTER = "reset_after"  # the message is accepted, then the connection is reset
TIMEOUT_AFTER = "timeout_after"  # the message is accepted, the answer held back, then reset
DROPS = (RESET_BEFORE, RESET_AFTER, TIMEOUT_AFTER)


class ConnectionFault(Exception):
    """Raised by a create: the server drops the connection instead of answering (after holding it
    ``hold_s``); ``message`` is the message accepted first, if any."""

    def __init__(self, kind: str, *, hold_s: float = 0.0, message=None):
        super().__init__(kind)
        self.kind, self.hold_s, self.message = kind, hold_s, message


@dataclass
class _Drop:
    remaining: int
    kind: str
    to: str | None
    hold_s: float


@dataclass
class _Chaos:
    """``set_chaos``: a seeded random ``fraction`` of message creates meet one of these faults."""
    fraction: float
    retry_after: float
    hold_s: float
    random: random.Random

    def pick(self) -> ApiError | str | None:
        if self.random.random() >= self.fraction:
            return None
        choice = self.random.choice(("429", "500", "503", *DROPS))
        if choice == "429":
            return ApiError(429, 20429, headers=_retry_after(429, self.retry_after))
        if choice == "503":
            return ApiError(503, 20503, headers=_retry_after(503, self.retry_after))
        if choice == "500":
            return ApiError(500, 20500)
        return choice


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
        self._drops: list[_Drop] = []
        self._chaos: _Chaos | None = None
        self._lookup_failures = 0
        self.dropped: list[tuple[str, str | None]] = []  # (kind, to) of each lost answer

    def drop_next(self, count: int, *, kind: str, to: str | None, hold_s: float) -> None:
        if kind not in DROPS:
            raise ValueError(f"kind must be one of {DROPS}")
        if count > 0:
            with self._lock:
                self._drops.append(_Drop(count, kind, to, hold_s))

    def set_chaos(self, fraction: float, *, seed: int, retry_after: float, hold_s: float) -> None:
        with self._lock:
            self._chaos = (_Chaos(max(0.0, min(1.0, fraction)), retry_after, hold_s,
                                  random.Random(seed)) if fraction > 0 else None)

    def fail_next_lookup(self, count: int) -> None:
        with self._lock:
            self._lookup_failures += max(0, count)

    def raise_lookup_failure(self) -> None:
        """Raises a 500 for a message read, if one is due (takes the lock)."""
        if not self._lookup_failures:
            return
        with self._lock:
            if self._lookup_failures:
                self._lookup_failures -= 1
                raise ApiError(500, 20500)

    def before_create(self, to: str | None) -> ConnectionFault | None:
        """The lost answer due for a message create to ``to``: raised at once when the connection
        is to be reset before acceptance; returned (to raise once the message is accepted) when
        after. May raise a chaos refusal too (takes the lock)."""
        if not self._drops and self._chaos is None:
            return None
        with self._lock:
            fault = None
            for drop in self._drops:
                if drop.to is None or drop.to == to:
                    drop.remaining -= 1
                    if drop.remaining <= 0:
                        self._drops.remove(drop)
                    fault = ConnectionFault(drop.kind, hold_s=drop.hold_s)
                    break
            if fault is None and self._chaos is not None:
                picked = self._chaos.pick()
                if isinstance(picked, ApiError):
                    raise picked
                if picked is not None:
                    fault = ConnectionFault(picked, hold_s=self._chaos.hold_s)
            if fault is not None:
                self.dropped.append((fault.kind, to))
        if fault is not None and fault.kind == RESET_BEFORE:
            raise fault
        return fault

    def fail_next(self, count: int, *, status: int, code: int, message: str, to: str | None,
                  retry_after: float | None = None) -> None:
        if count > 0:
            with self._lock:
                self._refusals.append(_Refusal(count, status, code, message, to, retry_after))

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

    def refuse_uncallable_locked(self, to: str) -> None:
        """Raises 21211 for a call to a number marked invalid with it (the caller holds the
        lock); a number marked as a landline for texts (21614) takes calls."""
        if self._invalid.get(to) == 21211:
            raise ApiError(400, 21211)

    def refuse_opted_out_locked(self, to: str) -> None:
        """Raises 21610 for a number marked opted out (the caller holds the lock)."""
        if to in self._opted_out:
            raise ApiError(400, 21610)

    def undeliverable_code(self, to: str) -> int | None:
        """The error code the final status callback to ``to`` carries, or None if it is delivered."""
        return self._undeliverable.get(to)
