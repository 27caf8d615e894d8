"""A local stand-in for the Slack Web API that speaks Slack's wire format.

Point ``slack_sdk.WebClient(token=..., base_url=emu.base_url)`` (or ``AsyncWebClient``) at a
started :class:`SlackEmulator`. State lives in memory, every Web API request is recorded in
``calls`` and failures such as rate limits can be injected with :meth:`SlackEmulator.fail_next`,
answers lost after the call took effect with :meth:`SlackEmulator.lose_answer`, and a seeded
random mix of both with :meth:`SlackEmulator.set_chaos`.

The emulator imports no Slack SDK: it stands for Slack's servers, so that the product's use of
the SDK is what the tests exercise, and a bug shared by client and stand-in cannot hide itself.
"""

from __future__ import annotations

from . import response_url
from .faults import Fault, Faults
from .server import SlackServer
from .state import Channel, RecordedCall, Workspace


class SlackEmulator:
    """The workspace, served; the methods below are what tests and the demo drive it with.

    The workspace's state is read through the emulator, holding :attr:`lock`: ``channels``
    (id -> :class:`Channel`, DMs included), ``calls`` (every Web API call, in order),
    ``ephemerals``, ``views`` (every view the app sent), ``files`` (id -> title, filename,
    content, channel_id), ``responses`` ((response_url, JSON body) as posted), ``users``,
    ``usergroups`` and the ids ``bot_user_id``, ``bot_id``, ``team_id`` and ``app_id``.
    Every method that changes state takes the lock; do not call them while holding it.
    """

    _SHARED = frozenset({"channels", "calls", "ephemerals", "views", "files", "responses",
                         "users", "usergroups", "bot_user_id", "bot_id", "team_id", "app_id"})

    def __init__(self, *, bot_token: str = "xoxb-test-token", bot_user_id: str = "UBOT0001",
                 team_id: str = "T0TEST", host: str = "127.0.0.1", port: int = 0):
        self.workspace = Workspace(bot_user_id=bot_user_id, team_id=team_id)
        self.faults = Faults()
        self.server = SlackServer(self.workspace, self.faults, bot_token=bot_token, host=host,
                                  port=port)

    def __getattr__(self, name: str):  # called only for names not found the ordinary way
        if name in self._SHARED:
            return getattr(self.workspace, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    # ----- lifecycle -----------------------------------------------------------------------------
    def start(self) -> SlackEmulator:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def __enter__(self) -> SlackEmulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def lock(self):
        """Held by the server for the whole of each request: hold it to read state."""
        return self.workspace.lock

    @property
    def bot_token(self) -> str:
        return self.server.bot_token

    @property
    def root_url(self) -> str:
        return self.workspace.root_url

    @property
    def base_url(self) -> str:
        """What ``WebClient(base_url=…)`` takes."""
        return f"{self.root_url}/api/"

    @property
    def thread_id(self) -> int:
        """The OS id of the thread serving requests (e.g. to lower its CPU priority)."""
        return self.server.thread_id

    # ----- reading state -------------------------------------------------------------------------
    def calls_to(self, method: str) -> list[RecordedCall]:
        """The recorded calls of ``method``; usable with or without :attr:`lock` held."""
        return self.workspace.calls_to(method)

    def channel_by_name(self, name: str) -> Channel | None:
        return self.workspace.channel_by_name(name)

    # ----- seeding -------------------------------------------------------------------------------
    def add_channel(self, name: str, *, members: list[str] = (), is_private: bool = False,
                    bot_member: bool = True, creator: str = "USLACKBOT") -> Channel:
        """A channel that exists before the app starts; the bot is a member unless told not."""
        ws = self.workspace
        everyone = list(dict.fromkeys(([ws.bot_user_id] if bot_member else []) + list(members)))
        with self.lock:
            return ws.new_channel(name, "C", is_private, creator, everyone)

    def add_user(self, user_id: str, *, name: str, real_name: str = "",
                 tz: str = "America/New_York", is_bot: bool = False) -> None:
        """Once a user is added, only added users (and the bot) are known to the workspace."""
        with self.lock:
            self.workspace.users[user_id] = {"name": name, "real_name": real_name or name,
                                             "tz": tz, "is_bot": is_bot}

    def add_user_message(self, channel: str, user: str, text: str, ts: str | None = None, *,
                         thread_ts: str | None = None) -> str:
        """A person's message in ``channel`` (id or name), as if typed in Slack; returns its ts.

        It is stored only: no event is sent to the app (tests sign the event themselves).
        """
        with self.lock:
            return self.workspace.insert_user_message(channel, user, text, ts, thread_ts)

    def add_usergroup(self, group_id: str, *, handle: str, users: list[str]) -> None:
        with self.lock:
            self.workspace.usergroups[group_id] = {"handle": handle, "users": list(users)}

    def fail_next(self, method: str, *, error: str = "ratelimited", status: int = 429,
                  retry_after: int | None = 1, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` fail so (by default: rate limited, 1 s)."""
        with self.lock:
            self.faults.add(method, Fault(error, status, retry_after), times)

    def lose_answer(self, method: str, *, status: int = 0, error: str = "internal_error",
                    times: int = 1) -> None:
        """The next ``times`` calls of ``method`` that take effect (a refused call does not
        count) lose their answer: the connection is closed without one (``status`` 0, as after
        a timeout or a reset), or ``error`` is answered with ``status`` (e.g. a 503) although
        the change was made."""
        with self.lock:
            self.faults.add(method, Fault(error, status, None, applied=True), times)

    def set_chaos(self, fraction: float, *, seed: int = 0, retry_after: int = 1,
                  hold_s: float = 1.5, methods: frozenset[str] | None = None) -> None:
        """A seeded random ``fraction`` of Web API calls (of ``methods``, else of every method)
        meet one fault, chosen evenly: 429 ``ratelimited`` or 503 ``service_unavailable`` with
        ``Retry-After``, a 500 ``internal_error`` before anything was done, a connection reset
        before the method ran, or once it ran (the post or channel exists) a reset, an answer
        held ``hold_s`` (past the client's timeout) and reset, or a 500 ``internal_error``.
        ``fraction`` 0 turns chaos off."""
        with self.lock:
            self.faults.set_chaos(fraction, seed=seed, retry_after=retry_after, hold_s=hold_s,
                                  methods=methods)

    @property
    def injected(self) -> list[tuple[str, str]]:
        """(kind, method) of every fault chaos picked so far, in order (an "after" fault picked for
        a call Slack refused is answered with the refusal instead)."""
        with self.lock:
            return list(self.faults.injected)

    def new_response_url(self) -> str:
        """A fresh ``response_url`` to put in a signed command or interaction."""
        with self.lock:
            return response_url.new_url(self.workspace)
