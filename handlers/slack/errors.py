"""The one place Slack errors become messages: domain errors as they are, the rest with an id.

When the request still waits for its answer (the listener failed before its ack), the answer
carries the message: a form shows it on its first field (a 500 left the person with Slack's
generic "trouble connecting" and no id to quote), a slash command as an ephemeral reply.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import ClientError
from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.slack_ui.errors import message_for

FORM_ERROR_LIMIT = 1_000  # characters of the message shown under a form's field
log = logging.getLogger(__name__)


def text_for(error: Exception) -> str:
    """Slack refusing a call made for the person (a form whose ``trigger_id`` has expired, or
    was never Slack's) is said with Slack's code, and a ``response_url`` that does not answer
    as such; neither is a fault of ours, so neither is logged with a traceback."""
    if isinstance(error, SlackApiError):
        code = str((error.response.get("error") if error.response is not None else None)
                   or "unknown")[:60]
        log.warning("Slack refused a call made for a request: %s", code)
        return (f":warning: Slack refused that (`{code}`). If a form was to open, click the "
                "button or run the command again: Slack gives us 3 seconds to open it.")
    if isinstance(error, ClientError | TimeoutError):  # the request's response_url did not answer
        log.warning("could not reach Slack for a request: %s", type(error).__name__)
        return ":warning: Slack could not be reached; please try again."
    return message_for(error)


async def report(error: Exception, respond: Any) -> None:
    """Tells the person through the request's ``response_url``; one that cannot be used (none
    given, or not answering) is logged in a line, as the error itself already was."""
    text = text_for(error)
    if respond is None:
        return
    try:
        await respond(text=text, response_type="ephemeral", replace_original=False)
    except Exception as failure:
        log.warning("could not tell the person about an error: %s", type(failure).__name__)


def answer(text: str, body: Any) -> BoltResponse:
    """The pending request's answer, so that the person sees ``text`` and nothing is a 500."""
    body = body if isinstance(body, dict) else {}
    if body.get("type") == "view_submission":
        view = body.get("view") if isinstance(body.get("view"), dict) else {}
        field = next((block.get("block_id") for block in view.get("blocks") or []
                      if isinstance(block, dict) and block.get("type") == "input"
                      and isinstance(block.get("block_id"), str)), None)
        if field:
            return _json({"response_action": "errors", "errors": {field: text[:FORM_ERROR_LIMIT]}})
        return _json({"response_action": "push", "view": {
            "type": "modal", "title": {"type": "plain_text", "text": "Not saved"},
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}})
    if "command" in body:
        return _json({"response_type": "ephemeral", "text": text})
    return BoltResponse(status=200, body="")


def _json(content: dict) -> BoltResponse:
    return BoltResponse(status=200, body=json.dumps(content),
                        headers={"content-type": "application/json;charset=utf-8"})


def register(app: AsyncApp) -> None:
    @app.error
    async def on_error(error: Exception, body: dict, respond: Any = None,
                       response: BoltResponse | None = None) -> BoltResponse | None:
        if response is not None:  # not acknowledged yet: the answer tells the person
            return answer(text_for(error), body)
        await report(error, respond)
        return None
