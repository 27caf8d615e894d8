"""Hand-written recording fakes for the ports the services use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.errors import InvalidInput
from bot.ports import ChannelInfo, DeliveryError, NameTaken, OutcomeUnknown, PostedMessage

FAKE_BOT_USER = "UBOT0001"


class FakeClock:
    def __init__(self, start: datetime = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)):
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@dataclass
class FakeSlack:
    """Records every call; ``fail`` queues errors for a method's next calls, ``lose_answer``
    makes a method's next calls take effect and then raise ``OutcomeUnknown``.

    Channels made by ``create_channel`` are the bot's; ``taken_names`` are someone else's.
    """

    taken_names: set[str] = field(default_factory=set)
    groups: dict[str, list[str]] = field(default_factory=dict)
    calls: list[tuple[str, dict]] = field(default_factory=list)
    posts: list[dict] = field(default_factory=list)
    pins: list[tuple[str, str]] = field(default_factory=list)
    invites: list[tuple[str, list[str]]] = field(default_factory=list)
    channels: dict[str, str] = field(default_factory=dict)
    failures: dict[str, list[DeliveryError]] = field(default_factory=dict)
    files: list[dict] = field(default_factory=list)
    ephemerals: list[dict] = field(default_factory=list)
    timezones: dict[str, str] = field(default_factory=dict)
    responses: list[dict] = field(default_factory=list)
    users: dict[str, str] = field(default_factory=dict)  # user id -> name
    history: dict[tuple[str, str], str] = field(default_factory=dict)  # (channel, ts) -> text
    lost: dict[str, int] = field(default_factory=dict)  # method -> answers still to lose

    def fail(self, method: str, *errors: DeliveryError) -> None:
        self.failures.setdefault(method, []).extend(errors)

    def lose_answer(self, method: str, times: int = 1) -> None:
        self.lost[method] = self.lost.get(method, 0) + times

    def _record(self, method: str, **args: object) -> None:
        self.calls.append((method, args))
        pending = self.failures.get(method)
        if pending:
            raise pending.pop(0)

    def _answer(self, method: str) -> None:
        """Called once the call took effect: raises when its answer is to be lost."""
        if self.lost.get(method):
            self.lost[method] -= 1
            raise OutcomeUnknown("timeout", f"the answer to {method} was lost")

    def bot_user_id(self) -> str:
        return FAKE_BOT_USER

    def find_channel(self, name: str) -> ChannelInfo | None:
        self._record("find_channel", name=name)
        ours = next((cid for cid, known in self.channels.items() if known == name), None)
        if ours is not None:
            return ChannelInfo(id=ours, name=name, creator=FAKE_BOT_USER)
        return ChannelInfo(id="C0THEIRS01", name=name, creator="USOMEONE1") if (
            name in self.taken_names) else None

    def create_channel(self, name: str) -> str:
        self._record("create_channel", name=name)
        if name in self.taken_names or name in self.channels.values():
            raise NameTaken(name)
        channel_id = f"C{len(self.channels) + 1:08d}"
        self.channels[channel_id] = name
        self._answer("create_channel")
        return channel_id

    def invite(self, channel: str, users: list[str]) -> None:
        self._record("invite", channel=channel, users=users)
        self.invites.append((channel, users))

    def post(self, channel: str, text: str, blocks: list[dict] | None = None, *,
             thread_ts: str | None = None, key: str | None = None) -> PostedMessage:
        self._record("post", channel=channel, text=text)
        ts = f"1800000000.{len(self.posts) + 1:06d}"
        self.posts.append({"channel": channel, "text": text, "blocks": blocks, "ts": ts,
                           "thread_ts": thread_ts, "key": key})
        self._answer("post")
        return PostedMessage(channel, ts)

    def find_post(self, channel: str, key: str, *, since: datetime,
                  thread_ts: str | None = None) -> PostedMessage | None:
        self._record("find_post", channel=channel, key=key)
        return next((PostedMessage(channel, p["ts"]) for p in self.posts
                     if p["channel"] == channel and p["key"] == key
                     and p["thread_ts"] == thread_ts), None)

    def update(self, channel: str, ts: str, text: str, blocks: list[dict] | None = None) -> None:
        self._record("update", channel=channel, ts=ts)
        for post in self.posts:
            if post["channel"] == channel and post["ts"] == ts:
                post["text"], post["blocks"] = text, blocks

    def pin(self, channel: str, ts: str) -> None:
        self._record("pin", channel=channel, ts=ts)
        self.pins.append((channel, ts))

    def usergroup_members(self, handle_or_id: str) -> list[str]:
        self._record("usergroup_members", group=handle_or_id)
        if handle_or_id not in self.groups:
            raise DeliveryError("no_such_subteam", handle_or_id, permanent=True)
        return self.groups[handle_or_id]

    def upload_file(self, channel: str, *, filename: str, content: str, title: str,
                    comment: str = "") -> None:
        self._record("upload_file", channel=channel, filename=filename)
        self.files.append({"channel": channel, "filename": filename, "content": content,
                           "title": title, "comment": comment})

    def user_timezone(self, user_id: str) -> str | None:
        self._record("user_timezone", user=user_id)
        return self.timezones.get(user_id)

    def message_text(self, channel: str, ts: str) -> str | None:
        self._record("message_text", channel=channel, ts=ts)
        return self.history.get((channel, ts))

    def permalink(self, channel: str, ts: str) -> str:
        self._record("permalink", channel=channel, ts=ts)
        return f"https://slack.example/archives/{channel}/p{ts.replace('.', '')}"

    def user_name(self, user_id: str) -> str | None:
        self._record("user_name", user=user_id)
        return self.users.get(user_id)

    def find_user(self, name: str) -> str | None:
        self._record("find_user", name=name)
        wanted = name.strip().removeprefix("@").casefold()
        found = [uid for uid, known in self.users.items() if known.casefold() == wanted]
        if len(found) > 1:
            raise InvalidInput(f"Several Slack users match “{name}”: "
                               + ", ".join(f"<@{uid}>" for uid in found) + ".")
        return found[0] if found else None

    def post_ephemeral(self, channel: str, user: str, text: str) -> None:
        self._record("post_ephemeral", channel=channel, user=user)
        self.ephemerals.append({"channel": channel, "user": user, "text": text})

    def respond(self, response_url: str, *, text: str, blocks: list[dict] | None = None,
                replace_original: bool = False) -> None:
        self._record("respond", url=response_url)
        self.responses.append({"url": response_url, "text": text, "blocks": blocks,
                               "replace_original": replace_original})

    def posts_to(self, channel: str) -> list[str]:
        return [p["text"] for p in self.posts if p["channel"] == channel]


@dataclass
class FakeSms:
    """Records every SMS; ``fail`` queues errors for the next sends, ``lose_answers`` makes the
    next sends reach "Twilio" and then lose their answer (``OutcomeUnknown``), ``fail_lookups``
    queues errors for the next ``find_sent`` calls."""

    sent: list[dict] = field(default_factory=list)
    failures: list[DeliveryError] = field(default_factory=list)
    lookups: list[dict] = field(default_factory=list)
    lookup_failures: list[DeliveryError] = field(default_factory=list)
    answers_to_lose: int = 0
    clock: Any = None  # when given, each send records the time it was made ("at")

    def fail(self, *errors: DeliveryError) -> None:
        self.failures.extend(errors)

    def lose_answers(self, count: int = 1) -> None:
        self.answers_to_lose += count

    def fail_lookups(self, *errors: DeliveryError) -> None:
        self.lookup_failures.extend(errors)

    def send(self, *, to: str, body: str, status_callback: str | None = None,
             validity_period_s: int | None = None) -> str:
        if self.failures:
            raise self.failures.pop(0)
        sid = f"SM{len(self.sent) + 1:032x}"
        self.sent.append({"to": to, "body": body, "sid": sid, "callback": status_callback,
                          "validity_period_s": validity_period_s,
                          "at": self.clock.now() if self.clock else None})
        if self.answers_to_lose:
            self.answers_to_lose -= 1
            raise OutcomeUnknown("connection_lost", "reset after the request was written")
        return sid

    def find_sent(self, *, to: str, body: str, since: datetime,
                  taken: Callable[[str], bool] = lambda sid: False) -> str | None:
        self.lookups.append({"to": to, "body": body, "since": since})
        if self.lookup_failures:
            raise self.lookup_failures.pop(0)
        return next((m["sid"] for m in self.sent
                     if m["to"] == to and m["body"] == body and not taken(m["sid"])), None)

    def to(self, number: str) -> list[str]:
        return [m["body"] for m in self.sent if m["to"] == number]


@dataclass
class FakeVoice:
    """Records dial-outs and message calls; each returns a new CallSid."""

    dialled: list[dict] = field(default_factory=list)

    lose_next_answer: bool = False  # the next dial-out is placed, but its answer is lost

    def dial_out(self, *, conference: str, to: str, label: str | None, status_callback: str | None,
                 conference_status_callback: str | None = None) -> str:
        sid = f"CA{len(self.dialled) + 1:032x}"
        self.dialled.append({"conference": conference, "to": to, "label": label, "sid": sid})
        if self.lose_next_answer:
            self.lose_next_answer = False
            raise OutcomeUnknown("connection_lost", "the answer was lost")
        return sid

    def find_participant(self, *, conference: str, label: str) -> str | None:
        return next((d["sid"] for d in reversed(self.dialled)
                     if d["conference"] == conference and d["label"] == label), None)

    # ----- conferences ended by a coordinator (bot.calls) ----------------------------------------
    ended: list[str] = field(default_factory=list)  # the names, one per request
    end_failures: list[DeliveryError] = field(default_factory=list)  # raised, in order, first

    def end_conference(self, *, conference: str) -> list[str]:
        self.ended.append(conference)
        if self.end_failures:
            raise self.end_failures.pop(0)
        return [f"CF{len(self.ended):032x}"]

    # ----- message calls (bot.voice) -------------------------------------------------------------
    placed: list[dict] = field(default_factory=list)
    place_failures: list[DeliveryError] = field(default_factory=list)  # raised, in order, first
    lookup_failures: list[DeliveryError] = field(default_factory=list)
    die_after_placing: bool = False  # the next call is placed, then the worker process "dies"
    on_placed: Callable[[str], None] | None = None  # runs with the new CallSid before it returns

    def place_call(self, *, to: str, url: str, status_callback: str | None,
                   machine_detection: str | None = "DetectMessageEnd") -> str:
        if self.place_failures:
            raise self.place_failures.pop(0)
        sid = f"CA{len(self.placed) + 1:032x}"
        self.placed.append({"to": to, "url": url, "status_callback": status_callback,
                            "machine_detection": machine_detection, "sid": sid})
        if self.on_placed is not None:
            self.on_placed(sid)
        if self.die_after_placing:
            self.die_after_placing = False
            raise SystemExit("the worker died after Twilio placed the call")
        if self.lose_next_answer:
            self.lose_next_answer = False
            raise OutcomeUnknown("connection_lost", "the answer was lost")
        return sid

    def find_call(self, *, to: str, since: datetime,
                  taken: Callable[[str], bool] = lambda sid: False) -> str | None:
        """The newest call to ``to`` not ``taken`` (the fake keeps no dates: every call counts
        as placed since ``since``)."""
        if self.lookup_failures:
            raise self.lookup_failures.pop(0)
        return next((c["sid"] for c in reversed(self.placed)
                     if c["to"] == to and not taken(c["sid"])), None)

    def calls_to(self, number: str) -> list[dict]:
        return [c for c in self.placed if c["to"] == number]
