"""What can be asked of the audit trail in Slack, as typed commands."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ShowAudit:
    """The last ``last`` events of an incident (``key``, else the channel's; outside an incident
    channel with no key: of the whole trail)."""

    key: str | None
    last: int


@dataclass(frozen=True)
class SetLegalHold:
    """Put an incident on legal hold (``hold``) or release it (``release``): officials only."""

    key: str | None
    hold: bool
