"""A local stand-in for the Slack Web API that speaks Slack's wire format.

Point ``slack_sdk.WebClient(token=..., base_url=emu.base_url)`` (or ``AsyncWebClient``) at a
started :class:`SlackEmulator`. State lives in memory, every Web API request is recorded in
``calls`` and failures such as rate limits can be injected with :meth:`SlackEmulator.fail_next`.
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
import threading
import time
import traceback
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_CHANNEL_NAME = re.compile(r"^[a-z0-9_-]{1,80}$")
_TS = re.compile(r"^\d{1,12}\.\d{6}$")
PERMALINK_BASE = "https://emulator.slack"


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


class SlackError(Exception):
    """Raised by a method handler; answered as ``{"ok": false, "error": args[0]}``."""


def _check(condition, error: str) -> None:
    if not condition:
        raise SlackError(error)


def _flag(value) -> bool:
    return value in (True, 1, "1", "true", "True")


def _csv(value) -> list[str]:
    items = value if isinstance(value, list | tuple) else str(value or "").split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def _json_value(value, error: str = "invalid_arguments"):
    """Decode a parameter the SDK may have sent as a JSON string."""
    if isinstance(value, str) and value:
        try:
            return json.loads(value)
        except ValueError:
            raise SlackError(error) from None
    return value


def _ts_param(value, error: str) -> Decimal | None:
    """A ``latest`` / ``oldest`` bound: a number of seconds, or None when not given."""
    if value in (None, ""):
        return None
    try:
        bound = Decimal(str(value))
    except InvalidOperation:
        raise SlackError(error) from None
    _check(bound.is_finite() and bound >= 0, error)
    return bound


def _tz_details(tz: str) -> tuple[str, int]:
    try:
        now = datetime.now(ZoneInfo(tz))
    except (ZoneInfoNotFoundError, ValueError):
        return tz, 0
    return now.tzname() or tz, int(now.utcoffset().total_seconds())


class _Handler(BaseHTTPRequestHandler):
    emulator: SlackEmulator  # set on a per-emulator subclass in SlackEmulator.start()

    def do_POST(self) -> None:
        self.emulator._handle(self)

    do_GET = do_POST

    def log_message(self, *args) -> None:  # keep test output quiet
        pass


class SlackEmulator:
    def __init__(self, *, bot_token: str = "xoxb-test-token", bot_user_id: str = "UBOT0001",
                 team_id: str = "T0TEST", host: str = "127.0.0.1", port: int = 0):
        self.bot_token, self.bot_user_id, self.team_id = bot_token, bot_user_id, team_id
        self.bot_id, self.app_id = "B" + bot_user_id[1:], "A0EMULATOR"
        self.host, self.port = host, port
        self.lock = threading.Lock()
        self.calls: list[RecordedCall] = []
        self.channels: dict[str, Channel] = {}
        self.ephemerals: list[Message] = []
        self.views: list[dict] = []
        self.files: dict[str, dict] = {}
        self.responses: list[tuple[str, dict]] = []
        self.users: dict[str, dict] = {}  # registered with add_user()
        self.usergroups: dict[str, dict] = {}
        self._live_views: dict[str, dict] = {}  # view id -> latest view as returned by the API
        self._response_ids: set[str] = set()
        self._failures: dict[str, deque] = defaultdict(deque)
        self._counters: dict[str, int] = defaultdict(int)
        self._last_us = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._methods = {
            "auth.test": self._auth_test,
            "conversations.create": self._conversations_create,
            "conversations.invite": self._conversations_invite,
            "conversations.info": self._conversations_info,
            "conversations.join": self._conversations_join,
            "conversations.setTopic": lambda p: self._set_text(p, "topic"),
            "conversations.setPurpose": lambda p: self._set_text(p, "purpose"),
            "conversations.archive": self._conversations_archive,
            "conversations.unarchive": self._conversations_unarchive,
            "conversations.list": self._conversations_list,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.getPermalink": self._chat_get_permalink,
            "conversations.history": self._conversations_history,
            "pins.add": self._pins_add,
            "views.open": self._views_open,
            "views.push": self._views_open,
            "views.update": self._views_update,
            "users.info": self._users_info,
            "users.list": self._users_list,
            "usergroups.list": self._usergroups_list,
            "usergroups.users.list": self._usergroups_users_list,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
        }

    # ----- lifecycle -----------------------------------------------------------------------------
    def start(self) -> SlackEmulator:
        handler = type("_BoundHandler", (_Handler,), {"emulator": self})
        self._server = ThreadingHTTPServer((self.host, self.port), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name="slack-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self) -> SlackEmulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        if self._server is None:
            raise RuntimeError("SlackEmulator is not started")
        return f"http://{self.host}:{self._server.server_address[1]}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/api/"

    # ----- test-facing helpers -------------------------------------------------------------------
    def calls_to(self, method: str) -> list[RecordedCall]:
        # no locking: usable while the caller holds self.lock (list() is atomic under the GIL)
        return [call for call in list(self.calls) if call.method == method]

    def channel_by_name(self, name: str) -> Channel | None:
        return next((c for c in self.channels.values() if c.name == name and not c.is_im), None)

    def add_channel(self, name: str, *, members: list[str] = (), is_private: bool = False,
                    bot_member: bool = True, creator: str = "USLACKBOT") -> Channel:
        everyone = list(dict.fromkeys(([self.bot_user_id] if bot_member else []) + list(members)))
        with self.lock:
            return self._new_channel(name, "C", is_private, creator, everyone)

    def add_user(self, user_id: str, *, name: str, real_name: str = "",
                 tz: str = "America/New_York", is_bot: bool = False) -> None:
        with self.lock:
            self.users[user_id] = {"name": name, "real_name": real_name or name, "tz": tz,
                                   "is_bot": is_bot}

    def add_user_message(self, channel: str, user: str, text: str, ts: str | None = None, *,
                         thread_ts: str | None = None) -> str:
        """A person's message in ``channel`` (id or name), as if typed in Slack; returns its ts.

        It is stored only: no event is sent to the app (tests sign the event themselves).
        """
        with self.lock:
            target = self.channels.get(channel) or self.channel_by_name(channel.removeprefix("#"))
            if target is None:
                raise KeyError(f"no channel {channel!r} in the emulator")
            if ts is None:
                ts = self._next_ts()
            else:
                if not _TS.match(ts):
                    raise ValueError(f"a message ts looks like 1700000000.000100, not {ts!r}")
                if any(m.ts == ts for m in target.messages):
                    raise ValueError(f"{target.id} already has a message at {ts}")
                self._last_us = max(self._last_us, int(Decimal(ts) * 1_000_000))
            msg = Message(ts, target.id, text, user=user, thread_ts=thread_ts)
            position = next((i for i, m in enumerate(target.messages)
                             if Decimal(m.ts) > Decimal(ts)), len(target.messages))
            target.messages.insert(position, msg)
        return ts

    def add_usergroup(self, group_id: str, *, handle: str, users: list[str]) -> None:
        with self.lock:
            self.usergroups[group_id] = {"handle": handle, "users": list(users)}

    def fail_next(self, method: str, *, error: str = "ratelimited", status: int = 429,
                  retry_after: int | None = 1, times: int = 1) -> None:
        with self.lock:
            self._failures[method].extend([(error, status, retry_after)] * times)

    def new_response_url(self) -> str:
        with self.lock:
            self._counters["response"] += 1
            response_id = str(self._counters["response"])
            self._response_ids.add(response_id)
        return f"{self.root_url}/response/{response_id}"

    # ----- HTTP plumbing -------------------------------------------------------------------------
    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        url = urlsplit(req.path)
        body = req.rfile.read(int(req.headers.get("Content-Length") or 0))
        kind, _, key = url.path.strip("/").partition("/")
        if kind == "api":
            status, payload, headers = self._api(key, url.query, body, req.headers)
            return self._reply(req, status, json.dumps(payload), headers)
        status, text = 404, "not_found"
        with self.lock:
            if kind == "response" and key in self._response_ids and req.command == "POST":
                try:
                    self.responses.append((f"{self.root_url}{url.path}", json.loads(body)))
                    status, text = 200, "ok"
                except ValueError:
                    status, text = 400, "invalid_payload"
            elif kind == "upload" and key in self.files and req.command == "POST":
                self.files[key]["content"] = body
                status, text = 200, f"OK - {len(body)}"
        self._reply(req, status, text)

    @staticmethod
    def _reply(req, status: int, body: str, headers: dict | None = None) -> None:
        data = body.encode()
        is_json = headers is not None  # only Web API answers pass headers
        req.send_response(status)
        req.send_header("Content-Type",
                        "application/json; charset=utf-8" if is_json else "text/plain")
        req.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            req.send_header(name, value)
        req.end_headers()
        req.wfile.write(data)

    def _api(self, method: str, query: str, body: bytes, headers) -> tuple[int, dict, dict]:
        params: dict = dict(parse_qsl(query, keep_blank_values=True))
        content_type, body_error = headers.get_content_type(), None
        text = body.decode(headers.get_content_charset() or "utf-8", errors="replace")
        if body and content_type == "application/json":
            try:
                decoded = json.loads(text)
            except ValueError:
                decoded = None
            if isinstance(decoded, dict):
                params.update(decoded)
            else:
                body_error = "invalid_json"
        elif body and not content_type.startswith("multipart/"):  # form-urlencoded
            params.update(parse_qsl(text, keep_blank_values=True))
        recorded = dict(params)
        if isinstance(recorded.get("blocks"), str):
            with contextlib.suppress(ValueError):
                recorded["blocks"] = json.loads(recorded["blocks"])
        with self.lock:
            self.calls.append(RecordedCall(method, recorded, dict(headers.items())))
            if method not in self._methods:
                return 404, {"ok": False, "error": "unknown_method"}, {}
            auth = headers.get("Authorization", "")
            token = auth[7:].strip() if auth.lower().startswith("bearer ") else params.get("token")
            if token != self.bot_token:
                return 200, {"ok": False, "error": "invalid_auth" if token else "not_authed"}, {}
            if self._failures[method]:
                error, status, retry_after = self._failures[method].popleft()
                extra = {} if retry_after is None else {"Retry-After": str(retry_after)}
                return status, {"ok": False, "error": error}, extra
            try:
                _check(body_error is None, body_error)
                return 200, {"ok": True, **self._methods[method](params)}, {}
            except SlackError as exc:
                return 200, {"ok": False, "error": exc.args[0]}, {}
            except Exception:  # a bug in the emulator: make it loud, keep serving
                traceback.print_exc(file=sys.stderr)
                return 500, {"ok": False, "error": "fatal_error"}, {}

    # ----- state helpers (called with the lock held) ---------------------------------------------
    def _new_id(self, prefix: str) -> str:
        self._counters[prefix] += 1
        return f"{prefix}{self._counters[prefix]:08d}"

    def _next_ts(self) -> str:
        self._last_us = max(time.time_ns() // 1000, self._last_us + 1)
        return f"{self._last_us // 1_000_000}.{self._last_us % 1_000_000:06d}"

    def _new_channel(self, name, prefix, is_private, creator, members, is_im=False) -> Channel:
        channel = Channel(self._new_id(prefix), name, is_private, creator, members, is_im=is_im)
        self.channels[channel.id] = channel
        return channel

    def _known_user(self, user_id: str) -> bool:
        """Registered users only; any U…/W… id while no user has been registered."""
        if user_id in self.users or user_id == self.bot_user_id:
            return True
        return not self.users and user_id[:1] in ("U", "W")

    def _dm(self, user_id: str) -> Channel:
        existing = next((c for c in self.channels.values() if c.is_im and c.name == user_id), None)
        return existing or self._new_channel(user_id, "D", True, self.bot_user_id,
                                             [self.bot_user_id, user_id], is_im=True)

    def _channel(self, ref, *, by_name: bool = False, writable: bool = False) -> Channel:
        ref = str(ref or "")
        channel = self.channels.get(ref)
        if channel is None and by_name and ref[:1] in ("U", "W") and self._known_user(ref):
            channel = self._dm(ref)
        elif channel is None and by_name and ref:
            channel = self.channel_by_name(ref.removeprefix("#"))
        _check(channel and (not channel.is_private or self.bot_user_id in channel.members),
               "channel_not_found")
        if writable:
            _check(not channel.is_archived, "is_archived")
            _check(channel.is_im or self.bot_user_id in channel.members, "not_in_channel")
        return channel

    def _message(self, channel: Channel, ts) -> Message:
        found = next((m for m in channel.messages if m.ts == ts), None)
        _check(found, "message_not_found")
        return found

    def _content(self, p: dict) -> tuple[str, list | None, list | None]:
        blocks = _json_value(p.get("blocks"), "invalid_blocks") or None
        attachments = _json_value(p.get("attachments"), "invalid_attachments") or None
        _check(p.get("text") or blocks or attachments, "no_text")
        return str(p.get("text") or ""), blocks, attachments

    def _post(self, channel: Channel, text: str, p: dict, **extra) -> Message:
        msg = Message(self._next_ts(), channel.id, text, user=self.bot_user_id,
                      thread_ts=p.get("thread_ts") or None, **extra)
        channel.messages.append(msg)
        return msg

    def _channel_json(self, c: Channel) -> dict:
        if c.is_im:
            return {"id": c.id, "created": c.created, "is_im": True, "is_org_shared": False,
                    "user": c.name, "priority": 0, "is_open": True, "is_archived": False}

        def text(value):
            return {"value": value, "creator": c.creator if value else "", "last_set": 0}

        return {"id": c.id, "name": c.name, "name_normalized": c.name, "is_channel": True,
                "is_group": False, "is_im": False, "is_mpim": False, "is_private": c.is_private,
                "created": c.created, "creator": c.creator, "is_archived": c.is_archived,
                "is_general": False, "is_shared": False, "is_org_shared": False,
                "is_member": self.bot_user_id in c.members, "num_members": len(c.members),
                "topic": text(c.topic), "purpose": text(c.purpose)}

    def _message_json(self, m: Message) -> dict:
        optional = {"blocks": m.blocks, "thread_ts": m.thread_ts, "metadata": m.metadata,
                    "files": m.files, "attachments": m.attachments}
        sender = ({"bot_id": self.bot_id, "app_id": self.app_id}
                  if m.user == self.bot_user_id else {})  # a person's message has no bot_id
        return {"type": "message", "text": m.text, "user": m.user, "ts": m.ts, **sender,
                "team": self.team_id, **{key: value for key, value in optional.items() if value}}

    def _user_json(self, user_id: str) -> dict:
        _check(self._known_user(user_id), "user_not_found")
        u = self.users.get(user_id) or {"name": user_id.lower(), "real_name": user_id,
                                        "tz": "America/New_York",
                                        "is_bot": user_id == self.bot_user_id}
        tz_label, tz_offset = _tz_details(u["tz"])
        profile = {"real_name": u["real_name"], "display_name": u["name"],
                   "real_name_normalized": u["real_name"], "display_name_normalized": u["name"]}
        return {"id": user_id, "team_id": self.team_id, "name": u["name"], "deleted": False,
                "real_name": u["real_name"], "tz": u["tz"], "tz_label": tz_label,
                "tz_offset": tz_offset, "is_bot": u["is_bot"], "is_app_user": False,
                "updated": 1700000000, "profile": profile}

    @staticmethod
    def _paginate(items: list, p: dict) -> tuple[list, dict]:
        cursor, limit = str(p.get("cursor") or "0"), int(p.get("limit") or 0) or 100
        _check(cursor.isdigit(), "invalid_cursor")
        end = int(cursor) + min(limit, 1000)
        return items[int(cursor):end], {"next_cursor": str(end) if end < len(items) else ""}

    # ----- auth / conversations ------------------------------------------------------------------
    def _auth_test(self, p: dict) -> dict:
        return {"url": "https://coordbot-test.slack.com/", "team": "Test Team", "user": "coordbot",
                "team_id": self.team_id, "user_id": self.bot_user_id, "bot_id": self.bot_id,
                "is_enterprise_install": False}

    def _conversations_create(self, p: dict) -> dict:
        name = str(p.get("name") or "")
        _check(name, "invalid_name_required")
        _check(len(name) <= 80, "invalid_name_maxlength")
        _check(_CHANNEL_NAME.match(name), "invalid_name_specials")
        _check(not self.channel_by_name(name), "name_taken")
        channel = self._new_channel(name, "C", _flag(p.get("is_private")), self.bot_user_id,
                                    [self.bot_user_id])
        return {"channel": self._channel_json(channel)}

    def _conversations_invite(self, p: dict) -> dict:
        channel = self._channel(p.get("channel"), writable=True)
        users = list(dict.fromkeys(_csv(p.get("users"))))
        _check(users, "no_user")
        _check(self.bot_user_id not in users, "cant_invite_self")
        _check(all(self._known_user(u) for u in users), "user_not_found")
        new = [u for u in users if u not in channel.members]
        _check(new, "already_in_channel")
        channel.members.extend(new)
        return {"channel": self._channel_json(channel)}

    def _conversations_info(self, p: dict) -> dict:
        return {"channel": self._channel_json(self._channel(p.get("channel")))}

    def _conversations_join(self, p: dict) -> dict:
        channel = self._channel(p.get("channel"))
        _check(not (channel.is_im or channel.is_private), "method_not_supported_for_channel_type")
        _check(not channel.is_archived, "is_archived")
        if self.bot_user_id in channel.members:
            return {"channel": self._channel_json(channel), "warning": "already_in_channel",
                    "response_metadata": {"warnings": ["already_in_channel"]}}
        channel.members.append(self.bot_user_id)
        return {"channel": self._channel_json(channel)}

    def _set_text(self, p: dict, attr: str) -> dict:  # conversations.setTopic / setPurpose
        channel = self._channel(p.get("channel"), writable=True)
        _check(len(str(p.get(attr) or "")) <= 250, "too_long")
        setattr(channel, attr, str(p.get(attr) or ""))
        return {"channel": self._channel_json(channel)}

    def _conversations_archive(self, p: dict) -> dict:
        channel = self._channel(p.get("channel"))
        _check(not channel.is_archived, "already_archived")
        channel.is_archived = True
        return {}

    def _conversations_unarchive(self, p: dict) -> dict:
        channel = self._channel(p.get("channel"))
        _check(channel.is_archived, "not_archived")
        channel.is_archived = False
        return {}

    def _conversations_history(self, p: dict) -> dict:
        """Top-level messages (no thread replies), newest first, within ``oldest``..``latest``."""
        channel = self._channel(p.get("channel"))
        _check(channel.is_im or self.bot_user_id in channel.members, "not_in_channel")
        latest = _ts_param(p.get("latest"), "invalid_ts_latest")
        oldest = _ts_param(p.get("oldest"), "invalid_ts_oldest")
        inclusive = _flag(p.get("inclusive"))

        def wanted(m: Message) -> bool:
            if m.thread_ts and m.thread_ts != m.ts:
                return False
            ts = Decimal(m.ts)
            if latest is not None and (ts > latest or (ts == latest and not inclusive)):
                return False
            return oldest is None or ts > oldest or (ts == oldest and inclusive)

        found = [m for m in reversed(channel.messages) if wanted(m)]
        page, meta = self._paginate(found, p)
        return {"messages": [self._message_json(m) for m in page],
                "has_more": bool(meta["next_cursor"]), "pin_count": len(channel.pins),
                "channel_actions_ts": None, "channel_actions_count": 0,
                "response_metadata": meta}

    def _conversations_list(self, p: dict) -> dict:
        types = _csv(p.get("types") or "public_channel")

        def wanted(c: Channel) -> bool:
            if c.is_archived and _flag(p.get("exclude_archived")):
                return False
            if c.is_im:
                return "im" in types
            if c.is_private:
                return "private_channel" in types and self.bot_user_id in c.members
            return "public_channel" in types

        page, meta = self._paginate([c for c in self.channels.values() if wanted(c)], p)
        return {"channels": [self._channel_json(c) for c in page], "response_metadata": meta}

    # ----- chat / pins ---------------------------------------------------------------------------
    def _chat_post_message(self, p: dict) -> dict:
        channel = self._channel(p.get("channel"), by_name=True, writable=True)
        text, blocks, attachments = self._content(p)
        metadata = _json_value(p.get("metadata"), "invalid_metadata_format") or None
        msg = self._post(channel, text, p, blocks=blocks, attachments=attachments,
                         metadata=metadata)
        return {"channel": channel.id, "ts": msg.ts, "message": self._message_json(msg)}

    def _chat_post_ephemeral(self, p: dict) -> dict:
        channel = self._channel(p.get("channel"), by_name=True)
        _check(not channel.is_archived, "is_archived")
        _check(p.get("user") in channel.members, "user_not_in_channel")
        text, blocks, attachments = self._content(p)
        msg = Message(self._next_ts(), channel.id, text, blocks, p["user"],
                      p.get("thread_ts") or None, attachments=attachments)
        self.ephemerals.append(msg)
        return {"message_ts": msg.ts}

    def _chat_update(self, p: dict) -> dict:
        channel = self._channel(p.get("channel"))
        msg = self._message(channel, p.get("ts"))
        _check(msg.user == self.bot_user_id, "cant_update_message")
        msg.text, msg.blocks, msg.attachments = self._content(p)
        return {"channel": channel.id, "ts": msg.ts, "text": msg.text,
                "message": self._message_json(msg)}

    def _chat_get_permalink(self, p: dict) -> dict:
        channel = self._channel(p.get("channel"))
        msg = self._message(channel, p.get("message_ts"))
        link = f"{PERMALINK_BASE}/archives/{channel.id}/p{msg.ts.replace('.', '')}"
        if msg.thread_ts and msg.thread_ts != msg.ts:
            link += f"?thread_ts={msg.thread_ts}&cid={channel.id}"
        return {"channel": channel.id, "permalink": link}

    def _pins_add(self, p: dict) -> dict:
        channel = self._channel(p.get("channel"))
        _check(p.get("timestamp"), "no_item_specified")
        ts = self._message(channel, p["timestamp"]).ts
        _check(ts not in channel.pins, "already_pinned")
        channel.pins.append(ts)
        return {}

    # ----- views ---------------------------------------------------------------------------------
    def _store_view(self, p: dict, view_id: str | None = None, root_id: str | None = None) -> dict:
        view = _json_value(p.get("view"))
        _check(isinstance(view, dict) and view.get("type"), "invalid_arguments")
        view_id = view_id or self._new_id("V")
        self.views.append({**view, "id": view_id})
        defaults = {"title": None, "submit": None, "close": None, "blocks": [],
                    "private_metadata": "", "callback_id": "", "external_id": "",
                    "clear_on_close": False, "notify_on_close": False}
        out = {"id": view_id, "team_id": self.team_id, "type": view["type"],
               **{key: view.get(key, default) for key, default in defaults.items()},
               "state": {"values": {}}, "hash": f"{time.time_ns()}.{view_id}",
               "root_view_id": root_id or view_id, "previous_view_id": None,
               "app_id": self.app_id, "bot_id": self.bot_id}
        self._live_views[view_id] = out
        return {"view": out}

    def _views_open(self, p: dict) -> dict:  # views.open and views.push
        _check(p.get("trigger_id") or p.get("interactivity_pointer"), "invalid_arguments")
        return self._store_view(p)

    def _views_update(self, p: dict) -> dict:
        current = self._live_views.get(str(p.get("view_id") or ""))
        if current is None and p.get("external_id"):
            current = next((v for v in self._live_views.values()
                            if v["external_id"] == p["external_id"]), None)
        _check(current, "not_found")
        _check(not p.get("hash") or p["hash"] == current["hash"], "hash_conflict")
        return self._store_view(p, current["id"], current["root_view_id"])

    # ----- users / usergroups --------------------------------------------------------------------
    def _users_info(self, p: dict) -> dict:
        return {"user": self._user_json(str(p.get("user") or ""))}

    def _users_list(self, p: dict) -> dict:
        page, meta = self._paginate([self.bot_user_id, *self.users], p)
        return {"members": [self._user_json(u) for u in page], "response_metadata": meta}

    def _usergroups_list(self, p: dict) -> dict:
        def group_json(group_id: str, g: dict) -> dict:
            out = {"id": group_id, "team_id": self.team_id, "is_usergroup": True,
                   "is_subteam": True, "name": g["handle"], "description": "",
                   "handle": g["handle"], "is_external": False, "date_create": 1700000000,
                   "date_update": 1700000000, "date_delete": 0, "auto_type": None,
                   "created_by": "USLACKBOT", "user_count": len(g["users"]),
                   "prefs": {"channels": [], "groups": []}}
            return out | ({"users": list(g["users"])} if _flag(p.get("include_users")) else {})

        return {"usergroups": [group_json(i, g) for i, g in self.usergroups.items()]}

    def _usergroups_users_list(self, p: dict) -> dict:
        group = self.usergroups.get(str(p.get("usergroup") or ""))
        _check(group, "no_such_subteam")
        return {"users": list(group["users"])}

    # ----- files ---------------------------------------------------------------------------------
    def _files_get_upload_url(self, p: dict) -> dict:
        _check(p.get("filename") and str(p.get("length", "")).isdigit(), "invalid_arguments")
        file_id = self._new_id("F")
        self.files[file_id] = {"title": None, "filename": p["filename"], "content": b"",
                               "channel_id": None}
        return {"upload_url": f"{self.root_url}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, p: dict) -> dict:
        entries = _json_value(p.get("files"))
        _check(isinstance(entries, list) and entries, "invalid_arguments")
        _check(all(e.get("id") in self.files for e in entries), "file_not_found")
        channel_id = p.get("channel_id") or next(iter(_csv(p.get("channels"))), None)
        channel = self._channel(channel_id, writable=True) if channel_id else None
        shared = []
        for entry in entries:
            stored = self.files[entry["id"]]
            stored["title"] = entry.get("title") or stored["filename"]
            stored["channel_id"] = channel.id if channel else None
            shared.append({"id": entry["id"], "title": stored["title"],
                           "name": stored["filename"], "size": len(stored["content"]),
                           "user": self.bot_user_id, "created": int(time.time())})
        if channel is not None:
            self._post(channel, str(p.get("initial_comment") or ""), p, files=shared)
        return {"files": shared}
