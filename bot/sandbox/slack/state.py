"""The emulated workspace: channels, users, messages, files, views and the calls received.

Everything is guarded by one lock, :attr:`Workspace.lock`. The HTTP server holds it for the
whole of a request and the emulator's seeding helpers take it, so that a test reading state
under the lock sees no half-applied request. The methods here assume the lock is held and never
take it themselves: it is not re-entrant, and the method handlers call several of them in turn.
"""

from __future__ import annotations

import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from .wire import check

_TS = re.compile(r"^\d{1,12}\.\d{6}$")


@dataclass
class RecordedCall:
    method: str
    params: dict
    headers: dict[str, str]


@dataclass
class Message:
    ts: str
    channel: str
    text: str
    blocks: list | None = None
    user: str | None = None
    thread_ts: str | None = None
    metadata: dict | None = None
    files: list | None = None
    attachments: list | None = None


@dataclass
class Channel:
    id: str
    name: str  # for a DM ("D…") channel: the other user's id
    is_private: bool = False
    creator: str = ""
    members: list[str] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    pins: list[str] = field(default_factory=list)
    topic: str = ""
    purpose: str = ""
    is_archived: bool = False
    is_im: bool = False
    created: int = field(default_factory=lambda: int(time.time()))


class Workspace:
    """One Slack workspace in memory, seen by the bot user ``bot_user_id``."""

    def __init__(self, *, bot_user_id: str, team_id: str):
        self.bot_user_id, self.team_id = bot_user_id, team_id
        self.bot_id, self.app_id = "B" + bot_user_id[1:], "A0EMULATOR"
        self._root_url = ""
        self.lock = threading.Lock()
        self.calls: list[RecordedCall] = []
        self.channels: dict[str, Channel] = {}
        self.ephemerals: list[Message] = []
        self.views: list[dict] = []  # every view as the app sent it, in order
        self.live_views: dict[str, dict] = {}  # view id -> latest view as returned by the API
        self.files: dict[str, dict] = {}
        self.responses: list[tuple[str, dict]] = []  # (response_url, JSON body) as posted
        self.response_ids: set[str] = set()
        self.users: dict[str, dict] = {}  # registered with SlackEmulator.add_user()
        self.usergroups: dict[str, dict] = {}
        self._counters: dict[str, int] = defaultdict(int)
        self._last_us = 0

    @property
    def root_url(self) -> str:
        """Where the server listens: upload and response URLs are absolute, as Slack's are."""
        if not self._root_url:
            raise RuntimeError("SlackEmulator is not started")
        return self._root_url

    def serve_at(self, root_url: str) -> None:
        """Called by the server when it starts (its URL) and stops (``""``)."""
        self._root_url = root_url

    # ----- ids and timestamps --------------------------------------------------------------------
    def next_number(self, kind: str) -> int:
        self._counters[kind] += 1
        return self._counters[kind]

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{self.next_number(prefix):08d}"

    def next_ts(self) -> str:
        """A message ts after every one handed out so far, so that order by ts is order sent."""
        self._last_us = max(time.time_ns() // 1000, self._last_us + 1)
        return f"{self._last_us // 1_000_000}.{self._last_us % 1_000_000:06d}"

    def _claim_ts(self, channel: Channel, ts: str) -> str:
        """A ts a test chose: well formed, free in ``channel``, never handed out by next_ts."""
        if not _TS.match(ts):
            raise ValueError(f"a message ts looks like 1700000000.000100, not {ts!r}")
        if any(m.ts == ts for m in channel.messages):
            raise ValueError(f"{channel.id} already has a message at {ts}")
        self._last_us = max(self._last_us, int(Decimal(ts) * 1_000_000))
        return ts

    # ----- users and channels --------------------------------------------------------------------
    def known_user(self, user_id: str) -> bool:
        """Registered users only; any U…/W… id while no user has been registered."""
        if user_id in self.users or user_id == self.bot_user_id:
            return True
        return not self.users and user_id[:1] in ("U", "W")

    def new_channel(self, name: str, prefix: str, is_private: bool, creator: str,
                    members: list[str], is_im: bool = False) -> Channel:
        channel = Channel(self.new_id(prefix), name, is_private, creator, members, is_im=is_im)
        self.channels[channel.id] = channel
        return channel

    def channel_by_name(self, name: str) -> Channel | None:
        return next((c for c in self.channels.values() if c.name == name and not c.is_im), None)

    def dm(self, user_id: str) -> Channel:
        """The bot's DM with ``user_id``, opened on first use as Slack does on a post to a user."""
        existing = next((c for c in self.channels.values() if c.is_im and c.name == user_id), None)
        return existing or self.new_channel(user_id, "D", True, self.bot_user_id,
                                            [self.bot_user_id, user_id], is_im=True)

    def channel(self, ref, *, by_name: bool = False, writable: bool = False) -> Channel:
        """The channel a ``channel`` parameter names, as the bot may see (and write to) it.

        ``by_name`` also accepts ``#name`` and a user id (that user's DM), as chat methods do.
        """
        ref = str(ref or "")
        channel = self.channels.get(ref)
        if channel is None and by_name and ref[:1] in ("U", "W") and self.known_user(ref):
            channel = self.dm(ref)
        elif channel is None and by_name and ref:
            channel = self.channel_by_name(ref.removeprefix("#"))
        check(channel and (not channel.is_private or self.bot_user_id in channel.members),
              "channel_not_found")
        if writable:
            check(not channel.is_archived, "is_archived")
            check(channel.is_im or self.bot_user_id in channel.members, "not_in_channel")
        return channel

    # ----- messages ------------------------------------------------------------------------------
    @staticmethod
    def message(channel: Channel, ts) -> Message:
        found = next((m for m in channel.messages if m.ts == ts), None)
        check(found, "message_not_found")
        return found

    def post(self, channel: Channel, text: str, thread_ts: str | None, **extra) -> Message:
        """A message from the bot, appended: its ts is the newest."""
        msg = Message(self.next_ts(), channel.id, text, user=self.bot_user_id,
                      thread_ts=thread_ts or None, **extra)
        channel.messages.append(msg)
        return msg

    def insert_user_message(self, channel: str, user: str, text: str, ts: str | None,
                            thread_ts: str | None) -> str:
        """A person's message in ``channel`` (id or name), kept in ts order; returns its ts."""
        target = self.channels.get(channel) or self.channel_by_name(channel.removeprefix("#"))
        if target is None:
            raise KeyError(f"no channel {channel!r} in the emulator")
        ts = self.next_ts() if ts is None else self._claim_ts(target, ts)
        position = next((i for i, m in enumerate(target.messages)
                         if Decimal(m.ts) > Decimal(ts)), len(target.messages))
        target.messages.insert(position, Message(ts, target.id, text, user=user,
                                                 thread_ts=thread_ts))
        return ts

    def calls_to(self, method: str) -> list[RecordedCall]:
        # no locking: usable while the caller holds the lock (list() is atomic under the GIL)
        return [call for call in list(self.calls) if call.method == method]
