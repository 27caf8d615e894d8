"""What coordinators and everyone else can ask of incidents, as typed commands."""

from __future__ import annotations

from dataclasses import dataclass

from bot.incidents.rules import IncidentChanges, IncidentDraft


@dataclass(frozen=True)
class DeclareIncident:
    draft: IncidentDraft


@dataclass(frozen=True)
class ListIncidents:
    which: str = "active"


@dataclass(frozen=True)
class ShowIncident:
    key: str | None = None


@dataclass(frozen=True)
class PostUpdate:
    key: str | None
    text: str


@dataclass(frozen=True)
class EditIncident:
    """Change the facts (severity, summary, regions, type); the pinned summary follows."""

    key: str | None
    changes: IncidentChanges


@dataclass(frozen=True)
class AskToClose:
    key: str | None = None


@dataclass(frozen=True)
class CloseIncident:
    key: str


@dataclass(frozen=True)
class ReopenIncident:
    key: str | None = None


@dataclass(frozen=True)
class AnswerMention:
    """Someone @-mentioned the bot: the help goes back in a thread, once per message."""

    channel: str
    ts: str
