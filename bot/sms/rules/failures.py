"""What an SMS that failed for good means: the number's state, the plain reason, its cause.

``TWILIO_ERRORS`` is the one table of what Twilio's error codes (its error dictionary) say about
a number, whether the code comes with a refused send or with a status callback. None of these
can change on a retry: the same text to the same number is refused again, so they are never
re-queued.

An SMS's idempotency key names its cause and then its recipient (``notice:2:51`` is notice 2 to
contact 51; ``reminder:3:v1:60:51`` the 60-minute reminder of call 3), so the key without its
last part is the cause that the failures of one send are grouped by.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from bot.voice.rules import CALL_KINDS, never_called_again


class NumberIs(Enum):
    """What an error code says about the number (``Contact.phone_status``, or the opt-out list)."""
    OPTED_OUT = "opted_out"
    LANDLINE = "landline"
    INVALID = "invalid"
    UNREACHABLE = "unreachable"


TWILIO_ERRORS = {
    "21610": NumberIs.OPTED_OUT,    # the recipient replied STOP: until they text START
    "21614": NumberIs.LANDLINE,     # 'To' is not a valid mobile number
    "30006": NumberIs.LANDLINE,     # landline or unreachable carrier
    "21211": NumberIs.INVALID,      # invalid 'To' phone number
    "30005": NumberIs.INVALID,      # unknown destination handset (the number does not exist)
    "30003": NumberIs.UNREACHABLE,  # unreachable destination handset
}
OPTED_OUT_CODE = "21610"
# Our own opt-out list (the person texted STOP to us): the row is ``suppressed``, never sent.
STOPPED_CODE = "opted_out"

REASONS = {
    NumberIs.OPTED_OUT: "opted out through their carrier",
    NumberIs.LANDLINE: "landline: cannot receive texts",
    NumberIs.INVALID: "not a valid number",
    NumberIs.UNREACHABLE: "phone unreachable (off or out of coverage)",
}
OTHER_REASONS = {
    STOPPED_CODE: "texted STOP to us",
    "sms_not_configured": "SMS is not configured (no Twilio account)",
    "30007": "blocked as spam by the carrier",
    "21408": "texts to that country are not enabled",
    "expired": "expired: its moment had passed before the sender's budget reached it",
    "30036": "expired in Twilio's queue (its validity period ran out)",
}
# (key prefix, what the coordinator calls it); the first match wins.
CAUSES = (
    ("notice:", "SMS notice"), ("invite:", "call invitation"), ("reminder:", "call reminder"),
    ("cancel:", "call cancellation"), ("reschedule:", "call change"),
    ("action-assigned:", "action item text"), ("action-remind:", "action item reminder"),
    ("notes-sms:", "call notes summary"),
)


@dataclass(frozen=True)
class FailedText:
    """One person a text did not reach: their name in the directory (if any), number, why."""
    name: str | None
    phone: str | None
    reason: str


@dataclass(frozen=True)
class FailureReport:
    """What a failure report says, read when it is sent: the first people by name, the total,
    and the outbox statuses of the texts it tells (for the command that lists them all)."""
    what: str
    incident_key: str | None
    people: Sequence[FailedText]
    total: int
    statuses: Sequence[str]
    # How many of them a retry could deliver (the rest are refusals that cannot change).
    retryable: int = 0


def never_retried(kind: str, status: str, code: str | None) -> str | None:
    """Why a message must not be queued again (a refusal that cannot change), else None; for a
    phone call, the voice rules' (``bot.voice.rules.never_called_again``)."""
    if status == "suppressed":
        return "the recipient opted out"
    if status == "expired":
        return "it expired: its moment had passed"
    if kind in CALL_KINDS:
        return never_called_again(code)
    if kind != "sms":
        return None
    if code in TWILIO_ERRORS or code == STOPPED_CODE:
        return reason(code, attempts=1)
    return None


def skipped_summary(reasons: Counter[str]) -> str:
    """``Skipped 3 that a retry would not deliver: 2 landline: …, 1 …`` (most common first);
    the same words for ``coordbot messages retry`` and the report's *Retry these*."""
    return (f"Skipped {sum(reasons.values())} that a retry would not deliver: "
            + ", ".join(f"{count} {why}" for why, count in reasons.most_common()) + ".")


def reason(code: str | None, *, attempts: int, undelivered: bool = False) -> str:
    """Why a text did not arrive, in the words a coordinator uses (``undelivered``: Twilio took
    it and the carrier's status callback said it did not arrive)."""
    meaning = TWILIO_ERRORS.get(code or "")
    if meaning is not None:
        return REASONS[meaning]
    if code in OTHER_REASONS:
        return OTHER_REASONS[code]
    if undelivered:
        return f"the carrier did not deliver it (error {code or 'unknown'})"
    if code == "gave_up" or attempts > 1:
        return f"did not deliver after {attempts} attempt{'s' if attempts != 1 else ''}"
    return f"refused by Twilio (error {code or 'unknown'})"


def cause_of(key: str) -> str:
    """The send a message belongs to: its key without the recipient (``notice:2:51`` ->
    ``notice:2``); a key of one or two parts is its own cause."""
    head, _, _ = key.rpartition(":")
    return head if head.count(":") >= 1 else key


def cause_label(cause: str) -> str:
    """``notice:2`` -> ``SMS notice 2``; ``invite:3`` -> ``call invitation``."""
    for prefix, label in CAUSES:
        if cause.startswith(prefix):
            number = cause[len(prefix):].split(":")[0]
            return f"{label} {number}" if prefix == "notice:" else label
    return f"text ({cause})"
