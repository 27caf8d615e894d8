"""Twilio's webhook parameters read defensively, after the signature check.

A signed request is Twilio's, but its values still reach the database: a NUL (which PostgreSQL
refuses in text), a ``From`` longer than a phone column, a status no column can hold, or a
missing field must never become a 500 (for an inbound SMS a 500 lost the message, and Twilio
does not send it again). So every value is made storable and bounded here, by what its column
holds, and a SID that cannot be Twilio's is treated as absent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from bot.storable import storable

SID_FIELDS = ("MessageSid", "SmsSid", "CallSid", "ConferenceSid", "AccountSid")
SID_LENGTH = 64  # the columns holding a SID
CUT = {"From": 20, "To": 20, "ErrorCode": 16, "Digits": 32, "FriendlyName": 64,
       "StatusCallbackEvent": 40, "Body": 20_000}
WORDS = {"MessageStatus": 16, "SmsStatus": 16}  # too long to be Twilio's: no status at all


def cleaned(form: Mapping[str, str]) -> dict[str, str]:
    """The form with every value storable, each known field within its column's size."""
    out = {storable(key): storable(value) for key, value in form.items()}
    for name in SID_FIELDS:
        value = out.get(name, "")
        if len(value) > SID_LENGTH or not value.isascii() or not value.isalnum():
            out[name] = ""
    for name, limit in CUT.items():
        if name in out:
            out[name] = out[name][:limit]
    for name, limit in WORDS.items():
        if len(out.get(name, "")) > limit:
            out[name] = ""
    return out


def message_sid(form: Mapping[str, str]) -> str:
    """The MessageSid, or for a message without a usable one a SID derived from its content, so
    that it is stored all the same (and a retry of it is still recognised as one)."""
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    if sid:
        return sid
    content = "\n".join(f"{name}={form[name]}" for name in sorted(form))
    return "XX" + hashlib.sha256(content.encode("utf-8", "replace")).hexdigest()[:32]


def attempt(text: str | None, *, last: int) -> int:
    """The PIN attempt number from our own action URL: a damaged one counts as the first, one
    past the last as the last (so the caller is told goodbye, as after the last attempt)."""
    value = (text or "").strip()
    if not (value.isascii() and value.isdigit()):
        return 1
    return last if len(value) > 3 else min(max(int(value), 1), last)


def number(text: str | None) -> int | None:
    """A row id from our own URL's query (``m``, ``c``); None when it is not a number."""
    value = (text or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 12 else None
