"""The emulator as tests and the sandbox use it: one object that starts the server and the
callback workers, and holds every driver and every record.

The real SDK works against it unchanged::

    with TwilioEmulator() as emu:
        client = Client(emu.account_sid, emu.auth_token,
                        http_client=BaseUrlHttpClient(emu.base_url))
        client.messages.create(to="+15551230001", from_="+15557650000", body="hi")

State lives in memory; mutate or read it under ``lock``.
"""

from __future__ import annotations

import threading
from datetime import datetime

import httpx

from .callbacks import StatusCallbacks, VoiceThread, WebhookSigner
from .calls_api import CallsApi
from .conference_api import ConferencesApi
from .conferences import Conferences
from .faults import Faults
from .messages import MessagesApi
from .records import EmulatedCall, EmulatedConference, EmulatedMessage
from .server import ApiServer
from .transcriptions import EmulatedTranscription, Transcriptions, deliver
from .voice import CallSession, VoiceSimulation


class TwilioEmulator:
    """A local stand-in for Twilio's 2010-04-01 REST API (Messages, Calls, Conferences and
    Participants), which also plays the phone network: it delivers status callbacks, places calls
    that follow the application's TwiML, answers outbound calls (as a person or a machine), and
    answers or hangs up dial-outs."""

    CALLBACK_WORKERS = 4

    def __init__(self, *, account_sid: str = "AC" + "0" * 32, auth_token: str = "emulator-auth-token",
                 host: str = "127.0.0.1", port: int = 0, deliver_callbacks: bool = True):
        self.account_sid, self.auth_token = account_sid, auth_token
        self.host, self.port = host, port
        self.deliver_callbacks = deliver_callbacks
        self.lock = threading.Lock()
        self._faults = Faults(self.lock)
        self._signer = WebhookSigner(auth_token)
        self._messages = MessagesApi(account_sid=account_sid, lock=self.lock, faults=self._faults)
        self._status_callbacks = StatusCallbacks(account_sid=account_sid, lock=self.lock, faults=self._faults,
                                                 signer=self._signer)
        self._voice_thread = VoiceThread(lock=self.lock, signer=self._signer)
        self._conferences = Conferences(account_sid=account_sid, lock=self.lock)
        self._transcriptions = Transcriptions(account_sid=account_sid, lock=self.lock,
                                              calls=self._conferences.calls)
        self._conferences.on_call_end = self._transcriptions.call_ended_locked
        self._voice = VoiceSimulation(account_sid=account_sid, lock=self.lock,
                                      conferences=self._conferences, thread=self._voice_thread,
                                      transcriptions=self._transcriptions)
        self._transcriptions.send_later = self._voice.apply_later
        conferences_api = ConferencesApi(account_sid=account_sid, lock=self.lock,
                                         conferences=self._conferences, faults=self._faults,
                                         send_later=self._voice.apply_later)
        self._calls_api = CallsApi(account_sid=account_sid, lock=self.lock, conferences=self._conferences,
                                   faults=self._faults, send_later=self._voice.apply_later)
        self._server = ApiServer(host=host, port=port, account_sid=account_sid, auth_token=auth_token,
                                 lock=self.lock, faults=self._faults, messages_api=self._messages,
                                 conferences_api=conferences_api, status_callbacks=self._status_callbacks,
                                 deliver_callbacks=deliver_callbacks, calls_api=self._calls_api,
                                 transcriptions=self._transcriptions)

    # ----- lifecycle -----------------------------------------------------------------------------
    def start(self) -> TwilioEmulator:
        if self._server.running:
            return self
        self._server.start()
        if self.deliver_callbacks:
            self._status_callbacks.start(self.CALLBACK_WORKERS)
        return self

    def stop(self) -> None:
        if not self._server.running:
            return
        self._server.stop()
        self._status_callbacks.stop()
        self._voice_thread.stop()

    def __enter__(self) -> TwilioEmulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def thread_id(self) -> int:
        """The OS id of the thread serving requests (e.g. to lower its CPU priority)."""
        return self._server.thread_id

    @property
    def base_url(self) -> str:
        if not self._server.running:
            raise RuntimeError("TwilioEmulator is not started")
        return f"http://{self.host}:{self._server.bound_port}"

    # ----- records -------------------------------------------------------------------------------
    @property
    def messages(self) -> list[EmulatedMessage]:
        """Accepted outbound messages, in order."""
        return self._messages.outbound

    @property
    def inbound(self) -> list[EmulatedMessage]:
        """Messages sent with :meth:`send_inbound`, in order."""
        return self._messages.inbound

    @property
    def requests(self) -> list[dict]:
        """Every API request answered, in order."""
        return self._server.requests

    @property
    def callbacks(self) -> list[dict]:
        """Every message status callback sent, in order."""
        return self._status_callbacks.sent

    @property
    def conferences(self) -> dict[str, EmulatedConference]:
        """Conferences by friendly name: the latest one of each name."""
        return self._conferences.by_name

    @property
    def calls(self) -> dict[str, EmulatedCall]:
        """Calls by CallSid, inbound and dial-outs."""
        return self._conferences.calls

    @property
    def placed_calls(self) -> list[EmulatedCall]:
        """Outbound calls placed with ``POST Calls.json``, in order."""
        with self.lock:
            return list(self._calls_api.placed)

    def calls_to(self, number: str) -> list[EmulatedCall]:
        return [call for call in self.placed_calls if call.to == number]

    @property
    def call_sessions(self) -> dict[str, CallSession]:
        """Calls placed with :meth:`place_call`, by CallSid."""
        return self._voice.sessions

    @property
    def voice_callbacks(self) -> list[dict]:
        """Every voice webhook sent (TwiML fetches, conference and call-progress callbacks), in order."""
        return self._voice_thread.sent

    @property
    def voice_errors(self) -> list[BaseException]:
        """Failures of simulation steps nobody waited for."""
        return self._voice_thread.errors

    @property
    def voice_timeout_s(self) -> float:
        """How long a driver waits for the simulation."""
        return self._voice_thread.timeout_s

    @voice_timeout_s.setter
    def voice_timeout_s(self, seconds: float) -> None:
        self._voice_thread.timeout_s = seconds

    def messages_to(self, number: str) -> list[EmulatedMessage]:
        return [message for message in list(self.messages) if message.to == number]

    def message(self, sid: str) -> EmulatedMessage | None:
        return self._messages.get(sid)

    def conference_callbacks(self, name: str | None = None) -> list[dict]:
        """The conference status callbacks sent (for conference ``name`` only, if given)."""
        with self.lock:
            return [entry for entry in self.voice_callbacks if entry["kind"] == "conference"
                    and (name is None or entry["params"].get("FriendlyName") == name)]

    # ----- faults --------------------------------------------------------------------------------
    def fail_next(self, count: int = 1, *, status: int = 429, code: int = 20429,
                  message: str = "Too Many Requests", to: str | None = None,
                  retry_after: float | None = None) -> None:
        """The next ``count`` message or participant creates (to ``to`` only, if given) fail with this
        error (with ``Retry-After: retry_after`` if given; a 429 says 1 otherwise)."""
        self._faults.fail_next(count, status=status, code=code, message=message, to=to,
                               retry_after=retry_after)

    def drop_next(self, count: int = 1, *, kind: str = "reset_after", to: str | None = None,
                  hold_s: float = 0.0) -> None:
        """The next ``count`` message creates (to ``to`` only, if given) lose their answer: the
        connection is reset before the message is accepted (``reset_before``), or the message is
        accepted and then the connection is reset (``reset_after``) or held ``hold_s`` and reset
        (``timeout_after``: longer than the client's timeout)."""
        self._faults.drop_next(count, kind=kind, to=to, hold_s=hold_s)

    def set_chaos(self, fraction: float, *, seed: int = 0, retry_after: float = 1.0,
                  hold_s: float = 1.5) -> None:
        """A seeded random ``fraction`` of message creates meet one fault, chosen evenly: 429 or
        503 with ``Retry-After``, 500, reset before acceptance, reset or timeout after (0: off)."""
        self._faults.set_chaos(fraction, seed=seed, retry_after=retry_after, hold_s=hold_s)

    def fail_next_lookup(self, count: int = 1) -> None:
        """The next ``count`` message reads (list or fetch) answer 500."""
        self._faults.fail_next_lookup(count)

    @property
    def dropped(self) -> list[tuple[str, str | None]]:
        """(kind, to) of every answer lost so far."""
        with self.lock:
            return list(self._faults.dropped)

    def set_fault_rate(self, fraction: float, *, status: int = 500, code: int = 20500,
                       seed: int = 0) -> None:
        """A seeded random ``fraction`` of message and participant creates fail with this error (0 turns
        it off)."""
        self._faults.set_rate(fraction, status=status, code=code, seed=seed)

    def set_latency(self, seconds: float) -> None:
        """Every API request waits ``seconds`` before it is answered."""
        self._faults.set_latency(seconds)

    def mark_opted_out(self, number: str) -> None:
        self._faults.mark_opted_out(number)

    def mark_invalid(self, number: str, code: int = 21211) -> None:
        self._faults.mark_invalid(number, code)

    def mark_undeliverable(self, number: str, code: int = 30003) -> None:
        """Messages to ``number`` end "undelivered" (or "failed") with ``code`` in their final
        status callback: 30003 unreachable, 30005 unknown handset, 30006 landline, 21610 STOP."""
        self._faults.mark_undeliverable(number, code)

    # ----- messaging -----------------------------------------------------------------------------
    def wait_for_callbacks(self, timeout_s: float = 10) -> bool:
        """Blocks until every status callback queued so far has been delivered (or given up)."""
        return self._status_callbacks.wait(timeout_s)

    def send_inbound(self, *, webhook_url: str, from_: str, to: str, body: str,
                     extra: dict | None = None, timeout_s: float = 10) -> httpx.Response:
        """POSTs a signed inbound-SMS webhook to ``webhook_url`` as Twilio does; returns the reply."""
        message = self._messages.receive(from_=from_, to=to, body=body, extra=extra)
        return httpx.post(webhook_url, data=message.params,
                          headers=self._signer.headers(webhook_url, message.params), timeout=timeout_s)

    # ----- voice: what tests drive ---------------------------------------------------------------
    def place_call(self, *, voice_url: str, from_: str, to: str, method: str = "POST") -> CallSession:
        """A phone call from ``from_`` to your number ``to``: requests ``voice_url`` as Twilio does and
        follows the TwiML. Returns once the call waits for digits, sits in a conference or has ended."""
        return self._voice.place_call(voice_url=voice_url, from_=from_, to=to, method=method)

    def answer(self, call_sid: str) -> None:
        """The dial-out ``call_sid`` is answered: it rings, is answered and joins its conference."""
        self._voice.answer(call_sid)

    def answer_call(self, call_sid: str, *, answered_by: str = "human") -> CallSession:
        """The outbound call ``call_sid`` (``POST Calls.json``) is answered — by a person, or, as
        machine detection reports it, ``machine_end_beep`` (the message goes after the beep),
        ``fax`` … — and follows the TwiML at its ``Url``. Returns once the call waits for digits
        or has ended; press keys with the session's ``press``."""
        return self._voice.answer_call(call_sid, answered_by)

    def fail_call(self, call_sid: str, *, status: str = "no-answer") -> None:
        """The outbound call ``call_sid`` is never answered: ``no-answer``, ``busy`` or ``failed``."""
        self._voice.fail_call(call_sid, status)

    def hang_up_participant(self, call_sid: str) -> None:
        """The participant ``call_sid`` (dial-out or caller) hangs up."""
        self._voice.hang_up_participant(call_sid)

    def fail_participant(self, call_sid: str, *, status: str = "no-answer") -> None:
        """The dial-out ``call_sid`` is never connected: ``no-answer``, ``busy`` or ``failed``."""
        self._voice.fail_participant(call_sid, status)

    def end_conference(self, name: str) -> None:
        """Ends the live conference ``name`` as ``Status=completed`` on the REST API does."""
        self._voice.end_conference(name)

    # ----- voice: what callers say (live transcription) -------------------------------------------
    def say(self, call_sid: str, text: str, *, at: datetime | None = None,
            deliver_now: bool = True) -> list[dict]:
        """The caller on ``call_sid`` says ``text`` (spoken at ``at``, default now): their leg's
        transcription, if it has one, posts partials and the final line. Returns the records of
        the events delivered; with ``deliver_now=False`` they are held for
        :meth:`deliver_transcription` (and ``[]`` is returned)."""
        def run() -> list[dict]:
            with self.lock:
                events = self._transcriptions.say_locked(call_sid, text, at)
                if not deliver_now:
                    self._transcriptions.held.extend(events)
                    return []
            return deliver(self._voice_thread.request, events, duplicate=False, seed=0)
        return self._voice_thread.run(run)

    def deliver_transcription(self, *, order: str = "spoken", duplicate: bool = False,
                              seed: int = 0) -> list[dict]:
        """Delivers the held transcription events in ``order`` (``spoken``, ``reversed`` or
        ``shuffled`` with ``seed``), each twice with ``duplicate`` (a redelivery: the same
        signature and idempotency token). Returns the records of the first deliveries."""
        def run() -> list[dict]:
            with self.lock:
                events = self._transcriptions.take_held_locked(order, seed)
            return deliver(self._voice_thread.request, events, duplicate=duplicate, seed=seed)
        return self._voice_thread.run(run)

    @property
    def transcriptions(self) -> dict[str, EmulatedTranscription]:
        """Real-time transcriptions started (TwiML or REST), by TranscriptionSid."""
        return self._transcriptions.by_sid

    def transcription_callbacks(self) -> list[dict]:
        """The transcription events sent (redeliveries included), in order."""
        with self.lock:
            return [entry for entry in self.voice_callbacks if entry["kind"] == "transcription"]

    def wait_for_voice_callbacks(self, timeout_s: float = 10) -> bool:
        """Blocks until every voice webhook queued so far (also by REST requests) has been sent."""
        return self._voice_thread.wait(timeout_s)
