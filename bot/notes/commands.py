"""Call notes and the channel messages that feed them, as typed commands."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ShowNotesStatus:
    key: str | None = None


@dataclass(frozen=True)
class ShowNotes:
    key: str | None = None
    number: int | None = None


@dataclass(frozen=True)
class AttachTranscript:
    key: str | None
    number: int | None
    text: str


@dataclass(frozen=True)
class ApproveNotes:
    notes_id: int
    version: int


@dataclass(frozen=True)
class SaveNotesEdit:
    notes_id: int
    text: str
    base_version: int | None = None


@dataclass(frozen=True)
class RequestNotesChanges:
    notes_id: int
    comment: str


@dataclass(frozen=True)
class OpenNotesEditor:
    """The Edit button: the modal for the current version (a view, opened by the web process)."""

    notes_id: int


@dataclass(frozen=True)
class OpenChangesForm:
    """The Request changes button: its modal (a view, opened by the web process)."""

    notes_id: int


@dataclass(frozen=True)
class RecordChannelMessage:
    """A message (or an edit) in a channel: kept for the notes if it is marked."""

    channel: str
    ts: str
    user: str | None
    text: str | None
    subtype: str | None = None


@dataclass(frozen=True)
class RecordReaction:
    """``user`` reacted to the message ``ts``, which ``author`` wrote (Slack's ``item_user``)."""

    channel: str
    ts: str
    reaction: str
    user: str
    author: str | None = None


@dataclass(frozen=True)
class AcceptSuggestion:
    """The review card's "Accept as decision" on a suggestion from the live transcript."""

    suggestion_id: int


@dataclass(frozen=True)
class DropSuggestion:
    suggestion_id: int


@dataclass(frozen=True)
class OpenSuggestionActionForm:
    """"Accept as action item": the form asking its owner and due date (a view)."""

    suggestion_id: int


@dataclass(frozen=True)
class KeepTranscript:
    """Keep (or remove) the live transcript's section in the published notes."""

    notes_id: int
    keep: bool
