"""Unguessable links: an HMAC of what the link opens, keyed by a server secret."""

from __future__ import annotations

import hashlib
import hmac

from bot.config import Settings


def _key(settings: Settings) -> bytes:
    secret = settings.slack.signing_secret or settings.twilio.auth_token
    if secret is None:
        raise RuntimeError("slack.signing_secret is needed to sign links")
    return hashlib.sha256(b"coordbot-links:" + secret.get_secret_value().encode()).digest()


def token(settings: Settings, subject: str) -> str:
    return hmac.new(_key(settings), subject.encode(), hashlib.sha256).hexdigest()[:32]


def valid_token(settings: Settings, subject: str, given: str) -> bool:
    return hmac.compare_digest(token(settings, subject), given or "")


def calendar_url(settings: Settings, call_id: int) -> str | None:
    if settings.slack.signing_secret is None and settings.twilio.auth_token is None:
        return None
    base = settings.server.public_base_url.rstrip("/")
    return f"{base}/calls/{call_id}.ics?t={token(settings, f'call:{call_id}')}"
