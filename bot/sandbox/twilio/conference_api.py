"""The Conferences and Participants REST API (``CreateParticipant``,
``api.v2010.account.conference[.participant]``, ``ListConferenceResponse``/``ListParticipantResponse``
in the OpenAPI description):

* ``POST Conferences/{ConferenceSid}/Participants.json`` dials a participant out (``ConferenceSid`` may
  be the conference's friendly name: an unknown name creates the conference, status ``init``);
* ``GET Conferences.json`` (``FriendlyName``, ``Status``, ``DateCreated``/``DateUpdated`` with ``<``/``>``);
* ``GET``/``POST Conferences/{Sid}.json`` (fetch; ``Status=completed`` ends it);
* ``GET Conferences/{Sid}/Participants.json`` (live participants only, as Twilio lists them) and
  ``GET Conferences/{Sid}/Participants/{CallSid or Label}.json``.

The routes answer at once; the callbacks a request causes are handed to ``send_later``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import unquote

from .conferences import Conferences
from .faults import Faults
from .records import Effect, EmulatedCall, EmulatedConference, EmulatedParticipant
from .wire import (
    API_VERSION,
    ApiError,
    date_param,
    ignored,
    new_sid,
    not_found,
    page,
    rfc2822,
    text,
    true,
    words,
)

ROUTE = re.compile(r"^/2010-04-01/Accounts/(?P<account>[^/]+)/Conferences"
                   r"(?:/(?P<conference>[^/]+?)(?P<participants>/Participants(?:/(?P<call>[^/]+?))?)?)?"
                   r"\.json$")
_CONFERENCE_SID = re.compile(r"^CF[0-9a-fA-F]{32}$")
_VOICE_ENDPOINT = re.compile(r"^(?:\+[1-9]\d{6,14}|client:[A-Za-z0-9_.-]+|sip:\S+@\S+)$")
# CreateParticipant's request properties in the OpenAPI description, plus the few the SDK also sends
# (RecordingConfigurationId, Passports, Emergency*); anything else is reported as ignored.
_PARTICIPANT_PARAMS = frozenset({
    "From", "To", "StatusCallback", "StatusCallbackMethod", "StatusCallbackEvent", "Label", "Timeout",
    "Record", "Muted", "Beep", "StartConferenceOnEnter", "EndConferenceOnExit", "WaitUrl", "WaitMethod",
    "EarlyMedia", "MaxParticipants", "ConferenceRecord", "ConferenceTrim", "ConferenceStatusCallback",
    "ConferenceStatusCallbackMethod", "ConferenceStatusCallbackEvent", "RecordingChannels",
    "RecordingStatusCallback", "RecordingStatusCallbackMethod", "SipAuthUsername", "SipAuthPassword",
    "Region", "ConferenceRecordingStatusCallback", "ConferenceRecordingStatusCallbackMethod",
    "RecordingStatusCallbackEvent", "ConferenceRecordingStatusCallbackEvent", "Coaching",
    "CallSidToCoach", "JitterBufferSize", "Byoc", "CallerId", "CallReason", "RecordingTrack", "TimeLimit",
    "MachineDetection", "MachineDetectionTimeout", "MachineDetectionSpeechThreshold",
    "MachineDetectionSpeechEndThreshold", "MachineDetectionSilenceTimeout", "AmdStatusCallback",
    "AmdStatusCallbackMethod", "Trim", "CallToken", "ClientNotificationUrl", "CallerDisplayName",
    "RecordingConfigurationId", "Passports",
})
_CONFERENCE_LIST_PARAMS = ("FriendlyName", "Status", "DateCreated", "DateCreated<", "DateCreated>",
                           "DateUpdated", "DateUpdated<", "DateUpdated>", "PageSize")
_PARTICIPANT_LIST_PARAMS = ("Muted", "Hold", "Coaching", "PageSize")


def _dial_out_settings(params: dict) -> tuple[str, str, str]:
    """(To, From, Beep) of a create request; raises Twilio's error for the first thing wrong."""
    to, from_ = text(params, "To"), text(params, "From")
    if to is None:
        raise ApiError(400, 21604)
    if from_ is None:
        raise ApiError(400, 21603)
    if not _VOICE_ENDPOINT.match(to):
        raise ApiError(400, 21211)
    if not _VOICE_ENDPOINT.match(from_):
        raise ApiError(400, 21212)
    try:
        timeout = int(text(params, "Timeout") or 60)
    except ValueError:
        raise ApiError(400, 20001, "Invalid Timeout") from None
    if not 5 <= timeout <= 600:
        raise ApiError(400, 20001, f"Timeout must be between 5 and 600, not {timeout}")
    beep = text(params, "Beep") or "true"
    if beep not in ("true", "false", "onEnter", "onExit"):
        raise ApiError(400, 20001, f"Invalid Beep: {beep}")
    return to, from_, beep


def _dial_out(params: dict, to: str, from_: str, beep: str, conference: str,
              now: datetime) -> tuple[EmulatedCall, EmulatedParticipant]:
    call = EmulatedCall(
        sid=new_sid("CA"), from_=from_, to=to, direction="outbound-api", status="initiated",
        date_created=now, conference=conference, status_callback=text(params, "StatusCallback"),
        status_callback_method=(text(params, "StatusCallbackMethod") or "POST").upper(),
        status_callback_events=frozenset(words(params.get("StatusCallbackEvent")) or ["completed"]))
    participant = EmulatedParticipant(
        call_sid=call.sid, from_=from_, to=to, label=text(params, "Label"), status="queued",
        date_created=now, date_updated=now, muted=true(text(params, "Muted"), False),
        coaching=true(text(params, "Coaching"), False),
        start_conference_on_enter=true(text(params, "StartConferenceOnEnter"), True),
        end_conference_on_exit=true(text(params, "EndConferenceOnExit"), False), beep=beep,
        queue_time="0", params=params)
    return call, participant


def _date_filters(query: dict) -> list[tuple[str, str, object]]:
    """(attribute, operator, day) for each ``DateCreated``/``DateUpdated`` filter given."""
    filters = []
    for name in _CONFERENCE_LIST_PARAMS[2:-1]:
        parsed = date_param(query, name)
        if parsed is not None:
            filters.append(("date_created" if name.startswith("DateCreated") else "date_updated",
                            name[-1] if name[-1] in "<>" else "=", parsed[0].date()))
    return filters


class ConferencesApi:
    """Answers the Conferences and Participants routes. Shares the emulator's ``lock``."""

    def __init__(self, *, account_sid: str, lock: threading.Lock, conferences: Conferences, faults: Faults,
                 send_later: Callable[[list[Effect]], None]):
        self.account_sid = account_sid
        self._lock = lock
        self._conferences = conferences
        self._faults = faults
        self._send_later = send_later

    def route(self, method: str, path: str, match: re.Match, record: dict) -> tuple[int, dict]:
        """Answers a request whose path ``ROUTE`` matched: (HTTP status, JSON body)."""
        reference = unquote(match.group("conference")) if match.group("conference") else None
        if reference is None:
            if method == "GET":
                return 200, self.list_conferences(path, record["query"])
        elif match.group("participants") is None:
            if method == "GET":
                with self._lock:
                    return 200, self.conference_json(self._find_locked(reference, path, by_name=False))
            if method == "POST":
                return 200, self.update_conference(reference, path, record)
        elif match.group("call") is None:
            if method == "POST":
                return 201, self.create_participant(reference, path, record)
            if method == "GET":
                return 200, self.list_participants(reference, path, record["query"])
        elif method == "GET":
            return 200, self.fetch_participant(reference, unquote(match.group("call")), path)
        raise ApiError(405, 20004, "Method not allowed")

    def _find_locked(self, reference: str, path: str, *, by_name: bool) -> EmulatedConference:
        conference = self._conferences.by_sid.get(reference)
        if conference is None and by_name and not _CONFERENCE_SID.match(reference):
            conference = self._conferences.by_name.get(reference)
        if conference is None:
            raise not_found(path)
        return conference

    def _conference_to_dial_into_locked(self, reference: str, path: str, params: dict) -> EmulatedConference:
        """The conference named by sid (which must be live) or by name (created if need be)."""
        if _CONFERENCE_SID.match(reference):
            conference = self._find_locked(reference, path, by_name=False)
            if conference.status == "completed":
                raise ApiError(400, 20001, f"Conference {reference} is completed")
            return conference
        return self._conferences.conference_for_locked(
            reference, text(params, "ConferenceStatusCallback"),
            text(params, "ConferenceStatusCallbackMethod") or "POST",
            words(params.get("ConferenceStatusCallbackEvent")) or ["start", "end"])

    def create_participant(self, reference: str, path: str, record: dict) -> dict:
        params = record["params"]
        unknown = ignored(params, _PARTICIPANT_PARAMS)
        if unknown:
            record["ignored_params"] = unknown
        self._faults.raise_injected(text(params, "To"))
        to, from_, beep = _dial_out_settings(params)
        now = datetime.now(UTC)
        with self._lock:
            self._faults.refuse_invalid_locked(to)
            conference = self._conference_to_dial_into_locked(reference, path, params)
            call, participant = _dial_out(params, to, from_, beep, conference.friendly_name, now)
            self._conferences.add_participant_locked(conference, participant, call)
            payload = self.participant_json(conference, participant, created=True)
            effects = self._conferences.call_event_locked(call, "initiated")
        self._send_later(effects)
        return payload

    def update_conference(self, reference: str, path: str, record: dict) -> dict:
        params = record["params"]
        status = text(params, "Status")
        unknown = ignored(params, {"Status"})  # AnnounceUrl/-Method: not simulated
        if unknown:
            record["ignored_params"] = unknown
        if status not in (None, "completed"):
            raise ApiError(400, 20001, f"Invalid Status: {status}")
        with self._lock:
            conference = self._find_locked(reference, path, by_name=False)
            effects: list[Effect] = []
            if status == "completed" and conference.status != "completed":
                effects = self._conferences.end_via_api_locked(conference)
            payload = self.conference_json(conference)
        self._send_later(effects)
        return payload

    def list_conferences(self, path: str, query: dict) -> dict:
        filters = _date_filters(query)
        friendly_name, status = text(query, "FriendlyName"), text(query, "Status")

        def wanted(conference: EmulatedConference) -> bool:
            if (friendly_name is not None and conference.friendly_name != friendly_name) or (
                    status is not None and conference.status != status):
                return False
            for attribute, operator, day in filters:
                value = getattr(conference, attribute).date()
                if (operator == "=" and value != day) or (operator == "<" and value > day) or (
                        operator == ">" and value < day):
                    return False
            return True

        with self._lock:
            records = [self.conference_json(conference)
                       for conference in reversed(self._conferences.by_sid.values()) if wanted(conference)]
        return page(path, query, "conferences", records, _CONFERENCE_LIST_PARAMS)

    def list_participants(self, reference: str, path: str, query: dict) -> dict:
        flags = {name: text(query, name).lower() == "true" for name in ("Muted", "Hold", "Coaching")
                 if text(query, name) is not None}
        with self._lock:
            conference = self._find_locked(reference, path, by_name=True)
            records = [self.participant_json(conference, participant) for participant in conference.live()
                       if all(getattr(participant, name.lower()) == value for name, value in flags.items())]
        return page(path, query, "participants", records, _PARTICIPANT_LIST_PARAMS)

    def fetch_participant(self, reference: str, call: str, path: str) -> dict:
        """A live participant, by CallSid or label."""
        with self._lock:
            conference = self._find_locked(reference, path, by_name=True)
            for participant in conference.live():
                if call in (participant.call_sid, participant.label):
                    return self.participant_json(conference, participant)
        raise not_found(path)

    def conference_json(self, conference: EmulatedConference) -> dict:
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Conferences/{conference.sid}"
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "call_sid_ending_conference": conference.call_sid_ending_conference,
            "date_created": rfc2822(conference.date_created),
            "date_updated": rfc2822(conference.date_updated),
            "friendly_name": conference.friendly_name,
            "reason_conference_ended": conference.reason_conference_ended,
            "region": "us1",
            "sid": conference.sid,
            "status": conference.status,
            "subresource_uris": {"participants": f"{uri}/Participants.json",
                                 "recordings": f"{uri}/Recordings.json"},
            "uri": f"{uri}.json",
        }

    def participant_json(self, conference: EmulatedConference, participant: EmulatedParticipant, *,
                         created: bool = False) -> dict:
        return {
            "account_sid": self.account_sid,
            "call_sid": participant.call_sid,
            "call_sid_to_coach": None,
            "coaching": participant.coaching,
            "conference_sid": conference.sid,
            "date_created": rfc2822(participant.date_created),
            "date_updated": rfc2822(participant.date_updated),
            "end_conference_on_exit": participant.end_conference_on_exit,
            "hold": participant.hold,
            "label": participant.label,
            "muted": participant.muted,
            "queue_time": participant.queue_time if created else None,
            "start_conference_on_enter": participant.start_conference_on_enter,
            "status": participant.status,
            "uri": f"/{API_VERSION}/Accounts/{self.account_sid}/Conferences/{conference.sid}/Participants/"
                   f"{participant.call_sid}.json",
        }
