"""Each HTTP request's log context and arrival time, set before any handler runs."""

from __future__ import annotations

import re
import uuid
from typing import Any

from bot import logs
from bot.observe import metrics

# Numbers in a path are ids (``/calls/12.ics``): one kind of request, whatever the id.
_ID = re.compile(r"\d+")


class RequestContext:
    """A pure ASGI middleware (no extra task, so the handler shares the context it sets).

    The request id is a fresh one for now; a Slack request's handler replaces it with the id
    derived from its inbox key, which the worker that runs the command logs too.
    """

    def __init__(self, app: Any):
        self._app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        metrics.arrived()
        kind = _ID.sub("N", scope.get("path", ""))[:64]
        with logs.context(request_id=uuid.uuid4().hex[:16], request_kind=kind):
            await self._app(scope, receive, send)
