"""What the emulator keeps in memory (messages, calls, conferences, participants), what a caller heard,
and what a change to a conference causes.

The records are plain mutable dataclasses that tests read directly (under the emulator's ``lock``).
The effects are frozen: a conference join, leave or end decides under the lock what must follow, and
the voice thread carries it out after the lock is released, so no webhook is sent while it is held.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

LIVE = frozenset({"queued", "connecting", "ringing", "connected"})  # participant_enum_status


@dataclass
class EmulatedMessage:
    sid: str
    to: str
    from_: str | None
    messaging_service_sid: str | None
    body: str
    status: str
    status_callback: str | None
    num_segments: int
    error_code: int | None
    date_created: datetime
    direction: str  # "outbound-api" or "inbound"
    date_updated: datetime | None = None
    date_sent: datetime | None = None
    error_message: str | None = None
    price: str | None = None
    media_urls: list[str] = field(default_factory=list)
    params: dict = field(default_factory=dict)  # the create request's form parameters


@dataclass
class EmulatedCall:
    sid: str
    from_: str
    to: str
    direction: str  # "inbound" (place_call) or "outbound-api" (a dial-out participant)
    status: str  # initiated, ringing, in-progress, completed, busy, no-answer, failed, canceled
    date_created: datetime
    start_time: datetime | None = None
    end_time: datetime | None = None
    conference: str | None = None  # friendly name of the conference the call joined or was dialled into
    status_callback: str | None = None  # call-progress callbacks (dial-outs)
    status_callback_method: str = "POST"
    status_callback_events: frozenset[str] = frozenset({"completed"})
    sequence: int = 0
    # Outbound calls placed with ``POST Calls.json``: the TwiML to fetch on answer, answering
    # machine detection (``Enable``/``DetectMessageEnd``, in the background when ``async_amd``),
    # and what detection found (``human``, ``machine_end_beep``, ``fax`` …).
    url: str | None = None
    method: str = "POST"
    machine_detection: str | None = None
    async_amd: bool = False
    amd_callback: str | None = None
    amd_callback_method: str = "POST"
    answered_by: str | None = None
    timeout_s: int = 60


@dataclass
class EmulatedParticipant:
    call_sid: str
    from_: str
    to: str
    label: str | None
    status: str  # participant_enum_status: queued, connecting, ringing, connected, complete, failed
    date_created: datetime
    date_updated: datetime
    muted: bool = False
    hold: bool = False
    coaching: bool = False
    start_conference_on_enter: bool = True
    end_conference_on_exit: bool = False
    beep: str = "true"
    joined_at: datetime | None = None
    left_at: datetime | None = None
    queue_time: str | None = None
    params: dict = field(default_factory=dict)  # the create request's parameters, or the TwiML attributes


@dataclass
class EmulatedConference:
    sid: str
    friendly_name: str
    status: str  # conference_enum_status: init, in-progress, completed
    date_created: datetime
    date_updated: datetime
    status_callback: str | None = None  # set by whoever created the conference, as Twilio does
    status_callback_method: str = "POST"
    status_callback_events: frozenset[str] = frozenset({"start", "end"})
    participants: list[EmulatedParticipant] = field(default_factory=list)  # everyone, in join order
    reason_conference_ended: str | None = None
    call_sid_ending_conference: str | None = None
    sequence: int = 0
    anyone_joined: bool = False

    def live(self) -> list[EmulatedParticipant]:
        return [p for p in self.participants if p.status in LIVE]


@dataclass(frozen=True)
class Spoken:
    """What a caller heard: ``<Say>`` (text, language, voice), ``<Play>`` (text = URL) or ``<Pause>``
    (text = length in seconds)."""
    verb: str
    text: str
    language: str | None = None
    voice: str | None = None


@dataclass(frozen=True)
class SendWebhook:
    """A signed voice webhook to send: a conference status callback (``kind="conference"``) or a
    call-progress callback (``kind="call-status"``)."""
    kind: str
    url: str
    method: str
    params: dict
    call_sid: str | None
    conference_sid: str | None = None  # conference callbacks only

    def tags(self) -> dict:
        """What the record of the sent webhook carries besides the request itself."""
        if self.kind == "conference":
            return {"conference_sid": self.conference_sid, "call_sid": self.call_sid}
        return {"call_sid": self.call_sid}


@dataclass(frozen=True)
class ResumeCaller:
    """A caller's conference ended under them: their ``<Dial action>``, or the TwiML after ``<Dial>``,
    runs next."""
    call_sid: str


Effect = SendWebhook | ResumeCaller
