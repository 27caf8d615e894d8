"""A thread-safe token bucket: at most ``rate`` acquisitions per second, with a small burst.

A provider can also say "too many requests, come back in N seconds" (HTTP 429 with
``Retry-After``): that is about the account, not the one message, so ``pause`` marks the limiter
paused until then and every sender using it checks ``paused_for`` before a send (and defers the
message rather than sleeping through a long pause). Pauses are timed by ``clock`` (the injected
clock, in seconds), the token bucket by ``monotonic``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from bot.observe import metrics

# A Retry-After beyond this is treated as this: a provider's (or a proxy's) absurd value must not
# park the queue for hours.
MAX_PAUSE_S = 300.0


class RateLimiter:
    def __init__(self, rate_per_s: float, *, burst: int = 1,
                 monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] | None = None):
        self._rate = rate_per_s
        self._burst = max(1, burst)
        self._tokens = float(self._burst)
        self._monotonic = monotonic
        self._sleep = sleep
        self._last = monotonic()
        self._clock = clock or monotonic
        self._paused_until = float("-inf")
        self._lock = threading.Lock()

    @property
    def rate_per_s(self) -> float:
        return self._rate

    def pause(self, seconds: float) -> None:
        """No acquisition succeeds for ``seconds`` (capped at ``MAX_PAUSE_S``) from now."""
        seconds = min(max(0.0, float(seconds)), MAX_PAUSE_S)
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    def paused_for(self) -> float:
        """Seconds until the current pause ends (0 when not paused)."""
        with self._lock:
            return max(0.0, self._paused_until - self._clock())

    def acquire(self) -> None:
        """Waits until the token bucket allows a send; a rate of 0 means no limit."""
        if self._rate <= 0:
            return
        while True:
            with self._lock:
                now = self._monotonic()
                self._tokens = min(self._burst, self._tokens + (now - self._last) * self._rate)
                self._last = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                wait = (1 - self._tokens) / self._rate
            metrics.rate_limit_wait(wait)
            self._sleep(wait)
