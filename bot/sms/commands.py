"""SMS notices a coordinator sends to an incident's audience, as typed commands."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DraftNotice:
    """``/incident notify TEXT``: previewed, and sent at once only when small."""

    key: str | None
    text: str


@dataclass(frozen=True)
class ConfirmNotice:
    notice_id: int


@dataclass(frozen=True)
class CancelNotice:
    notice_id: int
