"""Requests as an attacker, or a damaged network, sends them to the live app: raw bytes, signed
or not, for Slack and for Twilio; and the hostile strings the tests put everywhere.

The signatures are computed here from the documented algorithms (Slack's v0 HMAC-SHA256 over
``v0:{timestamp}:{body}``, Twilio's HMAC-SHA1 over the URL and the sorted parameters), so that
a test can sign a body no well-behaved client would build.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import logging
import socket
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from urllib.parse import urlencode, urlsplit

import httpx

from bot import logs
from bot.sandbox.harness import SIGNING_SECRET, Live

MENTIONS = ("<!channel>", "<!here>", "<@U123>", "@channel", "<!everyone>", "@here")
HOSTILE = "Ana <!channel> <!here> <@U123> @channel"


def slack_headers(body: bytes, *, timestamp: int | None = None,
                  content_type: str = "application/x-www-form-urlencoded") -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(SIGNING_SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": "v0=" + digest.hexdigest()}


def post_slack(live: Live, body: bytes, *, signed: bool = True,
               content_type: str = "application/x-www-form-urlencoded",
               headers: Mapping[str, str] | None = None) -> httpx.Response:
    sent = dict(headers or {})
    if signed:
        sent = {**slack_headers(body, content_type=content_type), **sent}
    else:
        sent.setdefault("Content-Type", content_type)
    return live.http.post(f"{live.server.url}/slack/events", content=body, headers=sent)


def half_request(url: str, headers: Mapping[str, str], body: bytes) -> bytes:
    """POSTs to ``url`` only the first half of ``body`` (after a Content-Length for all of it),
    then closes the connection, as a client killed mid-request does; what came back, if anything."""
    parts = urlsplit(url)
    head = [f"POST {parts.path or '/'} HTTP/1.1", f"Host: {parts.netloc}",
            f"Content-Length: {len(body)}", *(f"{name}: {value}" for name, value in headers.items())]
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as conn:
        conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body[:len(body) // 2])
        conn.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := conn.recv(4096):
            answer += chunk
        return answer


def twilio_signature(token: str, url: str, params: Mapping[str, str]) -> str:
    signed = url + "".join(name + params[name] for name in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), signed.encode(), hashlib.sha1).digest()).decode()


def post_twilio(live: Live, path_and_query: str, params: Mapping[str, str], *,
                signed: bool = True) -> httpx.Response:
    """``params`` form-encoded to ``path_and_query``, signed for the public URL Twilio would call."""
    settings = live.container.settings
    public = settings.server.public_base_url.rstrip("/") + path_and_query
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signed:
        headers["X-Twilio-Signature"] = twilio_signature(
            settings.twilio.auth_token.get_secret_value(), public, params)
    return live.http.post(f"{live.server.url}{path_and_query}",
                          content=urlencode(dict(params)).encode(), headers=headers)


def inbound_bodies(live: Live) -> dict[str, str]:
    """Every stored inbound SMS: sid -> body."""
    from sqlalchemy import select

    from bot.db.models import InboundMessage

    with live.container.db.unit_of_work(read_only=True) as uow:
        return dict(uow.session.execute(select(InboundMessage.sid, InboundMessage.body)).all())


def stored_body(live: Live, sid: str) -> str | None:
    """The stored body of the inbound SMS ``sid``, None if it was not stored."""
    with live.container.db.unit_of_work(read_only=True) as uow:
        message = uow.sms.inbound_by_sid(sid)
        return None if message is None else message.body


@contextmanager
def captured_logs(level: str) -> Iterator[io.StringIO]:
    """Everything logged meanwhile, written as ``coordbot serve`` writes it (through bot.logs)."""
    root, buffer = logging.getLogger(), io.StringIO()
    previous = root.level
    handler = logs.setup(level, stream=buffer)
    try:
        yield buffer
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
