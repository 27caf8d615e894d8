"""The Messages API: ``POST Messages.json`` (send), ``GET Messages/{Sid}.json`` (fetch) and
``GET Messages.json`` (list, with ``To``, ``From``, ``DateSent``/``DateSent<``/``DateSent>``,
``PageSize``, ``Page``/``PageToken``).

Field and parameter names follow the official OpenAPI description (``CreateMessageRequest``,
``api.v2010.account.message``, ``ListMessageResponse``).
"""

from __future__ import annotations

import math
import re
import threading
from datetime import UTC, date, datetime
from urllib.parse import urlencode

from .faults import Faults
from .records import EmulatedMessage
from .wire import (
    API_VERSION,
    ApiError,
    country,
    date_param,
    ignored,
    kept_filters,
    new_sid,
    not_found,
    page_numbers,
    rfc2822,
    text,
)

ROUTE = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Messages(?:/([^/]+))?\.json$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_SHORT_CODE = re.compile(r"^\d{3,6}$")
_ALPHANUMERIC_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")
_MAX_BODY = 1600
# Parameters of CreateMessageRequest in the OpenAPI description (plus MessageIntent, which the
# SDK also knows); anything else is ignored, as Twilio does, and reported in the request record.
_CREATE_PARAMS = frozenset({
    "To", "StatusCallback", "ApplicationSid", "MaxPrice", "ProvideFeedback", "Attempt",
    "ValidityPeriod", "ForceDelivery", "ContentRetention", "AddressRetention", "SmartEncoded",
    "PersistentAction", "TrafficType", "ShortenUrls", "ScheduleType", "SendAt", "SendAsMms",
    "ContentVariables", "RiskCheck", "From", "FallbackFrom", "MessagingServiceSid", "Body",
    "MediaUrl", "ContentSid", "MessageIntent",
})
_LIST_PARAMS = ("To", "From", "DateSent", "DateSent<", "DateSent>", "PageSize")

# GSM 03.38 default alphabet (one septet each) and its extension table (escape + one septet).
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENSION = frozenset("^{}\\[~]|€\f")


def segments(body: str) -> int:
    """SMS segments for ``body``: GSM-7 (160 septets, 153 per part) or UCS-2 (70 / 67 units)."""
    septets = 0
    for char in body:
        if char in _GSM_BASIC:
            septets += 1
        elif char in _GSM_EXTENSION:
            septets += 2
        else:
            units = len(body.encode("utf-16-le")) // 2
            return 1 if units <= 70 else math.ceil(units / 67)
    return 1 if septets <= 160 else math.ceil(septets / 153)


def _media_urls(params: dict) -> list[str]:
    media = params.get("MediaUrl") or []
    return [media] if isinstance(media, str) else [url for url in media if url]


def _validate(to: str | None, from_: str | None, service: str | None, body: str, media: list[str],
              params: dict) -> None:
    """Raises Twilio's error for the first thing wrong with a create request."""
    if to is None:
        raise ApiError(400, 21604)
    if from_ is None and service is None:
        raise ApiError(400, 21603)
    if not body and not media and text(params, "ContentSid") is None:
        raise ApiError(400, 21602)
    if len(body) > _MAX_BODY:
        raise ApiError(400, 21617)
    if not _E164.match(to):
        raise ApiError(400, 21211)
    if from_ is not None and not (_E164.match(from_) or _SHORT_CODE.match(from_)
                                  or _ALPHANUMERIC_SENDER.match(from_)):
        raise ApiError(400, 21212)


def _date_sent_filters(query: dict) -> list[tuple[str, date | datetime]]:
    """(parameter, bound) pairs; a bound is a day when only a day was given (or for ``DateSent``)."""
    filters = []
    for name in ("DateSent", "DateSent>", "DateSent<"):
        parsed = date_param(query, name)
        if parsed is not None:
            moment, whole_day = parsed
            filters.append((name, moment.date() if whole_day or name == "DateSent" else moment))
    return filters


def _sent_within(message: EmulatedMessage, filters: list[tuple[str, date | datetime]]) -> bool:
    if message.date_sent is None:
        return False
    sent = message.date_sent.replace(microsecond=0)
    for name, bound in filters:
        value = sent.date() if isinstance(bound, date) and not isinstance(bound, datetime) else sent
        if (name == "DateSent" and value != bound) or (name == "DateSent>" and value < bound) \
                or (name == "DateSent<" and value > bound):
            return False
    return True


class MessagesApi:
    """Every message sent through the API or with ``send_inbound()``. Shares the emulator's ``lock``."""

    def __init__(self, *, account_sid: str, lock: threading.Lock, faults: Faults):
        self.account_sid = account_sid
        self._lock = lock
        self._faults = faults
        self.outbound: list[EmulatedMessage] = []  # accepted outbound messages, in order
        self.inbound: list[EmulatedMessage] = []  # sent with send_inbound(), in order
        self._by_sid: dict[str, EmulatedMessage] = {}
        self._all: list[EmulatedMessage] = []  # outbound and inbound, in creation order

    def route(self, method: str, sid: str | None, path: str,
              record: dict) -> tuple[int, dict, EmulatedMessage | None]:
        """Answers a Messages request: (HTTP status, JSON body, the message created, if any)."""
        if sid is None and method == "POST":
            message = self.create(record)
            return 201, self.json(message), message
        if method == "GET":
            self._faults.raise_lookup_failure()
        if sid is None and method == "GET":
            return 200, self.list(path, record["query"]), None
        if sid is not None and method == "GET":
            return 200, self.fetch(sid, path), None
        raise ApiError(405, 20004, "Method not allowed")

    def get(self, sid: str) -> EmulatedMessage | None:
        return self._by_sid.get(sid)

    def create(self, record: dict) -> EmulatedMessage:
        params = record["params"]
        unknown = ignored(params, _CREATE_PARAMS)
        if unknown:
            record["ignored_params"] = unknown
        to = text(params, "To")
        dropped = self._faults.before_create(to)  # raises a reset-before at once
        self._faults.raise_injected(to)
        from_, service = text(params, "From"), text(params, "MessagingServiceSid")
        body = text(params, "Body") or ""
        media = _media_urls(params)
        _validate(to, from_, service, body, media, params)
        now = datetime.now(UTC)
        message = EmulatedMessage(
            sid=new_sid("SM"), to=to, from_=from_, messaging_service_sid=service, body=body,
            status="queued" if from_ is not None else "accepted",
            status_callback=text(params, "StatusCallback"), num_segments=segments(body),
            error_code=None, date_created=now, direction="outbound-api", date_updated=now,
            date_sent=now, media_urls=media, params=params)
        with self._lock:
            self._faults.refuse_invalid_locked(to)
            self._faults.refuse_opted_out_locked(to)
            self.outbound.append(message)
            self._remember_locked(message)
        if dropped is not None:  # accepted, but the answer is lost
            dropped.message = message
            raise dropped
        return message

    def receive(self, *, from_: str, to: str, body: str, extra: dict | None) -> EmulatedMessage:
        """Records an inbound SMS; its ``params`` are the webhook's form parameters."""
        sid = new_sid("SM")
        count = segments(body)
        params = {
            "ToCountry": country(to), "ToState": "", "SmsMessageSid": sid, "NumMedia": "0",
            "ToCity": "", "FromZip": "", "SmsSid": sid, "FromState": "", "SmsStatus": "received",
            "FromCity": "", "Body": body, "FromCountry": country(from_), "To": to, "ToZip": "",
            "NumSegments": str(count), "MessageSid": sid, "AccountSid": self.account_sid,
            "From": from_, "ApiVersion": API_VERSION,
        }
        params.update({name: str(value) for name, value in (extra or {}).items()})
        now = datetime.now(UTC)
        message = EmulatedMessage(
            sid=sid, to=to, from_=from_, messaging_service_sid=params.get("MessagingServiceSid"),
            body=body, status="received", status_callback=None, num_segments=count, error_code=None,
            date_created=now, direction="inbound", date_updated=now, date_sent=now, params=params)
        with self._lock:
            self.inbound.append(message)
            self._remember_locked(message)
        return message

    def _remember_locked(self, message: EmulatedMessage) -> None:
        self._all.append(message)
        self._by_sid[message.sid] = message

    def fetch(self, sid: str, path: str) -> dict:
        with self._lock:
            message = self._by_sid.get(sid)
            payload = self.json(message) if message is not None else None
        if payload is None:
            raise not_found(path)
        return payload

    def list(self, path: str, query: dict) -> dict:
        """A page of the messages matching the filters, newest first; ``next_page_uri`` carries a
        ``PageToken`` naming the last message listed, as Twilio's does."""
        filters = _date_sent_filters(query)
        to, from_ = text(query, "To"), text(query, "From")
        page_size, page = page_numbers(query)
        token = text(query, "PageToken")

        def wanted(message: EmulatedMessage) -> bool:
            if (to is not None and message.to != to) or (from_ is not None and message.from_ != from_):
                return False
            return not filters or _sent_within(message, filters)

        with self._lock:
            matching = [message for message in reversed(self._all) if wanted(message)]  # newest first
            start = page * page_size
            if token is not None and token.startswith("PA"):
                after = next((n for n, m in enumerate(matching) if m.sid == token[2:]), None)
                if after is not None:
                    start = after + 1
            chosen = matching[start:start + page_size]
            records = [self.json(message) for message in chosen]
        kept = kept_filters(query, _LIST_PARAMS, page_size)

        def uri(page_number: int, page_token: str | None = None) -> str:
            extra = [("Page", str(page_number))] + ([("PageToken", page_token)] if page_token else [])
            return f"{path}?{urlencode(kept + extra)}"

        has_more = start + len(chosen) < len(matching)
        return {
            "messages": records,
            "end": start + max(len(chosen) - 1, 0),
            "first_page_uri": uri(0),
            "next_page_uri": uri(page + 1, "PA" + chosen[-1].sid) if has_more and chosen else None,
            "page": page,
            "page_size": page_size,
            "previous_page_uri": uri(page - 1) if page > 0 else None,
            "start": start,
            "uri": uri(page, token),
        }

    def json(self, message: EmulatedMessage) -> dict:
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{message.sid}"
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": message.body,
            "date_created": rfc2822(message.date_created),
            "date_sent": rfc2822(message.date_sent),
            "date_updated": rfc2822(message.date_updated or message.date_created),
            "direction": message.direction,
            "error_code": message.error_code,
            "error_message": message.error_message,
            "from": message.from_,
            "messaging_service_sid": message.messaging_service_sid,
            "num_media": str(len(message.media_urls)),
            "num_segments": str(message.num_segments),
            "price": message.price,
            "price_unit": "USD",
            "sid": message.sid,
            "status": message.status,
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": message.to,
            "uri": f"{uri}.json",
        }
