"""Each HTTP request's log context and arrival time, set before any handler runs."""

from __future__ import annotations

import itertools
import os
import re
from typing import Any

from bot import logs
from bot.observe import metrics

# Numbers in a path are ids (``/calls/12.ics``): one kind of request, whatever the id.
_ID = re.compile(r"\d+")
# The paths seen, by their kind: a few routes in practice; anything past the bound (a scan of
# made-up paths) is worked out each time instead of growing the table.
_KINDS: dict[str, str] = {}
MAX_KINDS = 256


class RequestContext:
    """A pure ASGI middleware (no extra task, so the handler shares the context it sets).

    The request id is a fresh one for now; a Slack request's handler replaces it with the id
    derived from its inbox key, which the worker that runs the command logs too. It is this
    process's random prefix and a counter, not a ``uuid4`` per request: reading the system's
    random source releases the interpreter lock on the acknowledgement's path, and the inbox
    writer thread then takes it for the rest of a switch interval.
    """

    def __init__(self, app: Any):
        self._app = app
        self._prefix = os.urandom(4).hex()
        self._counter = itertools.count(1)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        metrics.arrived()
        request_id = f"{self._prefix}{next(self._counter):08x}"
        with logs.context(request_id=request_id, request_kind=_kind(scope.get("path", ""))):
            await self._app(scope, receive, send)


def _kind(path: str) -> str:
    kind = _KINDS.get(path)
    if kind is None:
        kind = _ID.sub("N", path)[:64]
        if len(_KINDS) < MAX_KINDS:
            _KINDS[path] = kind
    return kind
