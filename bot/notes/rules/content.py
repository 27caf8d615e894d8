"""What a call's drafted notes say, as plain values, so rendering them needs nothing else."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

NO_ORGANISATION = "No organisation"
UNLISTED = "Unlisted callers"


@dataclass(frozen=True)
class Group:
    """People of one organisation (or ``No organisation`` / ``Unlisted callers``), names sorted."""

    label: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class Attendance:
    """Who joined, and who said yes or was invited but was not seen to join; those who
    answered no (``declined``) or maybe and did not join are not counted among the absent.

    ``recorded`` is False for calls on an external bridge, where nobody sees who joins.
    """

    recorded: bool
    joined: tuple[Group, ...]
    said_yes_absent: tuple[Group, ...]
    invited_absent: tuple[Group, ...]
    declined: tuple[Group, ...] = ()
    said_maybe_absent: tuple[Group, ...] = ()


@dataclass(frozen=True)
class Update:
    at: datetime
    text: str


@dataclass(frozen=True)
class ItemRow:
    """One row of the action tracker; ``status`` is ``Open``, ``Done`` or ``Overdue``."""

    number: int
    text: str
    owner: str
    started_at: datetime
    status: str
    due_at: datetime | None


@dataclass(frozen=True)
class Marked:
    """A decision, issue or action raised: from a channel message (``by`` who wrote it, ``at``;
    ``marker`` who marked it with a reaction, when that is someone else) or a transcript
    (``by`` the speaker it names, if any; no ``at``)."""

    text: str
    by: str | None = None
    at: datetime | None = None
    marker: str | None = None
    accepted_by: str | None = None  # a reviewer who accepted it from the live transcript


@dataclass(frozen=True)
class Said:
    """One final line of the live transcript: its language tag (``es-US``), its offset in the
    call (seconds) and its text, as spoken."""

    language: str
    offset_s: int
    text: str


@dataclass(frozen=True)
class Turn:
    """Consecutive lines of one speaker."""

    speaker: str
    lines: tuple[Said, ...]


def turns(lines: Iterable[tuple[str, Said]]) -> tuple[Turn, ...]:
    """(speaker, line) pairs in spoken order -> turns: a new turn whenever the speaker changes."""
    found: list[Turn] = []
    for speaker, said in lines:
        if found and found[-1].speaker == speaker:
            found[-1] = Turn(speaker, found[-1].lines + (said,))
        else:
            found.append(Turn(speaker, (said,)))
    return tuple(found)


@dataclass(frozen=True)
class NextCall:
    number: int
    starts_at: datetime


@dataclass(frozen=True)
class NotesContent:
    zone: str
    incident_key: str
    incident_title: str
    incident_type: str
    regions: tuple[str, ...]
    severity: str
    summary: str
    previous_call: int | None
    call_number: int
    starts_at: datetime
    ends_at: datetime
    bridge: str
    chair: str
    agenda: str
    attendance: Attendance
    updates: tuple[Update, ...]
    items: tuple[ItemRow, ...]
    decisions: tuple[Marked, ...]
    issues: tuple[Marked, ...]
    actions: tuple[Marked, ...]
    carried: tuple[ItemRow, ...]
    next_call: NextCall | None
    said: tuple[Turn, ...] = ()  # the live transcript's final lines, by turn


def by_organisation(people: Iterable[tuple[str, str]]) -> tuple[Group, ...]:
    """(organisation, name) pairs grouped: organisations A–Z, then ``No organisation``."""
    groups: dict[str, list[str]] = {}
    for organisation, name in people:
        groups.setdefault(organisation.strip() or NO_ORGANISATION, []).append(name)
    labels = sorted(groups, key=lambda label: (label == NO_ORGANISATION, label.casefold(), label))
    return tuple(Group(label, _sorted(groups[label])) for label in labels)


def _sorted(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(names, key=lambda name: (name.casefold(), name)))


def unlisted(callers: Iterable[str]) -> tuple[Group, ...]:
    """Callers who are not contacts (masked numbers), as one group; none if there are none."""
    names = _sorted(callers)
    return (Group(UNLISTED, names),) if names else ()


def count(groups: tuple[Group, ...]) -> int:
    return sum(len(group.names) for group in groups)
