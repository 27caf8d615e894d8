"""Unguessable links: an HMAC of what the link opens, keyed by a server secret."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

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


def expiring_token(settings: Settings, subject: str, expires: int) -> str:
    return token(settings, f"{subject}:{expires}")


def signed_expiring(settings: Settings, subject: str, expires: int, given: str) -> bool:
    """The signature alone (expired or not): lets a caller tell a forged link from an old one."""
    return valid_token(settings, f"{subject}:{expires}", given)


def valid_expiring(settings: Settings, subject: str, expires: int, given: str, *,
                   now: datetime) -> bool:
    return signed_expiring(settings, subject, expires, given) and now.timestamp() < expires


def can_sign(settings: Settings) -> bool:
    return settings.slack.signing_secret is not None or settings.twilio.auth_token is not None


def notes_expiry(settings: Settings, *, now: datetime) -> int:
    return int(now.timestamp()) + settings.notes.link_ttl_h * 3600


def notes_url(settings: Settings, notes_id: int, *, now: datetime) -> str:
    """The browser view of a call's notes, valid for ``notes.link_ttl_h`` hours from ``now``."""
    expires = notes_expiry(settings, now=now)
    base = settings.server.public_base_url.rstrip("/")
    return (f"{base}/notes/{notes_id}?e={expires}"
            f"&t={expiring_token(settings, f'notes:{notes_id}', expires)}")
