"""What a message call says and what its keys and outcomes mean. Pure rules, no I/O.

A message call reads the same text as the SMS it stands in for, without what only makes sense
in a text: the "Reply STOP" line and "Reply 1 = yes, 2 = no …" (the call's own menu says which
keys to press instead).
"""

from __future__ import annotations

import re
from enum import StrEnum

RSVP_KEYS = {"1": "yes", "2": "no", "3": "maybe"}
REPEAT_KEY = "9"
STOP_CALLS_KEY = "0"
# Key prefixes of the messages whose call asks for an RSVP (invitations, changed times).
RSVP_CAUSES = ("invite:", "reschedule:")
# Texts that fall back to a call when Twilio says the number is a landline (outbox purposes).
FALLBACK_PURPOSES = ("incident_notice", "invite")
FALLBACK_SUFFIX = ":voice"
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s*")
# The digits of an RSVP instruction, each standing alone (not inside a phone number or a PIN).
_RSVP_DIGITS = tuple(re.compile(rf"(?<!\d){digit}(?!\d)") for digit in RSVP_KEYS)


class Outcome(StrEnum):
    """How a message call ended (the outbox row's final status)."""
    ANSWERED = "answered"
    VOICEMAIL = "voicemail"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"


# Why a call that failed for good would fail again (``coordbot messages retry`` and the report's
# *Retry these* never queue it again): Twilio's refusals of the number when the call is created
# (CreateCall, or CreateParticipant for a dial-out), and a call whose final status was ``failed``
# (Twilio could not connect it, most often because the number does not exist) or that a fax
# answered, both recorded as the outcome ``failed``.
CALL_REFUSALS = {
    "21211": "not a valid number",  # invalid 'To' phone number
    "21217": "not a valid number",  # the phone number does not appear to be valid
    "13224": "not a valid number",  # Twilio does not support calling this number or it is invalid
    "21215": "calls to that country are not enabled",  # the account's geographic permissions
    "failed": "the call could not be connected (no such number, or a fax)",
}
# The outbox kinds of phone calls (``bot.outbox.kinds``: a message call and a dial-out).
CALL_KINDS = ("voice.message", "voice.dial_out")


def never_called_again(code: str | None) -> str | None:
    """Why a failed call must not be queued again (a refusal that cannot change), else None:
    ``gave_up`` (no answer from Twilio), ``voice_not_configured`` and Twilio's own errors may
    well succeed later."""
    return CALL_REFUSALS.get(code or "")


# Outcomes worth calling again (within ``voice.max_tries``).
RETRIED = frozenset({Outcome.NO_ANSWER, Outcome.BUSY})
# (status, what the delivery summary calls it), in the order shown.
OUTCOME_LABELS = ((Outcome.ANSWERED, "answered"), (Outcome.VOICEMAIL, "left on voicemail"),
                  (Outcome.NO_ANSWER, "no answer"), (Outcome.BUSY, "busy"))


def spoken(body: str) -> str:
    """An SMS text as a call reads it: no "Reply STOP" line, and no sentence that gives the
    reply digits ("Reply 1 = yes, 2 = no, 3 = maybe.", "Responda 1 o SÍ, 2 o NO …": every
    catalog's instruction has 1, 2 and 3 standing alone)."""
    lines = [line.strip() for line in body.splitlines() if "STOP" not in line and line.strip()]
    sentences = [part for line in lines for part in _SENTENCE_END.split(line) if part]
    kept = [s for s in sentences if not all(digit.search(s) for digit in _RSVP_DIGITS)]
    return " ".join(kept)


def asks_for_rsvp(key: str) -> bool:
    return key.startswith(RSVP_CAUSES)


def is_machine(answered_by: str | None) -> bool:
    """Twilio's ``AnsweredBy``: ``machine_start``, ``machine_end_beep``, ``machine_end_silence``,
    ``machine_end_other`` are answering machines; ``fax`` is a fax; ``human`` and ``unknown``
    are treated as a person (an unknown answer still hears the message and the menu)."""
    return (answered_by or "").startswith("machine")


def outcome(call_status: str, answered_by: str | None) -> Outcome | None:
    """What a final call status (``CallStatus`` of the ``completed`` callback) means; None for
    one that is not final. A fax that answered is a failure: nobody heard the message."""
    if call_status == "completed":
        if answered_by == "fax":
            return Outcome.FAILED
        return Outcome.VOICEMAIL if is_machine(answered_by) else Outcome.ANSWERED
    return {"busy": Outcome.BUSY, "no-answer": Outcome.NO_ANSWER, "failed": Outcome.FAILED,
            "canceled": Outcome.FAILED}.get(call_status)
