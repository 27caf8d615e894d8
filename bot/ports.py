"""What the services need from the outside world; gateways implement these."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class DeliveryError(Exception):
    """A provider refused or failed a request.

    ``permanent`` errors are never retried; the others are retried with backoff, no sooner than
    ``retry_after`` seconds when the provider said so.
    """

    def __init__(self, code: str, message: str = "", *, permanent: bool, retry_after: float | None = None):
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.permanent = permanent
        self.retry_after = retry_after


class OutcomeUnknown(DeliveryError):
    """The request may have reached the provider, but its answer was lost.

    Raised by a gateway for a timeout or a connection reset *after* the request was written, or a
    5xx that does not say the request was refused. The worker never sends such a message again
    blindly: it marks the row ``unknown`` and asks the sender's ``reconcile`` first (see
    ``bot.outbox.worker``). A row whose worker died mid-send is treated the same way.
    """

    def __init__(self, code: str, message: str = "", *, retry_after: float | None = None):
        super().__init__(code, message, permanent=False, retry_after=retry_after)


class NameTaken(DeliveryError):
    def __init__(self, name: str):
        super().__init__("name_taken", f"a channel named {name} exists", permanent=True)


@dataclass(frozen=True)
class PostedMessage:
    channel: str
    ts: str


@dataclass(frozen=True)
class ChannelInfo:
    id: str
    name: str
    creator: str  # the user id of whoever created it


class SmsPort(Protocol):
    def send(self, *, to: str, body: str, status_callback: str | None = None,
             validity_period_s: int | None = None) -> str: ...

    def find_sent(self, *, to: str, body: str, since: datetime,
                  taken: Callable[[str], bool] = ...) -> str | None: ...


class SlackPort(Protocol):
    def bot_user_id(self) -> str: ...

    def create_channel(self, name: str) -> str:
        """The new channel's id; raises ``NameTaken`` when a channel has that name."""
        ...

    def find_channel(self, name: str) -> ChannelInfo | None:
        """The unarchived public channel called ``name``, if there is one."""
        ...

    def invite(self, channel: str, users: list[str]) -> None: ...

    def post(self, channel: str, text: str, blocks: list[dict] | None = None, *,
             thread_ts: str | None = None, key: str | None = None) -> PostedMessage:
        """Posts (joining a public channel the bot is not in); ``key`` marks the message so
        that ``find_post`` can tell, after a lost answer, whether it was posted."""
        ...

    def find_post(self, channel: str, key: str, *, since: datetime,
                  thread_ts: str | None = None) -> PostedMessage | None:
        """The bot's message marked with ``key`` posted since ``since`` (in the thread
        ``thread_ts`` for a reply); None when there is none."""
        ...

    def pin(self, channel: str, ts: str) -> None: ...

    def update(self, channel: str, ts: str, text: str, blocks: list[dict] | None = None) -> None: ...

    def usergroup_members(self, handle_or_id: str) -> list[str]: ...

    def upload_file(self, channel: str, *, filename: str, content: str, title: str,
                    comment: str = "") -> None: ...

    def post_ephemeral(self, channel: str, user: str, text: str) -> None: ...

    def user_timezone(self, user_id: str) -> str | None: ...

    def message_text(self, channel: str, ts: str) -> str | None:
        """The text of the message at ``ts``; None when that message is not in the channel."""
        ...

    def permalink(self, channel: str, ts: str) -> str: ...

    def user_name(self, user_id: str) -> str | None:
        """Real name, else display name, else user name; None for an unknown user."""
        ...

    def find_user(self, name: str) -> str | None:
        """The id of the user called ``name`` (user, display or real name, any case, "@" optional).

        None when nobody is; raises ``InvalidInput`` naming them when several people are.
        """
        ...

    def respond(self, response_url: str, *, text: str, blocks: list[dict] | None = None,
                replace_original: bool = False) -> None: ...


class Summarizer(Protocol):
    """Proposes a short summary of a call's transcript, or None (no summariser, or it failed:
    a summary is a proposal, never something the notes wait for)."""

    def summarize(self, transcript: str) -> str | None: ...


class NoSummarizer:
    """The default: the office runs no summariser, so nothing is proposed."""

    def summarize(self, transcript: str) -> str | None:
        return None
