"""SMS through the real ``twilio`` client; ``base_url`` points it at Twilio or an emulator.

How a failed request is reported (what Twilio's error codes mean for a contact is decided once,
in ``bot.sms.delivery``):

* HTTP 429 (too many requests) and 503 (service unavailable): Twilio refused the request; retried,
  no sooner than its ``Retry-After`` (seconds, capped at ``MAX_RETRY_AFTER_S``).
* any other 5xx: Twilio may have accepted the message before failing (``OutcomeUnknown``).
* any other 4xx: a refusal that will not change on a retry (21610 opted out, 21211 invalid …).
* no connection at all (refused, timed out connecting): an ordinary retryable error.
* a reset or timeout once the request may have been written: ``OutcomeUnknown``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from bot.gateways.twilio_http import BaseUrlHttpClient, transport_error
from bot.ports import DeliveryError, OutcomeUnknown

MAX_RETRY_AFTER_S = 300.0
DEFAULT_RETRY_AFTER_S = 1.0  # a 429 without a usable Retry-After
REFUSED_FOR_NOW = (429, 503)
LOOKUP_LIMIT = 200  # the most recent messages to one number looked through


class TwilioSms:
    def __init__(self, *, account_sid: str, auth_token: str, base_url: str,
                 messaging_service_sid: str | None = None, from_number: str | None = None,
                 timeout_s: float = 10):
        if not (messaging_service_sid or from_number):
            raise ValueError("twilio.messaging_service_sid or twilio.from_number is required")
        self._http = BaseUrlHttpClient(base_url, timeout=timeout_s)
        self._client = Client(account_sid, auth_token, http_client=self._http)
        self._service, self._from = messaging_service_sid, from_number
        self._sender = ({"messaging_service_sid": messaging_service_sid} if messaging_service_sid
                        else {"from_": from_number})

    def send(self, *, to: str, body: str, status_callback: str | None = None,
             validity_period_s: int | None = None) -> str:
        """Sends one SMS and returns its MessageSid; raises ``DeliveryError`` on refusal and
        ``OutcomeUnknown`` when Twilio may have taken the message but its answer was lost.

        ``validity_period_s`` is Twilio's ``ValidityPeriod``: how long (1 to 36000 s) the message
        may wait in Twilio's queue before Twilio drops it (error 30036) instead of sending it.
        The sender is a number (``From``) or a Messaging Service (``MessagingServiceSid``, which
        spreads the sends over its pool of numbers)."""
        extra: dict = {"status_callback": status_callback} if status_callback else {}
        if validity_period_s is not None:
            extra["validity_period"] = max(1, min(int(validity_period_s), 36000))
        try:
            message = self._client.messages.create(to=to, body=body, **self._sender, **extra)
        except TwilioRestException as error:
            raise self._delivery_error(error) from None
        except (TwilioException, OSError) as error:
            raise transport_error(error) from None
        return message.sid

    def find_sent(self, *, to: str, body: str, since: datetime,
                  taken: Callable[[str], bool] = lambda sid: False) -> str | None:
        """The MessageSid of the message with exactly this body that we sent to exactly ``to``
        since ``since``, if any, and not ``taken`` (owned by another of our rows: two notices
        with the same words to one person are two messages); raises ``DeliveryError`` when
        Twilio cannot say.

        Asks List Messages with ``To`` (and ``From`` when we send from a number) and checks the
        rest on each record: the body, ``direction`` outbound-api, our sender (number or
        messaging service) and ``date_created``. ``DateSent``/``DateSent>`` are not used: a
        message still queued at Twilio has no ``date_sent`` yet and would be missed.
        """
        filters = {"to": to, **({"from_": self._from} if self._from and not self._service else {})}
        try:
            for message in self._client.messages.stream(**filters, limit=LOOKUP_LIMIT,
                                                        page_size=50):
                # Not a stop condition: the list is ordered by DateSent, which a queued one lacks.
                created = message.date_created
                if created is None or created < since:
                    continue
                if (message.to == to and message.body == body and not taken(message.sid)
                        and message.direction == "outbound-api" and self._ours(message)):
                    return message.sid
        except TwilioRestException as error:
            raise self._delivery_error(error) from None
        except (TwilioException, OSError) as error:
            raise DeliveryError("connection_error", str(error), permanent=False) from None
        return None

    def _ours(self, message) -> bool:
        if self._service:
            return message.messaging_service_sid == self._service
        return message.from_ == self._from

    def _delivery_error(self, error: TwilioRestException) -> DeliveryError:
        code = str(error.code or error.status)
        text = error.msg or "Twilio refused the request"
        if error.status in REFUSED_FOR_NOW or code == "20429":
            return DeliveryError(code, text, permanent=False,
                                 retry_after=retry_after(self._http.last_header("Retry-After")))
        if error.status >= 500:
            return OutcomeUnknown(code, text)
        return DeliveryError(code, text, permanent=True)


def retry_after(header: str | None) -> float:
    """Seconds from a ``Retry-After`` header (Twilio sends seconds), capped; 1 s if absent or
    unusable (an HTTP date included: Twilio does not send one)."""
    try:
        seconds = float(header) if header is not None else DEFAULT_RETRY_AFTER_S
    except ValueError:
        return DEFAULT_RETRY_AFTER_S
    if seconds != seconds or seconds < 0:  # NaN or negative
        return DEFAULT_RETRY_AFTER_S
    return min(seconds, MAX_RETRY_AFTER_S)
