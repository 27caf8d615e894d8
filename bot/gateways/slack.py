"""Slack Web API through slack_sdk's WebClient; ``base_url`` points it at Slack or an emulator.

Whether a request may have taken effect decides how its failure is reported. An error before the
request was written (no connection) or a refusal Slack answered is a ``DeliveryError``; a timeout
or a dropped connection while waiting for the answer, or a 5xx, is ``OutcomeUnknown``: the post
may exist. So the client is given no retry handler for connection errors (slack_sdk's default
one re-sends the request after a reset, which for ``chat.postMessage`` is a second post); only
a short ``Retry-After`` is waited out here, because a 429 means Slack did nothing.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import datetime
from http.client import HTTPException
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RetryHandler, RetryState
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.webhook import WebhookClient

from bot.errors import InvalidInput
from bot.ports import ChannelInfo, DeliveryError, NameTaken, OutcomeUnknown, PostedMessage

METADATA_EVENT = "coordbot_outbox"  # the event_type of the metadata every keyed post carries
TRANSIENT_ERRORS = {"ratelimited", "internal_error", "fatal_error", "service_unavailable",
                    "request_timeout", "team_added_to_org"}
# Slack's words for these: "it's possible some aspect of the operation succeeded"
UNSURE_ERRORS = {"internal_error", "fatal_error"}
IGNORED_ERRORS = {"already_in_channel", "already_pinned"}
_ERROR_CODE = re.compile(r"^[a-z0-9_]{1,60}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")


class RetryAfterHandler(RetryHandler):
    """Retries HTTP 429 after the ``Retry-After`` Slack sent, when that wait is short.

    A longer wait is not slept through: the error goes back to the outbox, which reschedules.
    """

    def __init__(self, *, max_retry_count: int = 3, max_wait_s: float = 10.0,
                 sleep: Callable[[float], None] = time.sleep):
        super().__init__(max_retry_count=max_retry_count)
        self._max_wait_s = max_wait_s
        self._sleep = sleep

    def _can_retry(self, *, state: RetryState, request: HttpRequest,
                   response: HttpResponse | None = None, error: Exception | None = None) -> bool:
        return (response is not None and response.status_code == 429
                and retry_after(response.headers) <= self._max_wait_s)

    def prepare_for_next_attempt(self, *, state: RetryState, request: HttpRequest,
                                 response: HttpResponse | None = None,
                                 error: Exception | None = None) -> None:
        state.next_attempt_requested = True
        self._sleep(retry_after(response.headers if response else {}))
        state.increment_current_attempt()


def _shown_name(user: dict) -> str:
    profile = user.get("profile") or {}
    return str(profile.get("real_name") or profile.get("display_name") or user.get("name")
               or user.get("id") or "")


def retry_after(headers: Any) -> float:
    for name, value in dict(headers or {}).items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            try:
                return max(0.0, float(raw))
            except (TypeError, ValueError):
                return 1.0
    return 1.0


class SlackGateway:
    def __init__(self, *, token: str, base_url: str, sleep: Callable[[float], None] = time.sleep,
                 timeout_s: float = 10):
        self._timeout_s = timeout_s
        self._bot_user_id: str | None = None
        self.client = WebClient(token=token, base_url=base_url, timeout=timeout_s,
                                retry_handlers=[RetryAfterHandler(sleep=sleep)])

    def create_channel(self, name: str) -> str:
        try:
            return self._call("conversations_create", name=name, is_private=False)["channel"]["id"]
        except DeliveryError as error:
            if error.code == "name_taken":
                raise NameTaken(name) from None
            raise

    def invite(self, channel: str, users: list[str]) -> None:
        self._call("conversations_invite", channel=channel, users=",".join(users))

    def post(self, channel: str, text: str, blocks: list[dict] | None = None, *,
             thread_ts: str | None = None, key: str | None = None) -> PostedMessage:
        """Posts; ``key`` goes in the message's metadata, where :meth:`find_post` looks for it."""
        metadata = ({"event_type": METADATA_EVENT, "event_payload": {"key": key}}
                    if key else None)
        response = self._call("chat_postMessage", channel=channel, text=text, blocks=blocks,
                              thread_ts=thread_ts, unfurl_links=False, metadata=metadata)
        return PostedMessage(channel=response["channel"], ts=response["ts"])

    def find_post(self, channel: str, key: str, *, since: datetime,
                  thread_ts: str | None = None) -> PostedMessage | None:
        """The bot's message carrying ``key`` in its metadata, posted since ``since``; or None.

        Reads the channel's history (the thread's replies for a reply), metadata included, a
        page at a time; a user id stands for the bot's DM with that person.
        """
        if channel.startswith(("U", "W")):
            channel = self._call("conversations_open", users=channel)["channel"]["id"]
        elif not _CHANNEL_ID.match(channel):  # posted to by name: the history wants the id
            named = self.find_channel(channel.removeprefix("#"))
            if named is None:
                return None
            channel = named.id
        method, extra = (("conversations_replies", {"ts": thread_ts}) if thread_ts
                         else ("conversations_history", {}))
        cursor = None
        while True:
            page = self._call(method, channel=channel, oldest=f"{since.timestamp():.6f}",
                              include_all_metadata=True, limit=200, cursor=cursor, **extra)
            for message in page.get("messages") or []:
                metadata = message.get("metadata") or {}
                if (metadata.get("event_type") == METADATA_EVENT
                        and (metadata.get("event_payload") or {}).get("key") == key):
                    return PostedMessage(channel=channel, ts=str(message["ts"]))
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None

    def find_channel(self, name: str) -> ChannelInfo | None:
        """The unarchived public channel called ``name``, as ``conversations.list`` shows it."""
        cursor = None
        while True:
            page = self._call("conversations_list", exclude_archived=True,
                              types="public_channel", limit=1000, cursor=cursor)
            for channel in page.get("channels") or []:
                if channel.get("name") == name:
                    return ChannelInfo(id=channel["id"], name=name,
                                       creator=str(channel.get("creator") or ""))
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None

    def bot_user_id(self) -> str:
        """The bot's own user id (``auth.test``), asked once."""
        if self._bot_user_id is None:
            self._bot_user_id = str(self._call("auth_test")["user_id"])
        return self._bot_user_id

    def update(self, channel: str, ts: str, text: str, blocks: list[dict] | None = None) -> None:
        self._call("chat_update", channel=channel, ts=ts, text=text, blocks=blocks)

    def pin(self, channel: str, ts: str) -> None:
        self._call("pins_add", channel=channel, timestamp=ts)

    def usergroup_members(self, handle_or_id: str) -> list[str]:
        group_id = handle_or_id
        if handle_or_id.startswith("@"):
            handle = handle_or_id[1:]
            groups = self._call("usergroups_list")["usergroups"]
            match = [g["id"] for g in groups if g.get("handle") == handle]
            if not match:
                raise DeliveryError("no_such_subteam", f"no user group @{handle}", permanent=True)
            group_id = match[0]
        return list(self._call("usergroups_users_list", usergroup=group_id)["users"])

    def upload_file(self, channel: str, *, filename: str, content: str, title: str,
                    comment: str = "") -> None:
        self._call("files_upload_v2", channel=channel, filename=filename, content=content,
                   title=title, initial_comment=comment or None)

    def user_timezone(self, user_id: str) -> str | None:
        """The IANA zone set in the person's Slack profile, if Slack knows it."""
        try:
            return self._call("users_info", user=user_id)["user"].get("tz")
        except DeliveryError:
            return None

    def message_text(self, channel: str, ts: str) -> str | None:
        """The text of the message at ``ts`` in ``channel``; None when no such message is there."""
        messages = self._call("conversations_history", channel=channel, latest=ts, inclusive=True,
                              limit=1)["messages"]
        found = next((m for m in messages if m.get("ts") == ts), None)
        return None if found is None else str(found.get("text") or "")

    def permalink(self, channel: str, ts: str) -> str:
        return str(self._call("chat_getPermalink", channel=channel, message_ts=ts)["permalink"])

    def user_name(self, user_id: str) -> str | None:
        """How the person appears in Slack: real name, else display name, else user name."""
        try:
            user = self._call("users_info", user=user_id)["user"]
        except DeliveryError as error:
            if error.code == "user_not_found":
                return None
            raise
        return _shown_name(user)

    def find_user(self, name: str) -> str | None:
        """The id of the one user whose user name, display name or real name is ``name``.

        Case-insensitive, a leading "@" ignored, deleted users skipped. Raises InvalidInput
        naming the candidates when several people match.
        """
        wanted = name.strip().removeprefix("@").strip().casefold()
        if not wanted:
            return None
        matches: dict[str, dict] = {}
        cursor = None
        while True:
            page = self._call("users_list", limit=200, cursor=cursor)
            for user in page.get("members") or []:
                profile = user.get("profile") or {}
                names = {user.get("name"), user.get("real_name"), profile.get("display_name"),
                         profile.get("real_name")}
                if not user.get("deleted") and wanted in {n.casefold() for n in names if n}:
                    matches[user["id"]] = user
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        if len(matches) > 1:
            who = ", ".join(f"<@{uid}> ({_shown_name(user)}, @{user.get('name', uid)})"
                            for uid, user in matches.items())
            raise InvalidInput(f"Several Slack users match “{name.strip()}”: {who}. "
                               "Use a name only one of them has, or an @mention.")
        return next(iter(matches), None)

    def post_ephemeral(self, channel: str, user: str, text: str) -> None:
        self._call("chat_postEphemeral", channel=channel, user=user, text=text)

    def respond(self, response_url: str, *, text: str, blocks: list[dict] | None = None,
                replace_original: bool = False) -> None:
        """Answers a slash command or button through its ``response_url`` (ephemeral)."""
        response = WebhookClient(response_url, timeout=self._timeout_s).send(
            text=text, blocks=blocks, response_type="ephemeral",
            replace_original=replace_original)
        if response.status_code >= 300:
            raise DeliveryError(f"http_{response.status_code}", response.body,
                                permanent=response.status_code < 500)

    def _call(self, method: str, **kwargs: Any) -> Any:
        """Calls ``method``; when the bot is not in the channel, joins it and tries once more.

        A refused call did nothing, so trying it again after joining posts nothing twice.
        """
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        try:
            return self._call_once(method, kwargs)
        except DeliveryError as error:
            if error.code != "not_in_channel" or "channel" not in kwargs:
                raise
        try:
            self._call_once("conversations_join", {"channel": kwargs["channel"]})
        except DeliveryError as join_error:
            raise DeliveryError("not_in_channel", f"the bot is not in {kwargs['channel']} and "
                                f"cannot join it ({join_error.code})", permanent=True) from None
        return self._call_once(method, kwargs)

    def _call_once(self, method: str, kwargs: dict[str, Any]) -> Any:
        name = method.replace("_", ".")
        try:
            return getattr(self.client, method)(**kwargs)
        except SlackApiError as exc:
            code = str(exc.response.get("error", "unknown_error"))
            if code in IGNORED_ERRORS:
                return exc.response
            status = exc.response.status_code
            if not _ERROR_CODE.match(code):  # not Slack's JSON: e.g. a proxy's error page
                code = f"http_{status}"
            if status >= 500 or code in UNSURE_ERRORS:
                raise OutcomeUnknown(code, f"Slack {name} answered {status}") from None
            raise DeliveryError(
                code, f"Slack {name} failed",
                permanent=not (code in TRANSIENT_ERRORS or status == 429),
                retry_after=retry_after(exc.response.headers) if status == 429 else None,
            ) from None
        except URLError as exc:  # raised while connecting or writing: nothing reached Slack
            raise DeliveryError("connection_error", str(exc.reason), permanent=False) from None
        except (TimeoutError, ConnectionError, HTTPException, OSError) as exc:
            # raised while waiting for the answer: Slack may have done it
            code = "timeout" if isinstance(exc, TimeoutError) else "connection_lost"
            raise OutcomeUnknown(code, f"Slack {name}: {exc!r}") from None
