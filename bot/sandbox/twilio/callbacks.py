"""Webhooks the emulator sends, signed as Twilio signs them: message status callbacks from a small
pool of workers, and voice webhooks (TwiML fetches, conference and call-progress callbacks) from the
one thread that runs the voice simulation in order.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import queue
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode

import httpx

from .faults import Faults
from .records import EmulatedMessage
from .wire import API_VERSION, ERROR_MESSAGES

_PRICE_PER_SEGMENT = "0.00790"
# Error codes after which Twilio reports "failed" (never handed to a carrier) rather than
# "undelivered" (handed over, then not delivered).
_FAILED_CODES = frozenset({30001, 30002, 30032, 30034, 30036})


class WebhookSigner:
    """Computes ``X-Twilio-Signature`` with Twilio's documented algorithm: HMAC-SHA1 keyed by the
    auth token over the full URL followed by each POST parameter's name and value, sorted by name;
    the header is the base64 of the digest.

    The emulator has its own implementation rather than the SDK's ``RequestValidator``: only
    ``bot/gateways`` imports vendor SDKs, and an independent implementation makes the emulator a
    real check of the SDK-based verifier in ``bot/gateways/twilio_signature.py`` — the tests pass
    only if the two agree.
    """

    def __init__(self, auth_token: str):
        self._key = auth_token.encode("utf-8")

    def signature(self, url: str, params: Mapping[str, str]) -> str:
        signed = url + "".join(name + params[name] for name in sorted(params))
        digest = hmac.new(self._key, signed.encode("utf-8"), hashlib.sha1).digest()
        return base64.b64encode(digest).decode("ascii")

    def headers(self, url: str, params: Mapping[str, str]) -> dict:
        return {"X-Twilio-Signature": self.signature(url, params),
                "User-Agent": "TwilioProxy/1.1",
                "I-Twilio-Idempotency-Token": str(uuid.uuid4())}


def _new_client() -> httpx.Client:
    return httpx.Client(timeout=10, follow_redirects=False)


class StatusCallbacks:
    """Message status callbacks ("sent", then "delivered" — or "undelivered"/"failed" with
    ``ErrorCode``), POSTed by background workers; each moves the message to that status first.
    Twilio does not retry status callbacks, and neither does the emulator."""

    def __init__(self, *, account_sid: str, lock: threading.Lock, faults: Faults, signer: WebhookSigner):
        self.account_sid = account_sid
        self._lock = lock
        self._faults = faults
        self._signer = signer
        self.sent: list[dict] = []  # every status callback, in the order delivered
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._pending = 0
        self._pending_changed = threading.Condition(threading.Lock())
        self._workers: list[threading.Thread] = []

    def start(self, workers: int) -> None:
        self._workers = [threading.Thread(target=self._work, daemon=True,
                                          name=f"twilio-emulator-callbacks-{n}") for n in range(workers)]
        for worker in self._workers:
            worker.start()

    def stop(self) -> None:
        for _ in self._workers:
            self._queue.put(None)
        for worker in self._workers:
            worker.join(timeout=15)
        self._workers = []

    def expect_one(self) -> None:
        """Counts a callback about to be queued, before the API answers: ``wait()`` then sees it."""
        with self._pending_changed:
            self._pending += 1

    def queue(self, message: EmulatedMessage) -> None:
        self._queue.put(message)

    def wait(self, timeout_s: float) -> bool:
        with self._pending_changed:
            return self._pending_changed.wait_for(lambda: self._pending == 0, timeout=timeout_s)

    def _work(self) -> None:
        client: httpx.Client | None = None  # made on first use: an idle emulator starts and stops fast
        try:
            while True:
                message = self._queue.get()
                if message is None:
                    return
                try:
                    client = client or _new_client()
                    for status in self._statuses(message):
                        self._deliver(client, message, status)
                finally:
                    with self._pending_changed:
                        self._pending -= 1
                        if self._pending == 0:
                            self._pending_changed.notify_all()
        finally:
            if client is not None:
                client.close()

    def _statuses(self, message: EmulatedMessage) -> list[str]:
        code = self._faults.undeliverable_code(message.to)
        if code is None:
            return ["sent", "delivered"]
        return ["failed"] if code in _FAILED_CODES else ["sent", "undelivered"]

    def _advance_locked(self, message: EmulatedMessage, status: str) -> None:
        message.status = status
        message.date_updated = datetime.now(UTC)
        if status == "sent":
            message.price = f"-{float(_PRICE_PER_SEGMENT) * message.num_segments:.5f}"
        if status in ("undelivered", "failed"):
            code = self._faults.undeliverable_code(message.to)
            message.error_code = 30008 if code is None else code
            message.error_message = ERROR_MESSAGES.get(message.error_code)

    def _deliver(self, client: httpx.Client, message: EmulatedMessage, status: str) -> None:
        with self._lock:
            self._advance_locked(message, status)
            error_code = message.error_code
        params = {"MessageSid": message.sid, "SmsSid": message.sid, "MessageStatus": status,
                  "SmsStatus": status, "AccountSid": self.account_sid,
                  "From": message.from_ or "", "To": message.to, "ApiVersion": API_VERSION}
        if message.messaging_service_sid:
            params["MessagingServiceSid"] = message.messaging_service_sid
        if status in ("undelivered", "failed") and error_code is not None:
            params["ErrorCode"] = str(error_code)
        url = message.status_callback
        headers = self._signer.headers(url, params)
        entry = {"url": url, "params": params, "headers": headers, "status": None, "error": None,
                 "message_sid": message.sid}
        try:
            entry["status"] = client.post(url, data=params, headers=headers).status_code
        except (httpx.HTTPError, ValueError) as error:
            entry["error"] = repr(error)
        with self._lock:
            self.sent.append(entry)


@dataclass
class _Job:
    run: Callable[[], object]
    waited: bool  # a driver waits for it; a failure nobody waits for is kept in ``errors``
    done: threading.Event = field(default_factory=threading.Event)
    result: object = None
    error: BaseException | None = None


class VoiceThread:
    """Runs the voice simulation's jobs one at a time, in order, on a background thread started on
    first use, and sends the voice webhooks they make (from that thread only)."""

    def __init__(self, *, lock: threading.Lock, signer: WebhookSigner):
        self._lock = lock
        self._signer = signer
        self.timeout_s = 30.0  # how long a driver waits for the simulation
        self.sent: list[dict] = []  # every voice webhook sent, in order
        self.errors: list[BaseException] = []  # failures of jobs nobody waited for
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._pending = 0
        self._changed = threading.Condition(threading.Lock())
        self._thread: threading.Thread | None = None
        self._client: httpx.Client | None = None  # used by the voice thread only

    def run(self, job: Callable[[], object]) -> object:
        """Runs ``job`` on the voice thread and waits for it (and everything it sends)."""
        if threading.current_thread() is self._thread:
            return job()
        submitted = self.submit(job, waited=True)
        if not submitted.done.wait(self.timeout_s):
            raise TimeoutError("the voice simulation did not finish in time (a webhook handler waiting "
                               "on a simulation driver?)")
        if submitted.error is not None:
            raise submitted.error
        return submitted.result

    def submit(self, job: Callable[[], object], *, waited: bool) -> _Job:
        submitted = _Job(job, waited)
        with self._changed:
            self._pending += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="twilio-emulator-voice", daemon=True)
                self._thread.start()
        self._queue.put(submitted)
        return submitted

    def wait(self, timeout_s: float) -> bool:
        """Blocks until every job submitted so far has run."""
        with self._changed:
            return self._changed.wait_for(lambda: self._pending == 0, timeout=timeout_s)

    def stop(self) -> None:
        with self._changed:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout=15)

    def _work(self) -> None:
        try:
            while True:
                submitted = self._queue.get()
                if submitted is None:
                    return
                self._run_one(submitted)
        finally:
            if self._client is not None:
                self._client.close()
                self._client = None

    def _run_one(self, submitted: _Job) -> None:
        try:
            submitted.result = submitted.run()
        except BaseException as error:  # handed to the waiting driver, or kept for inspection
            submitted.error = error
            if not submitted.waited:
                with self._lock:
                    self.errors.append(error)
        finally:
            submitted.done.set()
            with self._changed:
                self._pending -= 1
                if self._pending == 0:
                    self._changed.notify_all()

    def request(self, kind: str, url: str, method: str, params: dict, *,
                headers: dict | None = None, **tags) -> tuple[dict, str]:
        """One signed webhook (call on the voice thread); returns its record and the response text.
        ``headers``: a redelivery's, the same as its first delivery's."""
        self._client = self._client or _new_client()
        method = method.upper()
        target = url
        if method == "GET":
            target = f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"
            headers = headers or self._signer.headers(target, {})
        else:
            headers = headers or self._signer.headers(url, params)
        entry = {"kind": kind, "url": url, "method": method, "params": params, "headers": headers,
                 "status": None, "error": None, **tags}
        text = ""
        try:
            if method == "GET":
                response = self._client.get(target, headers=headers)
            else:
                response = self._client.post(url, data=params, headers=headers)
            entry["status"], text = response.status_code, response.text
        except (httpx.HTTPError, ValueError) as error:
            entry["error"] = repr(error)
        with self._lock:
            self.sent.append(entry)
        return entry, text
