"""Officials who are not in Slack review call notes on the web: a personal link, a one-time code
sent to the same channel, then a short session bound to that official and those notes.

* The link (``/notes/{id}/review?o=…&e=…&t=…``) is signed for one official and one call's notes
  and expires after ``web_review.link_ttl_h``. It goes by SMS to the official's ``phone``, else
  by a Slack DM to their ``slack_user``, through the outbox (one per official and version).
* Opening it asks for a six-digit code, sent on request to the same channel. Only the code's
  HMAC is stored; a code is single use, expires after ``web_review.code_ttl_min``, allows
  ``web_review.code_attempts`` tries, and asking for a new one spends the ones before it (at
  most ``web_review.codes_per_hour`` are sent). The text of the message that carries a code sits
  in the outbox until it is sent, as every message does; it is useless once used or expired.
* The right code opens a session of ``web_review.session_ttl_min``: the cookie holds a random
  secret, the database its SHA-256 only. The page's forms carry a CSRF token derived from it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from bot.access import links
from bot.config import OfficialSettings, Settings
from bot.db.models import CallNotes, ReviewCode, ReviewSession
from bot.db.unit_of_work import UnitOfWork
from bot.i18n.catalog import render
from bot.notes.service.versions import get, title
from bot.outbox.kinds import Kind
from bot.outbox.queue import enqueue
from bot.records import audit
from bot.sms.rules.segments import segments

CODE_DIGITS = 6
CODE_WINDOW = timedelta(hours=1)  # how far back the hourly limit and the live code are looked for


@dataclass(frozen=True)
class LinkCheck:
    """``official`` when the link is genuine and current; ``expired`` when genuine but old."""

    official: OfficialSettings | None = None
    expired: bool = False


@dataclass(frozen=True)
class CodeResult:
    """``session_token`` (the cookie's value) when the code was right, else ``refused`` says why."""

    session_token: str | None = None
    refused: str | None = None


def subject(notes_id: int, official_id: str) -> str:
    return f"review:{notes_id}:{official_id}"


def review_url(settings: Settings, notes_id: int, official_id: str, *, now: datetime) -> str:
    expires = int(now.timestamp()) + settings.web_review.link_ttl_h * 3600
    query = urlencode({"o": official_id, "e": expires,
                       "t": links.expiring_token(settings, subject(notes_id, official_id),
                                                 expires)})
    return f"{settings.server.public_base_url.rstrip('/')}/notes/{notes_id}/review?{query}"


def check_link(settings: Settings, notes_id: int, official_id: str, expires: str, token: str, *,
               now: datetime) -> LinkCheck:
    """A forged link, or one for an official no longer in the configuration, is not found."""
    official = settings.official(official_id)
    if official is None or not (expires.isascii() and expires.isdigit() and len(expires) <= 12):
        return LinkCheck()
    if not token.isascii() or not links.signed_expiring(settings, subject(notes_id, official_id),
                                                        int(expires), token):
        return LinkCheck()
    if now.timestamp() >= int(expires):
        return LinkCheck(expired=True)
    return LinkCheck(official=official)


def invite_all(uow: UnitOfWork, notes: CallNotes, *, now: datetime, settings: Settings,
               officials: list[OfficialSettings] | None = None, again: bool = False) -> int:
    """Queues each configured official's (or each of ``officials``') personal link to these
    notes: once per version, or with ``again`` a fresh link now (``coordbot notes invite``)."""
    if not links.can_sign(settings):
        return 0
    heading = title(uow, notes)
    sent = 0
    for official in settings.officials if officials is None else officials:
        url = review_url(settings, notes.id, official.id, now=now)
        body = render("notes_review_link", official.language, office=settings.office_name,
                      title=heading, url=url)
        key = f"notes-review-link:{notes.id}:{official.id}:v{notes.version}"
        if _send(uow, official, key=f"{key}:{int(now.timestamp())}" if again else key,
                 body=body, incident_id=notes.incident_id, now=now, purpose="notes_review_link"):
            sent += 1
    if sent:
        audit.record(uow, at=now, actor="coordbot", action="notes.review_links_sent",
                     incident_id=notes.incident_id, notes_id=notes.id, version=notes.version,
                     officials=[o.id for o in (settings.officials if officials is None
                                               else officials)])
    return sent


def send_code(uow: UnitOfWork, *, notes_id: int, official: OfficialSettings, now: datetime,
              settings: Settings) -> str | None:
    """Queues a new code to the official (spending earlier ones); None, or why not."""
    notes = get(uow, notes_id, lock=True)
    recent = uow.notes.codes_since(notes.id, official.id, now - CODE_WINDOW, lock=True)
    if len(recent) >= settings.web_review.codes_per_hour:
        return (f"{len(recent)} codes were sent in the last hour, the most we send. Use the last "
                "one if it has not expired, or try again later.")
    for earlier in recent:
        if earlier.used_at is None:
            earlier.used_at = now  # spent: only the newest code opens the page
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    row = ReviewCode(notes_id=notes.id, official=official.id, code_hash=_code_hash(
        settings, notes.id, official.id, code), created_at=now, attempts=0,
        expires_at=now + timedelta(minutes=settings.web_review.code_ttl_min))
    uow.notes.add_code(row)
    body = render("notes_review_code", official.language, office=settings.office_name, code=code)
    _send(uow, official, key=f"notes-review-code:{row.id}", body=body,
          incident_id=notes.incident_id, now=now, purpose="notes_review_code")
    audit.record(uow, at=now, actor=official.actor, action="notes.review_code_sent",
                 incident_id=notes.incident_id, notes_id=notes.id, code_id=row.id)
    return None


def verify_code(uow: UnitOfWork, *, notes_id: int, official: OfficialSettings, code: str,
                now: datetime, settings: Settings) -> CodeResult:
    """The session for the right code; a wrong one counts a try (commit either way)."""
    notes = get(uow, notes_id, lock=True)
    recent = uow.notes.codes_since(notes.id, official.id, now - CODE_WINDOW, lock=True)
    live = recent[0] if recent else None
    refused = _unusable(live, now, settings)
    if refused is None and live is not None:
        given = "".join(code.split())[:32]
        if not secrets.compare_digest(live.code_hash,
                                      _code_hash(settings, notes.id, official.id, given)):
            live.attempts += 1
            left = settings.web_review.code_attempts - live.attempts
            refused = (f"That code is not right; {left} tries left." if left > 0 else
                       "That code is not right, and that was the last try: ask for a new code.")
    if refused is not None:
        audit.record(uow, at=now, actor=official.actor, action="notes.review_code_refused",
                     incident_id=notes.incident_id, notes_id=notes.id, reason=refused)
        return CodeResult(refused=refused)
    live.used_at = now
    token = secrets.token_urlsafe(32)
    uow.notes.add_session(ReviewSession(
        token_hash=_hash(token), notes_id=notes.id, official=official.id, created_at=now,
        expires_at=now + timedelta(minutes=settings.web_review.session_ttl_min)))
    audit.record(uow, at=now, actor=official.actor, action="notes.review_signed_in",
                 incident_id=notes.incident_id, notes_id=notes.id, code_id=live.id)
    return CodeResult(session_token=token)


def session_official(uow: UnitOfWork, *, notes_id: int, token: str, now: datetime,
                     settings: Settings) -> OfficialSettings | None:
    """The official whose live session on these notes the cookie holds, else None."""
    if not token or len(token) > 128:
        return None
    found = uow.notes.session_by_hash(_hash(token))
    if found is None or found.notes_id != notes_id or found.expires_at <= now:
        return None
    return settings.official(found.official)


def csrf_token(settings: Settings, session_token: str) -> str:
    """The token every form of a session carries: bound to the session, never stored."""
    return links.token(settings, f"csrf:{_hash(session_token)}")


def valid_csrf(settings: Settings, session_token: str, given: str) -> bool:
    """(A non-ASCII token is no token: the constant-time compare takes ASCII text only.)"""
    return given.isascii() and links.valid_token(settings, f"csrf:{_hash(session_token)}", given)


def _unusable(code: ReviewCode | None, now: datetime, settings: Settings) -> str | None:
    if code is None:
        return "No code is waiting for you: ask for one."
    if code.used_at is not None:
        return "That code was already used (or replaced by a newer one): ask for a new code."
    if code.expires_at <= now:
        return "That code has expired: ask for a new code."
    if code.attempts >= settings.web_review.code_attempts:
        return "Too many wrong tries for this code: ask for a new code."
    return None


def _send(uow: UnitOfWork, official: OfficialSettings, *, key: str, body: str,
          incident_id: int, now: datetime, purpose: str) -> bool:
    if official.phone:
        return enqueue(uow, key=key, kind=Kind.SMS, purpose=purpose, incident_id=incident_id,
                       recipient=official.phone, language=official.language, now=now,
                       payload={"body": body}, segments=segments(body).segments)
    return enqueue(uow, key=key, kind=Kind.POST, purpose=purpose, incident_id=incident_id,
                   recipient=official.slack_user, now=now,
                   payload={"channel": official.slack_user, "text": body, "blocks": None})


def _code_hash(settings: Settings, notes_id: int, official_id: str, code: str) -> str:
    return links.token(settings, f"review-code:{notes_id}:{official_id}:{code}")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
