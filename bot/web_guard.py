"""The door in front of ``/slack/events``: Slack's signature checked on the raw bytes, then the
body read and its shape checked, before Bolt parses anything.

Bolt parses the body (and reads the timestamp header as a number) before it verifies the
signature, so a broken body or a timestamp like ``abc`` from anyone on the internet was a 500.
Here an unsigned, stale or forged request is a 401 whatever its body; a signed body that cannot
be read (not UTF-8, a broken form, a ``payload`` that is not a JSON object, fields of the wrong
type where Bolt and our listeners look) is a 400 that says why. What passes is what Bolt and the
listeners can read without an exception; NUL characters (which PostgreSQL refuses in text) are
replaced there by U+FFFD. Bolt gets the payload parsed here, so nothing is parsed twice on the
acknowledgement's path (see ``bot.web``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from bot.storable import REPLACEMENT, storable

MAX_AGE_S = 300  # Slack's own rule: a request older than five minutes may be a replay
MAX_BODY = 1_000_000  # bytes; Slack's payloads are far smaller
MAX_DEPTH = 40
Forward = Callable[[Request, dict[str, Any], dict[str, str]], Awaitable[Response]]

# Where Bolt's context builders and our listeners read an object (dict) or a string: any other
# type there is an exception inside Bolt, so it is refused here.
OBJECTS = ("event", "message", "previous_message", "item", "assistant_thread", "function_data",
           "view", "container", "state", "workflow_step")
OBJECT_OR_TEXT = ("team", "user", "channel", "enterprise")
LISTS = ("authorizations", "actions", "response_urls", "blocks")
TEXTS = ("type", "subtype", "callback_id", "action_id", "trigger_id", "response_url", "user_id",
         "channel_id", "team_id", "enterprise_id", "command", "ts", "thread_ts",
         "message_ts", "private_metadata", "value", "id", "function_execution_id", "block_id",
         "challenge", "reaction", "bot_id", "view_id")
# What the listeners read without a default, by payload type.
NOT_NULL = ("event", "actions", "response_urls", "state", "view", "item", "container")  # Bolt: x.get
INTERACTIVE = ("block_actions", "view_submission", "view_closed", "shortcut", "message_action")


class Refused(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


def signature_problem(secret: str, headers: Mapping[str, str], body: bytes, now: float) -> str | None:
    """Why the request is not Slack's (None if it is): v0 HMAC-SHA256 over the raw bytes."""
    timestamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return "missing or unreadable X-Slack-Request-Timestamp"
    if abs(now - int(timestamp)) > MAX_AGE_S:
        return "stale request (timestamp more than five minutes away)"
    if not signature.isascii():
        return "bad signature"
    expected = sign(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        return "bad signature"
    return None


def sign(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def read_payload(body: bytes, content_type: str) -> dict[str, Any]:
    """The payload as Bolt would parse it (``payload`` forms unwrapped), cleaned; ``Refused``
    (400) if unreadable."""
    text = body.decode("utf-8", "replace")
    if content_type == "application/json" or text.startswith("{"):
        payload = _json_object(text, "the JSON body")
        _check(payload)
        if payload.get("type") in INTERACTIVE:  # Bolt dispatches these whatever the encoding
            _needs(payload)
        return _clean(payload)
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text))
    except ValueError:
        raise Refused(400, "the body is not a readable form") from None
    form = dict(pairs)
    if "payload" in form:
        payload = _json_object(form["payload"], "the form's payload")
        _check(payload)
        _needs(payload)
        return _clean(payload)
    if "command" in form:
        for name in ("command", "user_id", "response_url", "trigger_id"):
            if not form.get(name):
                raise Refused(400, f"a slash command without {name}")
    return {key: storable(value) for key, value in form.items()}


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise Refused(400, f"{what} is not valid JSON") from None
    if not isinstance(value, dict):
        raise Refused(400, f"{what} is not a JSON object")
    return value


def _check(node: Any, depth: int = 0, path: str = "$") -> None:
    """Refuses the types Bolt or a listener would trip on, at any depth."""
    if depth > MAX_DEPTH:
        raise Refused(400, "the payload is nested too deeply")
    if isinstance(node, list):
        for index, item in enumerate(node):
            _check(item, depth + 1, f"{path}[{index}]")
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        where = f"{path}.{key}"
        if value is None:
            if key in NOT_NULL:
                raise Refused(400, f"{where} must not be null")
            continue
        if key in OBJECTS and not isinstance(value, dict):
            raise Refused(400, f"{where} must be an object")
        if key in OBJECT_OR_TEXT and not isinstance(value, dict | str):
            raise Refused(400, f"{where} must be an object or text")
        if key in LISTS and not (isinstance(value, list)
                                 and all(isinstance(item, dict) for item in value)):
            raise Refused(400, f"{where} must be a list of objects")
        if key in TEXTS and not isinstance(value, str):
            raise Refused(400, f"{where} must be text")
        if key == "text" and not isinstance(value, str | dict):  # a message's, or a block's
            raise Refused(400, f"{where} must be text or an object")
        if key == "values" and isinstance(value, dict):  # keyed by our block ids: see _values_ok
            continue
        _check(value, depth + 1, where)


def _needs(payload: dict[str, Any]) -> None:
    """The fields an interaction's listeners read without a default."""
    kind = payload.get("type")
    if not isinstance(kind, str) or not kind:
        raise Refused(400, "an interaction payload without a type")
    if kind not in INTERACTIVE:
        return
    user = payload.get("user")
    if not isinstance(user, dict) or not isinstance(user.get("id"), str) or not user["id"]:
        raise Refused(400, f"a {kind} payload without user.id")
    if kind != "view_closed" and not payload.get("trigger_id"):
        raise Refused(400, f"a {kind} payload without trigger_id")
    if kind in ("view_submission", "view_closed"):
        view = payload.get("view")
        if not isinstance(view, dict) or not view.get("callback_id") or not view.get("type"):
            raise Refused(400, f"a {kind} payload without view.callback_id or view.type")
        values = (view.get("state") or {}).get("values")
        if kind == "view_submission" and not _values_ok(values):
            raise Refused(400, "a view_submission payload without view.state.values")
    if kind in ("shortcut", "message_action") and not payload.get("callback_id"):
        raise Refused(400, f"a {kind} payload without callback_id")
    if kind == "message_action":
        channel = payload.get("channel")
        if not isinstance(channel, dict) or not channel.get("id"):
            raise Refused(400, "a message_action payload without channel.id")
    if kind == "block_actions":
        actions = payload.get("actions")
        if not actions or not all(item.get("action_id") for item in actions):
            raise Refused(400, "a block_actions payload without actions")


def _values_ok(values: Any) -> bool:
    """``view.state.values``: block id -> action id -> the element's state, as the forms read it
    (a ``value`` that is text, a ``selected_option`` whose ``value`` is text)."""
    return isinstance(values, dict) and all(
        isinstance(block, dict) and all(_element_ok(element) for element in block.values())
        for block in values.values())


def _element_ok(element: Any) -> bool:
    if not isinstance(element, dict):
        return False
    selected = element.get("selected_option")
    return (isinstance(element.get("value"), str | None)
            and (selected is None or (isinstance(selected, dict)
                                      and isinstance(selected.get("value"), str | None))))


def _clean(node: Any) -> Any:
    if isinstance(node, str):
        return storable(node)
    if isinstance(node, list):
        return [_clean(item) for item in node]
    if isinstance(node, dict):
        return {storable(key): _clean(value) for key, value in node.items()}
    return node


def slack_guard(forward: Forward, *, signing_secret: str,
                wall_time: Callable[[], float] = time.time) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint for ``/slack/events``: ``forward`` gets the request, its payload as Bolt
    would parse it (cleaned), and the headers.

    ``wall_time`` is the real time, not the app's clock: Slack signs with its own wall clock,
    and the sandbox's clock may run faster.
    """

    async def guarded(request: Request) -> Response:
        body = await request.body()
        now = wall_time()
        if len(body) > MAX_BODY:
            return PlainTextResponse("request body too large", status_code=413)
        problem = signature_problem(signing_secret, request.headers, body, now)
        if problem:
            return PlainTextResponse(f"invalid request: {problem}", status_code=401)
        content_type = request.headers.get("content-type", "").split(";")[0].strip()
        try:
            payload = read_payload(body, content_type)
        except Refused as refused:
            return PlainTextResponse(f"unreadable request: {refused.reason}",
                                     status_code=refused.status)
        return await forward(request, payload, dict(request.headers.items()))

    return guarded


__all__ = ["REPLACEMENT", "Refused", "read_payload", "signature_problem", "slack_guard"]
