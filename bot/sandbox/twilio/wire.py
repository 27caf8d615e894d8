"""Twilio's wire format, shared by the emulated APIs: ids, dates, form parameters, JSON errors and
the list envelope."""

from __future__ import annotations

import functools
import os
import re
from datetime import UTC, date, datetime
from email.utils import format_datetime, formatdate, parsedate_to_datetime
from http import HTTPStatus
from urllib.parse import unquote_plus, urlencode

API_VERSION = "2010-04-01"
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ERROR_MESSAGES = {
    21211: "Invalid 'To' Phone Number",
    21212: "Invalid 'From' Phone Number",
    20001: "Invalid parameter",
    21602: "Message body is required.",
    21603: "A 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
    21617: "The concatenated message body exceeds the 1600 character limit.",
    30001: "Queue overflow",
    30002: "Account suspended",
    30003: "Unreachable destination handset",
    30004: "Message blocked",
    30005: "Unknown destination handset",
    30006: "Landline or unreachable carrier",
    30007: "Message filtered",
    30008: "Unknown error",
}


class ApiError(Exception):
    """A refusal, answered as Twilio's JSON error body with this HTTP status and error code."""

    def __init__(self, status: int, code: int, message: str | None = None, headers: dict | None = None):
        super().__init__(message)
        self.status, self.code = status, code
        self.message = message or ERROR_MESSAGES.get(code, HTTPStatus(status).phrase)
        self.headers = headers or {}


def not_found(path: str) -> ApiError:
    return ApiError(404, 20404, f"The requested resource {path} was not found")


def rfc2822(moment: datetime | None) -> str | None:
    """Twilio's date format, e.g. "Thu, 30 Jul 2015 20:12:31 +0000"."""
    return None if moment is None else _rfc2822_second(int(moment.timestamp()))


@functools.lru_cache(maxsize=1024)
def _rfc2822_second(epoch_second: int) -> str:
    return format_datetime(datetime.fromtimestamp(epoch_second, UTC))


@functools.lru_cache(maxsize=4)
def http_date(epoch_second: int) -> str:
    return formatdate(epoch_second, usegmt=True)


def new_sid(prefix: str) -> str:
    return prefix + os.urandom(16).hex()


def country(number: str) -> str:
    return "US" if number.startswith("+1") else ""


def bool_text(value: bool) -> str:
    return "true" if value else "false"


def true(value: str | None, default: bool) -> bool:
    """A TwiML or form boolean ("true"/"false", any case); ``default`` when absent."""
    return default if value is None or value == "" else value.strip().lower() == "true"


def words(value) -> list[str]:
    """Event lists: repeated form fields and/or space- or comma-separated values."""
    values = value if isinstance(value, list) else [value] if value else []
    return [word for item in values for word in item.replace(",", " ").split()]


def _unquote(text: str) -> str:
    return unquote_plus(text) if "%" in text or "+" in text else text


def form(raw: str) -> dict:
    """Form/query parameters; a repeated name (``MediaUrl``) becomes a list."""
    params: dict = {}
    for pair in raw.split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        name, value = _unquote(name), _unquote(value)
        if name in params:
            previous = params[name]
            params[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            params[name] = value
    return params


def text(params: dict, name: str) -> str | None:
    """The parameter's value (the last, if repeated), or None when absent or empty."""
    value = params.get(name)
    if isinstance(value, list):
        value = value[-1] if value else None
    return value if value else None


def ignored(params: dict, known) -> list[str]:
    """The parameter names not in ``known``: Twilio ignores them, the request record lists them."""
    return sorted(name for name in params if name not in known)


def date_filter(value: str) -> tuple[datetime, bool]:
    """A ``DateSent``-style filter value: (UTC moment, whether only the day was given)."""
    value = value.strip()
    if _DAY.match(value):
        return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC), True
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            raise ValueError(value) from None
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)), False


def date_param(query: dict, name: str) -> tuple[datetime, bool] | None:
    """The date filter ``name`` as :func:`date_filter` reads it, or None if not given; 400 if invalid."""
    value = text(query, name)
    if value is None:
        return None
    try:
        return date_filter(value)
    except ValueError:
        raise ApiError(400, 20001, f"Invalid {name}: {value}") from None


def page_numbers(query: dict) -> tuple[int, int]:
    """(PageSize, Page) of a list request, clamped as Twilio does."""
    try:
        page_size = max(1, min(1000, int(text(query, "PageSize") or 50)))
        page = max(0, int(text(query, "Page") or 0))
    except ValueError:
        raise ApiError(400, 20001, "Invalid PageSize or Page") from None
    return page_size, page


def kept_filters(query: dict, list_params: tuple[str, ...], page_size: int) -> list[tuple[str, str]]:
    """The list parameters given, to repeat in the page URIs; ``PageSize`` always among them."""
    kept = [(name, text(query, name)) for name in list_params if text(query, name) is not None]
    if not any(name == "PageSize" for name, _ in kept):
        kept.append(("PageSize", str(page_size)))
    return kept


def page(path: str, query: dict, key: str, records: list[dict], list_params: tuple[str, ...]) -> dict:
    """A page of ``records`` (already filtered and ordered) in Twilio's list envelope."""
    page_size, number = page_numbers(query)
    kept = kept_filters(query, list_params, page_size)

    def uri(page_number: int) -> str:
        return f"{path}?{urlencode([*kept, ('Page', str(page_number))])}"

    start = number * page_size
    chosen = records[start:start + page_size]
    return {
        key: chosen,
        "end": start + max(len(chosen) - 1, 0),
        "first_page_uri": uri(0),
        "next_page_uri": uri(number + 1) if start + len(chosen) < len(records) else None,
        "page": number,
        "page_size": page_size,
        "previous_page_uri": uri(number - 1) if number > 0 else None,
        "start": start,
        "uri": uri(number),
    }
