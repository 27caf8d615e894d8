"""Conference, participant and call state, and what each change causes.

A conference's status callbacks (``conference-start``, ``participant-join``, ``participant-leave``,
``conference-end``) go to the statusCallback of the participant who created it (only the first
participant's is used, as Twilio does); a dial-out's call-progress callbacks (``initiated``,
``ringing``, ``answered``, ``completed``) to its own ``StatusCallback``.

Where Twilio's documentation says nothing the emulator makes a documented choice:
``participant-join`` is sent before the ``conference-start`` it causes; ``conference-end`` is sent
when a conference anyone joined completes (started or not); a dial-out that never connected ends
with a call-progress callback only (no ``participant-leave``); call-progress callbacks carry
``CallStatus`` initiated|ringing|in-progress|completed|busy|no-answer|failed|canceled and, when
completed, ``CallDuration``.

Methods named ``*_locked`` expect the caller to hold the emulator's ``lock``; the others take it.
None sends anything: each returns the :data:`~.records.Effect` list its change caused, for the voice
thread to carry out once the lock is released.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

from .records import (
    LIVE,
    Effect,
    EmulatedCall,
    EmulatedConference,
    EmulatedParticipant,
    ResumeCaller,
    SendWebhook,
)
from .wire import API_VERSION, bool_text, new_sid, rfc2822

_CONFERENCE_EVENTS = {"conference-start": "start", "conference-end": "end",
                      "participant-join": "join", "participant-leave": "leave"}
_UNANSWERED = ("queued", "connecting", "ringing")


class Conferences:
    """Every conference (by friendly name: the latest one; and by sid), every call (inbound and
    dial-outs) and which conference each call's participant is in."""

    def __init__(self, *, account_sid: str, lock: threading.Lock):
        self.account_sid = account_sid
        self._lock = lock
        self.by_name: dict[str, EmulatedConference] = {}
        self.by_sid: dict[str, EmulatedConference] = {}
        self.calls: dict[str, EmulatedCall] = {}  # by CallSid
        self._participants: dict[str, tuple[EmulatedConference, EmulatedParticipant]] = {}  # by CallSid
        # What else a call's end causes (its live transcriptions stop): set by the emulator.
        self.on_call_end: Callable[[EmulatedCall], list[Effect]] = lambda call: []

    # ----- what tests drive (each takes the lock) ------------------------------------------------
    def answer(self, call_sid: str) -> list[Effect]:
        """The dial-out rings, is answered and joins its conference."""
        with self._lock:
            conference, participant, call = self._dial_out_locked(call_sid)
            if participant.status not in _UNANSWERED or conference.status == "completed":
                raise RuntimeError(f"{call_sid} cannot be answered: participant {participant.status}, "
                                   f"conference {conference.status}")
            call.status = "ringing"
            effects = self.call_event_locked(call, "ringing")
            call.status, call.start_time = "in-progress", datetime.now(UTC)
            effects += self.call_event_locked(call, "answered")
            effects += self.join_locked(conference, participant)
        return effects

    def hang_up_dial_out(self, call_sid: str) -> list[Effect]:
        with self._lock:
            conference, participant, call = self._dial_out_locked(call_sid)
            if participant.status != "connected":
                raise RuntimeError(f"{call_sid} is not in the conference ({participant.status})")
            effects = self.leave_locked(conference, participant, "participant_hung_up", "completed")
            effects += self.finish_call_locked(call, "completed")
        return effects

    def fail_dial_out(self, call_sid: str, status: str) -> list[Effect]:
        """The dial-out is never connected; its call ends with ``status``."""
        with self._lock:
            conference, participant, call = self._dial_out_locked(call_sid)
            if participant.status not in _UNANSWERED:
                raise RuntimeError(f"{call_sid} is already {participant.status}")
            effects = self.leave_locked(conference, participant, "participant_add_failed", status)
            effects += self.finish_call_locked(call, status)
        return effects

    def end_by_name(self, name: str) -> list[Effect]:
        """Ends the live conference ``name`` as ``Status=completed`` on the REST API does."""
        with self._lock:
            conference = self.by_name.get(name)
            if conference is None or conference.status == "completed":
                raise KeyError(f"no live conference named {name!r}")
            return self.end_via_api_locked(conference)

    def _dial_out_locked(self, call_sid: str) -> tuple[EmulatedConference, EmulatedParticipant, EmulatedCall]:
        found = self._participants.get(call_sid)
        call = self.calls.get(call_sid)
        if found is None or call is None or call.direction != "outbound-api":
            raise KeyError(f"no dial-out participant {call_sid}")
        return found[0], found[1], call

    # ----- state changes (the caller holds the lock) ---------------------------------------------
    def conference_for_locked(self, name: str, callback: str | None, method: str,
                              events: list[str]) -> EmulatedConference:
        """The live conference ``name``, or a new one whose status callback is the creator's."""
        conference = self.by_name.get(name)
        if conference is None or conference.status == "completed":
            now = datetime.now(UTC)
            conference = EmulatedConference(
                sid=new_sid("CF"), friendly_name=name, status="init", date_created=now, date_updated=now,
                status_callback=callback, status_callback_method=method.upper(),
                status_callback_events=frozenset(events))
            self.by_name[name] = conference
            self.by_sid[conference.sid] = conference
        return conference

    def add_participant_locked(self, conference: EmulatedConference, participant: EmulatedParticipant,
                               call: EmulatedCall | None = None) -> None:
        """Puts ``participant`` (and, for a dial-out, its new ``call``) into ``conference``."""
        conference.participants.append(participant)
        if call is not None:
            conference.date_updated = participant.date_created
            self.calls[call.sid] = call
        self._participants[participant.call_sid] = (conference, participant)

    def join_locked(self, conference: EmulatedConference, participant: EmulatedParticipant) -> list[Effect]:
        now = datetime.now(UTC)
        participant.status, participant.joined_at, participant.date_updated = "connected", now, now
        conference.anyone_joined = True
        conference.date_updated = now
        effects = self._conference_event_locked(conference, "participant-join", participant)
        if conference.status == "init" and participant.start_conference_on_enter:
            conference.status = "in-progress"
            effects += self._conference_event_locked(conference, "conference-start")
        return effects

    def hang_up_caller_locked(self, call: EmulatedCall) -> list[Effect]:
        """The caller ``call`` hangs up: it leaves its conference, if in one, and completes."""
        found = self._participants.get(call.sid)
        effects: list[Effect] = []
        if found is not None and found[1].status in LIVE:
            effects = self.leave_locked(found[0], found[1], "participant_hung_up", "completed")
        return effects + self.finish_call_locked(call, "completed")

    def leave_locked(self, conference: EmulatedConference, participant: EmulatedParticipant, reason: str,
                     call_status: str) -> list[Effect]:
        """``participant`` leaves (hung up, or never connected); the conference may end with it."""
        now = datetime.now(UTC)
        connected = participant.status == "connected"
        participant.status = "complete" if connected else "failed"
        participant.left_at = participant.date_updated = conference.date_updated = now
        effects: list[Effect] = []
        if connected:
            effects += self._conference_event_locked(conference, "participant-leave", participant,
                                                     ReasonParticipantLeft=reason,
                                                     ParticipantCallStatus=call_status)
        if conference.status == "completed":
            return effects
        if connected and participant.end_conference_on_exit:
            effects += self._end_locked(conference, "participant-with-end-conference-on-exit-left",
                                        participant, "moderator_ended_conference")
        elif not conference.live():
            effects += self._end_locked(conference, "last-participant-left",
                                        participant if connected else None, None)
        return effects

    def end_via_api_locked(self, conference: EmulatedConference) -> list[Effect]:
        return self._end_locked(conference, "conference-ended-via-api", None, "conference_ended_via_api")

    def _end_locked(self, conference: EmulatedConference, reason: str, ending: EmulatedParticipant | None,
                    participant_reason: str | None) -> list[Effect]:
        """Ends the conference: the others leave (callers resume their TwiML, dial-outs hang up or are
        canceled), then ``conference-end``."""
        now = datetime.now(UTC)
        effects: list[Effect] = []
        resumes: list[Effect] = []
        for participant in conference.live():
            call = self.calls.get(participant.call_sid)
            connected = participant.status == "connected"
            participant.status = "complete" if connected else "failed"
            participant.left_at = participant.date_updated = now
            if connected:
                effects += self._conference_event_locked(conference, "participant-leave", participant,
                                                         ReasonParticipantLeft=participant_reason,
                                                         ParticipantCallStatus="completed")
            if call is not None and call.direction == "inbound":  # a caller, following TwiML
                resumes.append(ResumeCaller(call.sid))
            elif call is not None:
                effects += self.finish_call_locked(call, "completed" if connected else "canceled")
        conference.status, conference.date_updated = "completed", now
        conference.reason_conference_ended = reason
        conference.call_sid_ending_conference = ending.call_sid if ending is not None else None
        if conference.anyone_joined:
            effects += self._conference_event_locked(
                conference, "conference-end", None, ReasonConferenceEnded=reason,
                CallSidEndingConference=ending.call_sid if ending is not None else None,
                ParticipantLabelEndingConference=ending.label if ending is not None else None)
        return effects + resumes

    def finish_call_locked(self, call: EmulatedCall, status: str) -> list[Effect]:
        if call.end_time is not None:
            return []
        call.status, call.end_time = status, datetime.now(UTC)
        return self.call_event_locked(call, "completed") + self.on_call_end(call)

    # ----- callbacks -----------------------------------------------------------------------------
    def _conference_event_locked(self, conference: EmulatedConference, event: str,
                                 participant: EmulatedParticipant | None = None, **extra) -> list[Effect]:
        if (not conference.status_callback
                or _CONFERENCE_EVENTS[event] not in conference.status_callback_events):
            return []
        conference.sequence += 1
        params = {"AccountSid": self.account_sid, "ConferenceSid": conference.sid,
                  "FriendlyName": conference.friendly_name, "SequenceNumber": str(conference.sequence),
                  "StatusCallbackEvent": event, "Timestamp": rfc2822(datetime.now(UTC))}
        if participant is not None:
            params.update(_participant_params(participant))
        params.update({name: value for name, value in extra.items() if value is not None})
        return [SendWebhook("conference", conference.status_callback, conference.status_callback_method,
                            params, call_sid=params.get("CallSid"), conference_sid=conference.sid)]

    def call_event_locked(self, call: EmulatedCall, event: str) -> list[Effect]:
        """A call-progress callback (``initiated``, ``ringing``, ``answered``, ``completed``) if asked for."""
        if not call.status_callback or event not in call.status_callback_events:
            return []
        call.sequence += 1
        params = {"AccountSid": self.account_sid, "ApiVersion": API_VERSION, "CallSid": call.sid,
                  "CallStatus": call.status, "Called": call.to, "Caller": call.from_,
                  "CallbackSource": "call-progress-events", "Direction": call.direction, "From": call.from_,
                  "SequenceNumber": str(call.sequence - 1), "Timestamp": rfc2822(datetime.now(UTC)),
                  "To": call.to}
        if call.answered_by and not call.async_amd:  # synchronous detection: on every callback
            params["AnsweredBy"] = call.answered_by
        if event == "completed":
            started = call.start_time or call.end_time or call.date_created
            seconds = str(max(0, int(((call.end_time or started) - started).total_seconds())))
            params["CallDuration"] = params["Duration"] = seconds
        return [SendWebhook("call-status", call.status_callback, call.status_callback_method, params,
                            call_sid=call.sid)]


def _participant_params(participant: EmulatedParticipant) -> dict:
    params = {"CallSid": participant.call_sid, "Coaching": bool_text(participant.coaching),
              "EndConferenceOnExit": bool_text(participant.end_conference_on_exit),
              "Hold": bool_text(participant.hold), "Muted": bool_text(participant.muted),
              "StartConferenceOnEnter": bool_text(participant.start_conference_on_enter)}
    if participant.label:
        params["ParticipantLabel"] = participant.label
    return params
