"""Logging for ``coordbot serve``, ``worker`` and ``demo``: one format, and no personal data or
secrets in what is written.

Log lines leave the machine (a log service, a support ticket) and are kept longer than the data
they mention. Full phone numbers were in them (an opt-out line names the number that texted
STOP), and so were signed link tokens: uvicorn's access line is the whole path with its query,
and the calendar links' ``t=`` never expires. :class:`Redact` rewrites every record on its way
to the handler: phone numbers (E.164 and the usual US forms) keep their last four digits, as
``bot.directory.rules.phones.mask`` shows them to people; the values of ``t=``, ``e=`` and
other token parameters become ``…``. SQL parameters never reach the log at all (the engine is
made with ``hide_parameters``).

``setup(json_lines=True)`` (``--log-format json``, or ``log_format = "json"``) writes one JSON
object a line, for a log service, with the request id, the kind of request, the incident key and
the outbox key of whatever the line is about (:func:`context`, kept in ``contextvars`` so that
threads and tasks each see their own). Those fields are redacted like the message. The plain
format stays the default for a terminal.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
import logging
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TextIO

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
HANDLER_NAME = "coordbot"
HIDDEN = "…"

# +12025550143, +44 20 7946 0958 …: a "+" then 8 to 15 digits, spaces, dots or dashes between.
_E164 = re.compile(r"(?<![\w+])\+\d(?:[\s.-]?\d){6,14}(?!\d)")
# (202) 555-0143, 202-555-0143, 202.555.0143, 202 555 0143, 1-202-555-0143.
_US = re.compile(r"(?<![\w.+-])(?:1[\s.-])?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?![\w-])")
# ?t=…, &e=…, token=…, signature=… in a URL or a query string.
_TOKEN = re.compile(r"(?<![\w])((?:t|e|token|sig|signature|access_token)=)[^&\s\"'<>]+",
                    re.IGNORECASE)


def masked_phone(text: str) -> str:
    """A phone number as its last four digits: ``+12025550143`` -> ``+•••0143``."""
    digits = re.sub(r"\D", "", text)
    return ("+" if text.startswith("+") else "") + "•••" + digits[-4:]


def redact(text: str) -> str:
    """``text`` without full phone numbers and without the values of token parameters."""
    if not text:
        return text
    text = _TOKEN.sub(lambda m: m.group(1) + HIDDEN, text)
    text = _E164.sub(lambda m: masked_phone(m.group(0)), text)
    return _US.sub(lambda m: masked_phone(m.group(0)), text)


class Redact(logging.Filter):
    """Rewrites the record's message (and its traceback text) through :func:`redact`."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string is logging's to report; leave the record be
            return True
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


# What a line is about; each is None outside a request, a message or an incident.
CONTEXT_FIELDS = ("request_id", "request_kind", "incident", "outbox_key")
_CONTEXT: dict[str, contextvars.ContextVar[str | None]] = {
    name: contextvars.ContextVar(f"coordbot_log_{name}", default=None) for name in CONTEXT_FIELDS}


@contextlib.contextmanager
def context(**fields: str | None) -> Iterator[None]:
    """Every line logged inside carries ``fields`` (``request_id``, ``request_kind``,
    ``incident``, ``outbox_key``); the previous values come back on the way out."""
    tokens = [(_CONTEXT[name], _CONTEXT[name].set(value)) for name, value in fields.items()
              if value is not None]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def set_context(**fields: str | None) -> None:
    """Sets fields for the rest of the current task or thread (an ASGI request's own context)."""
    for name, value in fields.items():
        if value is not None:
            _CONTEXT[name].set(value)


def request_id(dedupe_key: str) -> str:
    """A short id for a request, the same in the web process and in the worker that runs it
    (both know its inbox dedupe key, which is a signature hash or Slack's event id)."""
    return hashlib.sha256(dedupe_key.encode()).hexdigest()[:16]


def incident_of(command: object) -> str | None:
    """The incident key a typed command names (its ``key``), if it names one."""
    key = getattr(command, "key", None)
    return key if isinstance(key, str) else None


class Context(logging.Filter):
    """Puts the current :func:`context` on the record (``record.request_id`` …)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in _CONTEXT.items():
            if not hasattr(record, name):
                setattr(record, name, var.get())
        return True


class JsonLines(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, process, message, the
    context fields, and the traceback when there is one (all already redacted)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name,
                "process": record.processName, "message": record.getMessage()}
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            line[name] = redact(str(value)) if value is not None else None
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False)


def setup(level: str | int = "INFO", *, stream: TextIO | None = None,
          fmt: str = FORMAT, json_lines: bool = False) -> logging.Handler:
    """One handler on the root logger, with :class:`Redact`; a second call replaces the first.

    Everything that propagates to the root is written through it, uvicorn's lines included when
    uvicorn is run with ``log_config=None`` (as ``coordbot serve`` does).
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(JsonLines() if json_lines else logging.Formatter(fmt))
    handler.addFilter(Context())
    handler.addFilter(Redact())
    root.addHandler(handler)
    root.setLevel(level)
    return handler
