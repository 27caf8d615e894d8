"""The incident: its kinds, severities, lifecycle and key."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.errors import InvalidInput, InvalidTransition


class IncidentType(StrEnum):
    HURRICANE = "hurricane"
    WILDFIRE = "wildfire"
    FLOOD = "flood"
    EARTHQUAKE = "earthquake"
    ENFORCEMENT = "enforcement"
    OTHER = "other"

    @property
    def label(self) -> str:
        return "enforcement action" if self is IncidentType.ENFORCEMENT else self.value

    @classmethod
    def parse(cls, text: str, *, example: str) -> IncidentType:
        word = text.strip().lower().replace("_", "-")
        aliases = {"enforcement-action": cls.ENFORCEMENT, "fire": cls.WILDFIRE}
        try:
            return aliases.get(word) or cls(word)
        except ValueError:
            choices = ", ".join(t.value for t in cls)
            raise InvalidInput(f"Unknown incident type {text!r}. Choose one of: {choices}.",
                               example) from None


class Severity(StrEnum):
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"
    CRITICAL = "critical"

    @classmethod
    def parse(cls, text: str, *, example: str) -> Severity:
        try:
            return cls(text.strip().lower())
        except ValueError:
            choices = ", ".join(s.value for s in cls)
            raise InvalidInput(f"Unknown severity {text!r}. Choose one of: {choices}.",
                               example) from None


class Status(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"


KEY_PATTERN = re.compile(r"^INC-(\d{4})-(\d{1,6})$", re.IGNORECASE)


def format_key(year: int, number: int) -> str:
    return f"INC-{year}-{number:04d}"


def normalise_key(text: str) -> str | None:
    match = KEY_PATTERN.match(text.strip())
    return format_key(int(match.group(1)), int(match.group(2))) if match else None


@dataclass(frozen=True)
class IncidentDraft:
    """What a coordinator asked for, validated, before it has a key."""

    type: IncidentType
    title: str
    regions: tuple[str, ...]
    severity: Severity = Severity.MODERATE
    summary: str = ""

    def __post_init__(self) -> None:
        if not self.title.strip():
            raise InvalidInput("The incident needs a title.")
        if len(self.title) > 150:
            raise InvalidInput("The title is too long: keep it under 150 characters.")
        if len(self.summary) > 2500:
            raise InvalidInput("The summary is too long: keep it under 2,500 characters.")


def check_transition(current: Status, target: Status, key: str) -> None:
    if current == target:
        word = "closed" if target is Status.CLOSED else "open"
        raise InvalidTransition(f"{key} is already {word}.")


EDITABLE = ("severity", "summary", "regions", "type")
FIELD_LABELS = {"severity": "Severity", "summary": "Summary", "regions": "Regions",
                "type": "Type"}


@dataclass(frozen=True)
class IncidentChanges:
    """The facts a coordinator asked to change; a field left None stays as it is."""

    severity: Severity | None = None
    summary: str | None = None
    regions: tuple[str, ...] | None = None
    type: IncidentType | None = None

    def __post_init__(self) -> None:
        if self.summary is not None and len(self.summary) > 2500:
            raise InvalidInput("The summary is too long: keep it under 2,500 characters.")

    def asked(self) -> dict[str, object]:
        """``{field: new value}`` for the fields given, in the order of ``EDITABLE``."""
        values = {name: getattr(self, name) for name in EDITABLE}
        return {name: value for name, value in values.items() if value is not None}


def fact_text(field: str, value: object) -> str:
    """A fact as people read it in a change line: ``FL, GA``; a summary in quotes."""
    if field == "regions":
        return ", ".join(value) if value else "none"  # type: ignore[arg-type]
    if field == "type":
        return IncidentType(str(value)).label
    if field == "summary":
        return f"“{value}”" if value else "(none)"
    return str(value)
