"""Live transcription of the bridge, as pure rules: the language each leg is transcribed in, who
a line is attributed to, the caller's answer to the announcement, and Twilio's events read.

Twilio's Real-Time Transcription (``<Start><Transcription>`` before ``<Dial><Conference>``)
transcribes one call leg (``track="inbound_track"``: what that caller says) and POSTs its events
to ``statusCallbackUrl``: ``TranscriptionEvent`` is ``transcription-started``,
``transcription-content``, ``transcription-stopped`` or ``transcription-error``; every event
carries ``AccountSid``, ``CallSid``, ``TranscriptionSid``, ``SequenceId`` (counting the
transcription's events from 1) and ``Timestamp`` (ISO 8601, UTC); a content event adds
``TranscriptionData`` (JSON: ``transcript`` and ``confidence``), ``Final`` (``true`` for a
settled line, ``false`` for a partial one), ``LanguageCode`` and ``Track``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.errors import InvalidInput

# Our directory languages -> the ``languageCode`` of Twilio's transcription (its default engine
# takes BCP-47 codes with a region). Haitian Creole has none: its speakers are transcribed in the
# office's default language (``calls.transcription_language``), which is at least honest about
# what was heard rather than silent; an interpreter on the call is the better record.
LANGUAGE_CODES: dict[str, str] = {
    "en": "en-US", "es": "es-US", "fr": "fr-FR", "pt": "pt-BR", "zh": "zh-CN", "vi": "vi-VN",
    "ko": "ko-KR", "ru": "ru-RU", "ar": "ar-EG", "tl": "fil-PH",
}
DECLINE_KEY = "9"
EVENTS = ("transcription-started", "transcription-content", "transcription-stopped",
          "transcription-error")
CONTENT = "transcription-content"
MAX_TEXT = 20_000  # one utterance; Twilio's lines are a sentence or two
_SID = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")


def language_code(language: str | None, default: str) -> str:
    """``"es"`` -> ``"es-US"``; unknown callers and languages without a code: ``default``."""
    base = (language or "").strip().replace("_", "-").split("-")[0].lower()
    return LANGUAGE_CODES.get(base, default)


def speaker_label(*, name: str | None, organisation: str | None, phone: str | None) -> str:
    """``"Ana Ruiz (Casa Esperanza)"``, or for a caller not in the directory ``"caller ending
    0102"`` (the last four digits only: the notes never carry a full number)."""
    if name:
        return f"{name} ({organisation})" if organisation else name
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    return f"caller ending {digits[-4:]}" if len(digits) >= 4 else "unknown caller"


def declined(digits: str | None) -> bool:
    """The caller pressed the decline key; no key (the announcement timed out) or any other key
    joins them transcribed, as the announcement says."""
    return (digits or "").strip() == DECLINE_KEY


@dataclass(frozen=True)
class TranscriptionEvent:
    """One event Twilio posted; ``text``/``final``/``language`` only for content events."""

    kind: str
    call_sid: str
    transcription_sid: str
    sequence_id: int
    at: datetime | None
    text: str = ""
    final: bool = False
    language: str = ""
    track: str = ""

    @property
    def content(self) -> bool:
        return self.kind == CONTENT


def read_event(form: dict[str, str]) -> TranscriptionEvent:
    """The event in a webhook's parameters; ``InvalidInput`` saying what is wrong otherwise."""
    kind = form.get("TranscriptionEvent", "").strip()
    if kind not in EVENTS:
        raise InvalidInput(f"unknown TranscriptionEvent {kind[:40]!r}")
    call_sid, sid = form.get("CallSid", ""), form.get("TranscriptionSid", "")
    if not _SID.match(call_sid) or not _SID.match(sid):
        raise InvalidInput("CallSid and TranscriptionSid are required")
    sequence = form.get("SequenceId", "").strip()
    if not (sequence.isascii() and sequence.isdigit() and len(sequence) < 10):
        raise InvalidInput("SequenceId must be a number")
    event = TranscriptionEvent(kind, call_sid, sid, int(sequence), _timestamp(form.get("Timestamp")))
    if kind != CONTENT:
        return event
    text = _transcript(form.get("TranscriptionData", ""))
    final = form.get("Final", "").strip().lower()
    if final not in ("true", "false"):
        raise InvalidInput("Final must be true or false")
    return TranscriptionEvent(kind, call_sid, sid, event.sequence_id, event.at, text=text,
                              final=final == "true",
                              language=form.get("LanguageCode", "").strip()[:16],
                              track=form.get("Track", "").strip()[:20])


def _transcript(data: str) -> str:
    try:
        parsed = json.loads(data)
    except ValueError:
        raise InvalidInput("TranscriptionData is not JSON") from None
    text = parsed.get("transcript") if isinstance(parsed, dict) else None
    if not isinstance(text, str):
        raise InvalidInput("TranscriptionData has no transcript")
    return text.strip()[:MAX_TEXT]


def _timestamp(value: str | None) -> datetime | None:
    """Twilio's ISO 8601 ``Timestamp``; None when absent (the time it arrived is used)."""
    if not value or not value.strip():
        return None
    try:
        at = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput("Timestamp is not an ISO 8601 time") from None
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC)


def offset_s(spoken_at: datetime, starts_at: datetime) -> int:
    """Seconds from the call's scheduled start to the line; negative for talk before the start
    (the bridge opens early)."""
    return int((spoken_at - starts_at).total_seconds())


def transcribed(requested: bool | None, *, bridge: str, default: bool) -> bool:
    """Whether a call is transcribed: as its schedule says, else the office's default; only the
    phone bridge the bot hosts can be (a meeting link's audio never reaches us)."""
    if requested and bridge != "twilio":
        raise InvalidInput("Only calls on the bot's phone bridge can be transcribed; leave out "
                           "`transcribe` or the meeting link.",
                           "/incident call schedule tomorrow 3pm ET transcribe")
    return bridge == "twilio" and (default if requested is None else requested)
