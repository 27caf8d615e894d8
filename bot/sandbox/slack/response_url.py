"""``response_url``: where the app answers a slash command or an interaction.

Slack gives each request its own URL; the emulator hands them out with
:meth:`SlackEmulator.new_response_url` and records what the app POSTs to them in
``Workspace.responses``. A URL it did not hand out is answered 404.
"""

from __future__ import annotations

import json

from .state import Workspace


def new_url(ws: Workspace) -> str:
    root_url = ws.root_url  # first: an emulator not started hands out nothing
    response_id = str(ws.next_number("response"))
    ws.response_ids.add(response_id)
    return f"{root_url}/response/{response_id}"


def receive(ws: Workspace, response_id: str, body: bytes, path: str) -> tuple[int, str]:
    """A POST to a response URL: its JSON body is recorded; answered in plain text."""
    if response_id not in ws.response_ids:
        return 404, "not_found"
    try:
        ws.responses.append((f"{ws.root_url}{path}", json.loads(body)))
    except ValueError:
        return 400, "invalid_payload"
    return 200, "ok"
