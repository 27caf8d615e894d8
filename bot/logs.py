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
"""

from __future__ import annotations

import logging
import re
import sys
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


def setup(level: str | int = "INFO", *, stream: TextIO | None = None,
          fmt: str = FORMAT) -> logging.Handler:
    """One handler on the root logger, with :class:`Redact`; a second call replaces the first.

    Everything that propagates to the root is written through it, uvicorn's lines included when
    uvicorn is run with ``log_config=None`` (as ``coordbot serve`` does).
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(logging.Formatter(fmt))
    handler.addFilter(Redact())
    root.addHandler(handler)
    root.setLevel(level)
    return handler
