"""Coordination calls, as typed commands. Times stay text: they are read in the user's zone."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScheduleCall:
    key: str | None
    text: str  # WHEN [for 1h] [agenda "…"] [bridge …] [every …]


@dataclass(frozen=True)
class ListCalls:
    key: str | None = None


@dataclass(frozen=True)
class ShowCall:
    key: str | None = None
    reference: str = ""  # a call number, or empty for the next one


@dataclass(frozen=True)
class CancelCall:
    key: str | None = None
    reference: str = ""


@dataclass(frozen=True)
class EndCall:
    """A coordinator ends a call under way (and its hosted bridge) before its scheduled end."""
    key: str | None
    number: str


@dataclass(frozen=True)
class RescheduleCall:
    key: str | None
    number: str
    when: str


@dataclass(frozen=True)
class ShowRsvps:
    key: str | None = None
    reference: str = ""
