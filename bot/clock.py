"""Time comes from a clock object so tests can drive it; every instant is aware UTC."""

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ScaledClock:
    """Time that runs ``speed`` times faster than the wall clock from ``origin`` (the sandbox's
    compressed clock, so a demo can show an hour of reminders in a minute). Processes that share
    ``origin`` and ``speed`` agree on the time."""

    def __init__(self, origin: datetime, speed: float):
        self._origin = origin
        self._speed = speed

    def now(self) -> datetime:
        return self._origin + (datetime.now(UTC) - self._origin) * self._speed
