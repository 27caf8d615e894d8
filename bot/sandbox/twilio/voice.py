"""The voice simulation: incoming calls that follow an application's TwiML, and the drivers tests use
to play the people on the phone.

An outbound call placed with ``POST Calls.json`` rings until :meth:`VoiceSimulation.answer_call`
(who answered: a person or a machine) or :meth:`VoiceSimulation.fail_call`; once answered it
follows its TwiML exactly as an incoming call does.

A call placed with :meth:`VoiceSimulation.place_call` requests its voice webhook as Twilio does and
follows the TwiML it returns (``<Say>``/``<Play>``/``<Pause>``, ``<Gather>`` for DTMF, ``<Redirect>``,
``<Hangup/>``, ``<Dial><Conference>``, ``<Start><Transcription>``: :mod:`.transcriptions`) as a
:class:`CallSession`. Where Twilio's documentation says
nothing the emulator makes a documented choice: the action of a ``<Gather>`` gets ``Digits``; a
``<Dial>``'s ``action`` gets ``DialCallStatus=completed`` when the conference ends.

Everything runs on the one voice thread, in order; a driver returns once everything it caused has
been delivered. Do not call a driver from inside a webhook handler the emulator is waiting on: use
the REST API there, as an application would.
"""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin

from .callbacks import VoiceThread
from .conferences import Conferences
from .records import Effect, EmulatedCall, EmulatedParticipant, ResumeCaller, SendWebhook, Spoken
from .transcriptions import Transcriptions
from .twiml import HEARD, call_params, gathering, keyed, spoken
from .wire import new_sid, true, words

_MAX_TWIML_DOCUMENTS = 50  # documents fetched in a row without waiting for the caller: a Redirect loop
_APPLICATION_ERROR = "We are sorry, an application error has occurred. Goodbye."


@dataclass(frozen=True)
class Rest:
    """The TwiML left to run after a verb that waits: a ``<Gather>`` (for digits) or a ``<Dial>``
    (for its conference to end; ``dial`` is that verb, for its ``action``)."""
    verbs: list[ET.Element]
    document_url: str
    dial: ET.Element | None = None


class CallSession:
    """An incoming call started by ``TwilioEmulator.place_call``, following the app's TwiML.

    ``twiml`` holds every document received, ``spoken`` what the caller heard, ``conference`` the name
    of the conference joined (or None), ``gathering`` the pending ``<Gather>`` (action, method,
    num_digits, finish_on_key, timeout, input) while the call waits for ``press()``, ``requests`` the
    webhooks the call made and ``errors`` what went wrong (an error ends the call, as on Twilio).
    ``after_gather`` and ``after_dial`` are where the call resumes; the simulation keeps them.
    """

    def __init__(self, voice: VoiceSimulation, call: EmulatedCall, voice_url: str):
        self.voice = voice
        self.call = call
        self.voice_url = voice_url
        self.twiml: list[str] = []
        self.spoken: list[Spoken] = []
        self.requests: list[dict] = []
        self.errors: list[str] = []
        self.ignored: list[str] = []  # verbs the emulator does not simulate, skipped
        self.conference: str | None = None
        self.gathering: dict | None = None
        self.after_gather: Rest | None = None
        self.after_dial: Rest | None = None

    @property
    def call_sid(self) -> str:
        return self.call.sid

    @property
    def status(self) -> str:
        return self.call.status

    @property
    def ended(self) -> bool:
        return self.call.end_time is not None

    @property
    def in_conference(self) -> bool:
        return self.after_dial is not None and not self.ended

    def said(self) -> list[str]:
        """The text of every ``<Say>`` heard so far."""
        return [item.text for item in self.spoken if item.verb == "Say"]

    def press(self, digits: str) -> None:
        """The caller keys ``digits`` into the pending ``<Gather>``; its action is requested."""
        self.voice.press(self, digits)

    def no_input(self) -> None:
        """The pending ``<Gather>`` times out with no digits: the TwiML after it runs."""
        self.voice.no_input(self)

    def hang_up(self) -> None:
        """The caller hangs up (leaving the conference, if in one)."""
        self.voice.hang_up(self)

    def __repr__(self) -> str:
        return f"<CallSession {self.call.sid} {self.call.from_}->{self.call.to} {self.call.status}>"


class VoiceSimulation:
    """Calls in progress and the drivers that move them on. Shares the emulator's ``lock``."""

    def __init__(self, *, account_sid: str, lock: threading.Lock, conferences: Conferences,
                 thread: VoiceThread, transcriptions: Transcriptions):
        self.account_sid = account_sid
        self._lock = lock
        self._conferences = conferences
        self._thread = thread
        self._transcriptions = transcriptions
        self.sessions: dict[str, CallSession] = {}  # by CallSid: inbound calls, answered outbound ones

    # ----- drivers -------------------------------------------------------------------------------
    def place_call(self, *, voice_url: str, from_: str, to: str, method: str = "POST") -> CallSession:
        now = datetime.now(UTC)
        call = EmulatedCall(sid=new_sid("CA"), from_=from_, to=to, direction="inbound", status="ringing",
                            date_created=now)
        session = CallSession(self, call, voice_url)
        with self._lock:
            self._conferences.calls[call.sid] = call
            self.sessions[call.sid] = session
        self._thread.run(lambda: self._follow(session, voice_url, method.upper(), None, 0))
        return session

    def press(self, session: CallSession, digits: str) -> None:
        self._thread.run(lambda: self._press(session, digits))

    def no_input(self, session: CallSession) -> None:
        self._thread.run(lambda: self._no_input(session))

    def hang_up(self, session: CallSession) -> None:
        self._thread.run(lambda: self._hang_up(session))

    def answer(self, call_sid: str) -> None:
        self._drive(lambda: self._conferences.answer(call_sid))

    def answer_call(self, call_sid: str, answered_by: str) -> CallSession:
        """An outbound call (``POST Calls.json``) is answered by ``answered_by`` (``human``,
        ``machine_end_beep``, ``fax`` …, what machine detection reports) and follows its TwiML."""
        return self._thread.run(lambda: self._answer_call(call_sid, answered_by))

    def fail_call(self, call_sid: str, status: str) -> None:
        """An outbound call is never answered: it ends ``no-answer``, ``busy`` or ``failed``."""
        if status not in ("no-answer", "busy", "failed", "canceled"):
            raise ValueError(f"not a final call status for an unanswered call: {status}")
        self._drive(lambda: self._fail_call(call_sid, status))

    def hang_up_participant(self, call_sid: str) -> None:
        session = self.sessions.get(call_sid)
        if session is not None:
            session.hang_up()
            return
        self._drive(lambda: self._conferences.hang_up_dial_out(call_sid))

    def fail_participant(self, call_sid: str, status: str) -> None:
        if status not in ("no-answer", "busy", "failed", "canceled"):
            raise ValueError(f"not a final call status for an unanswered call: {status}")
        self._drive(lambda: self._conferences.fail_dial_out(call_sid, status))

    def end_conference(self, name: str) -> None:
        self._drive(lambda: self._conferences.end_by_name(name))

    def _drive(self, change: Callable[[], list[Effect]]) -> None:
        """Makes ``change`` on the voice thread and carries out what it causes, waiting for both."""
        self._thread.run(lambda: self.apply(change()))

    def apply(self, effects: list[Effect]) -> None:
        """Carries out what a state change caused: webhooks to send, callers to resume."""
        for effect in effects:
            if isinstance(effect, SendWebhook):
                self._thread.request(effect.kind, effect.url, effect.method, effect.params, **effect.tags())
            elif isinstance(effect, ResumeCaller):
                self._resume_after_conference(self.sessions[effect.call_sid])

    def apply_later(self, effects: list[Effect]) -> None:
        """Carries out ``effects`` on the voice thread without waiting (what REST requests cause)."""
        if effects:
            self._thread.submit(lambda: self.apply(effects), waited=False)

    # ----- outbound calls ------------------------------------------------------------------------
    def _outbound(self, call_sid: str) -> EmulatedCall:
        call = self._conferences.calls.get(call_sid)
        if call is None or call.direction != "outbound-api" or call.url is None:
            raise KeyError(f"no outbound call {call_sid} placed with Calls.json")
        if call.status not in ("queued", "initiated", "ringing"):
            raise RuntimeError(f"{call_sid} is already {call.status}")
        return call

    def _answer_call(self, call_sid: str, answered_by: str) -> CallSession:
        """Rings, answers, says who answered (synchronous detection: on the TwiML request;
        ``AsyncAmd``: in its own callback once the TwiML has started) and follows the TwiML."""
        with self._lock:
            call = self._outbound(call_sid)
            call.status = "ringing"
            effects = self._conferences.call_event_locked(call, "ringing")
            call.status, call.start_time = "in-progress", datetime.now(UTC)
            detected = call.machine_detection is not None
            if detected:
                call.answered_by = answered_by
            effects += self._conferences.call_event_locked(call, "answered")
            session = CallSession(self, call, call.url)
            self.sessions[call.sid] = session
        self.apply(effects)
        extra = {"AnsweredBy": answered_by} if detected and not call.async_amd else None
        self._follow(session, call.url, call.method, extra, 0)
        if detected and call.async_amd and call.amd_callback:
            self._thread.request("amd", call.amd_callback, call.amd_callback_method,
                                 {"AccountSid": self.account_sid, "CallSid": call.sid,
                                  "AnsweredBy": answered_by, "MachineDetectionDuration": "2300"},
                                 call_sid=call.sid)
        return session

    def _fail_call(self, call_sid: str, status: str) -> list[Effect]:
        with self._lock:
            call = self._outbound(call_sid)
            return self._conferences.finish_call_locked(call, status)

    # ----- following TwiML -----------------------------------------------------------------------
    def _follow(self, session: CallSession, url: str, method: str, extra: dict | None, depth: int) -> None:
        """Requests a TwiML document for the call and runs it."""
        if session.ended:
            return
        if depth >= _MAX_TWIML_DOCUMENTS:
            self._application_error(session, f"more than {_MAX_TWIML_DOCUMENTS} TwiML documents in a row")
            return
        params = {**call_params(self.account_sid, session.call), **(extra or {})}
        entry, text = self._thread.request("twiml", url, method, params, call_sid=session.call.sid)
        session.requests.append(entry)
        if entry["error"] is not None or entry["status"] != 200:
            self._application_error(session, f"{method} {url} answered {entry['status'] or entry['error']}")
            return
        try:
            root = ET.fromstring(text)
        except ET.ParseError as error:
            self._application_error(session, f"{url} returned invalid TwiML: {error}")
            return
        session.twiml.append(text)
        if root.tag != "Response":
            self._application_error(session, f"{url} returned <{root.tag}>, not <Response>")
            return
        if session.call.status == "ringing":  # the first TwiML document answers the call
            with self._lock:
                session.call.status = "in-progress"
                session.call.start_time = datetime.now(UTC)
        self._run(session, list(root), url, depth)

    def _run(self, session: CallSession, verbs: list[ET.Element], document_url: str, depth: int) -> None:
        for index, verb in enumerate(verbs):
            rest = verbs[index + 1:]
            if verb.tag in HEARD:
                session.spoken.append(spoken(verb))
            elif verb.tag == "Gather":
                session.spoken.extend(spoken(child) for child in verb if child.tag in HEARD)
                session.gathering = gathering(verb, document_url)
                session.after_gather = Rest(rest, document_url)
                return
            elif verb.tag == "Redirect":
                target = urljoin(document_url, (verb.text or "").strip())
                self._follow(session, target, (verb.get("method") or "POST").upper(), None, depth + 1)
                return
            elif verb.tag in ("Hangup", "Reject"):
                self._end_call(session, "completed")
                return
            elif verb.tag == "Start":  # runs alongside what follows: go on at once
                effects, skipped = self._transcriptions.start_verb(session.call, verb, document_url)
                session.ignored.extend(skipped)
                self.apply(effects)
            elif verb.tag == "Dial" and verb.find("Conference") is not None:
                self._join(session, Rest(rest, document_url, verb), verb.find("Conference"))
                return
            else:
                session.ignored.append(verb.tag)
        self._end_call(session, "completed")  # out of TwiML: Twilio hangs up

    def _waiting_gather(self, session: CallSession) -> dict:
        gather = session.gathering
        if session.ended or gather is None or session.after_gather is None:
            raise RuntimeError(f"{session.call.sid} is not waiting for digits")
        return gather

    def _press(self, session: CallSession, digits: str) -> None:
        gather = self._waiting_gather(session)
        if "dtmf" not in gather["input"].split():
            raise RuntimeError(f"the <Gather> of {session.call.sid} does not take DTMF")
        digits = keyed(gather, digits)
        if not digits:
            self._no_input(session)
            return
        session.gathering = session.after_gather = None
        self._follow(session, gather["action"], gather["method"], {"Digits": digits}, 0)

    def _no_input(self, session: CallSession) -> None:
        gather = self._waiting_gather(session)
        after = session.after_gather
        session.gathering = session.after_gather = None
        if gather["action_on_empty_result"]:
            self._follow(session, gather["action"], gather["method"], None, 0)
        else:
            self._run(session, after.verbs, after.document_url, 0)

    def _application_error(self, session: CallSession, reason: str) -> None:
        session.errors.append(reason)
        session.spoken.append(Spoken("Say", _APPLICATION_ERROR, "en-US"))
        self._hang_up(session)

    def _end_call(self, session: CallSession, status: str) -> None:
        with self._lock:  # an inbound call has no status callback; an outbound one may
            effects = self._conferences.finish_call_locked(session.call, status)
        session.gathering = session.after_gather = None
        self.apply(effects)

    def _hang_up(self, session: CallSession) -> None:
        if session.ended:
            return
        session.after_dial = None
        with self._lock:
            effects = self._conferences.hang_up_caller_locked(session.call)
        session.gathering = session.after_gather = None
        self.apply(effects)

    def _resume_after_conference(self, session: CallSession) -> None:
        """The conference ended under the caller: ``<Dial action>`` or the TwiML after ``<Dial>`` runs."""
        after = session.after_dial
        if session.ended or after is None:
            return
        session.after_dial = None
        action = (after.dial.get("action") or "").strip()
        if action:
            self._follow(session, urljoin(after.document_url, action),
                         (after.dial.get("method") or "POST").upper(), {"DialCallStatus": "completed"}, 0)
        else:
            self._run(session, after.verbs, after.document_url, 0)

    def _join(self, session: CallSession, after: Rest, element: ET.Element) -> None:
        """``<Dial><Conference>``: the caller joins the conference named, created if need be."""
        name = (element.text or "").strip()
        attrs = dict(element.attrib)
        callback = attrs.get("statusCallback")
        now = datetime.now(UTC)
        with self._lock:
            conference = self._conferences.conference_for_locked(
                name, urljoin(after.document_url, callback) if callback else None,
                attrs.get("statusCallbackMethod") or "POST",
                words(attrs.get("statusCallbackEvent")) or ["start", "end"])
            participant = EmulatedParticipant(
                call_sid=session.call.sid, from_=session.call.from_, to=session.call.to,
                label=attrs.get("participantLabel"), status="connecting", date_created=now, date_updated=now,
                muted=true(attrs.get("muted"), False), coaching=bool(attrs.get("coach")),
                start_conference_on_enter=true(attrs.get("startConferenceOnEnter"), True),
                end_conference_on_exit=true(attrs.get("endConferenceOnExit"), False),
                beep=attrs.get("beep") or "true", params=attrs)
            self._conferences.add_participant_locked(conference, participant)
            session.call.conference = session.conference = name
            session.after_dial = after
            effects = self._conferences.join_locked(conference, participant)
        self.apply(effects)
