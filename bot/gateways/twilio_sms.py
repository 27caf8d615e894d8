"""SMS through the real ``twilio`` client; ``base_url`` points it at Twilio or an emulator."""

from __future__ import annotations

from datetime import datetime

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from bot.gateways.twilio_http import BaseUrlHttpClient
from bot.ports import DeliveryError


class TwilioSms:
    def __init__(self, *, account_sid: str, auth_token: str, base_url: str,
                 messaging_service_sid: str | None = None, from_number: str | None = None,
                 timeout_s: float = 10):
        if not (messaging_service_sid or from_number):
            raise ValueError("twilio.messaging_service_sid or twilio.from_number is required")
        self._client = Client(account_sid, auth_token,
                              http_client=BaseUrlHttpClient(base_url, timeout=timeout_s))
        self._sender = ({"messaging_service_sid": messaging_service_sid} if messaging_service_sid
                        else {"from_": from_number})

    def send(self, *, to: str, body: str, status_callback: str | None = None) -> str:
        """Sends one SMS and returns its MessageSid; raises ``DeliveryError`` on refusal."""
        try:
            message = self._client.messages.create(to=to, body=body, **self._sender,
                                                   **({"status_callback": status_callback}
                                                      if status_callback else {}))
        except TwilioRestException as error:
            raise _delivery_error(error) from None
        except (TwilioException, OSError) as error:
            raise DeliveryError("connection_error", str(error), permanent=False) from None
        return message.sid

    def find_sent(self, *, to: str, body: str, since: datetime) -> str | None:
        """The MessageSid of a message with this body sent to ``to`` since ``since``, if any.

        Used after a crash to learn whether a send whose outcome was never recorded went out.
        """
        # Not filtered by DateSent: a message still queued at Twilio has no date_sent yet.
        try:
            for message in self._client.messages.list(to=to, limit=50):
                if (message.body == body and message.direction.startswith("outbound")
                        and message.date_created is not None and message.date_created >= since):
                    return message.sid
        except TwilioRestException as error:
            raise _delivery_error(error) from None
        except (TwilioException, OSError) as error:
            raise DeliveryError("connection_error", str(error), permanent=False) from None
        return None


def _delivery_error(error: TwilioRestException) -> DeliveryError:
    """Too many requests (HTTP 429, code 20429) and server errors are retried; other refusals
    (21610 opted out, 21211 invalid number, 21614 not a mobile …) will not change on a retry."""
    code = error.code or error.status
    transient = error.status == 429 or error.status >= 500 or code == 20429
    return DeliveryError(str(code), error.msg or "Twilio refused the request",
                         permanent=not transient, retry_after=1.0 if error.status == 429 else None)
