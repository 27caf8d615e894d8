"""Action items, as typed commands. Owners and due dates stay text: they are resolved in flows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AddAction:
    key: str | None
    owner: str  # "<@U…>", "@name", a contact's name or phone, or an organisation
    text: str
    due: str = ""


@dataclass(frozen=True)
class AddActionFromMessage:
    """The "Make action item" shortcut's form, for a message in an incident channel."""

    channel: str
    message_ts: str
    owner: str
    text: str
    due: str = ""


@dataclass(frozen=True)
class MarkActionDone:
    key: str | None
    number: int


@dataclass(frozen=True)
class MarkActionDoneById:
    """The card's Done button."""

    action_id: int


@dataclass(frozen=True)
class ReassignAction:
    key: str | None
    number: int
    owner: str


@dataclass(frozen=True)
class ReassignActionById:
    """The card's Reassign form."""

    action_id: int
    owner: str


@dataclass(frozen=True)
class SetActionDue:
    key: str | None
    number: int
    due: str


@dataclass(frozen=True)
class ListActions:
    key: str | None = None
    which: str = "open"


@dataclass(frozen=True)
class AddActionFromSuggestion:
    """The form of a suggestion from a call's live transcript, accepted as an action item."""

    suggestion_id: int
    owner: str
    text: str
    due: str = ""
