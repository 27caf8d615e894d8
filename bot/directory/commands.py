"""What can be asked of an incident's audience, as typed commands."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ShowAudience:
    key: str | None = None


@dataclass(frozen=True)
class ExplainContact:
    """Why a contact is (or is not) in the incident's audience."""

    key: str | None
    reference: str


@dataclass(frozen=True)
class ChangeAudience:
    key: str | None
    action: str  # bot.directory.rules.audience.ADD or REMOVE
    reference: str


@dataclass(frozen=True)
class ExportAudience:
    key: str | None = None
