"""The declare modal: field errors shown in the form, the declaration done after it closes."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.bootstrap import Container
from bot.calls import forms as call_modal
from bot.calls.rules.when import parse_schedule
from bot.directory.rules.regions import parse_regions
from bot.dispatch.grammar import Invocation
from bot.dispatch.process import CommandProcess
from bot.errors import InvalidInput
from bot.incidents import forms as declare_modal
from bot.incidents.rules import IncidentDraft, IncidentType, Severity


def draft_from(values: dict[str, str]) -> tuple[IncidentDraft | None, dict[str, str]]:
    """Builds the draft, or returns the problems keyed by the form's block ids."""
    errors: dict[str, str] = {}
    parsed: dict[str, Any] = {}
    parsers = {
        "type": lambda v: IncidentType.parse(v, example=""),
        "severity": lambda v: Severity.parse(v or "moderate", example=""),
        "regions": lambda v: parse_regions(v, example=""),
    }
    for name, parse in parsers.items():
        try:
            parsed[name] = parse(values[name])
        except InvalidInput as error:
            errors[name] = error.problem
    if not values["title"]:
        errors["title"] = "Give the incident a title."
    if errors:
        return None, errors
    try:
        return IncidentDraft(title=values["title"], summary=values["summary"], **parsed), {}
    except InvalidInput as error:
        return None, {"summary" if "summary" in error.problem else "title": error.problem}


def register(app: AsyncApp, runner: CommandProcess) -> None:
    @app.view(declare_modal.CALLBACK_ID)
    async def declare(ack: Any, body: dict, view: dict) -> None:
        draft, errors = draft_from(declare_modal.submitted_values(view["state"]))
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        user = body["user"]["id"]
        runner.submit("declare", draft, user=user,
                      reply_to={"channel": view.get("private_metadata") or user, "user": user})


def register_call_form(app: AsyncApp, runner: CommandProcess, container: Container) -> None:
    @app.view(call_modal.CALLBACK_ID)
    async def schedule(ack: Any, body: dict, view: dict) -> None:
        text = call_modal.schedule_text(view["state"])
        try:  # checked here so that mistakes are shown in the form itself
            parse_schedule(text, now=container.clock.now(), default_zone=container.settings.timezone)
        except InvalidInput as error:
            await ack(response_action="errors", errors={"when": error.problem[:150]})
            return
        await ack()
        user = body["user"]["id"]
        channel, _, key = view.get("private_metadata", "").partition("|")
        runner.submit("run", Invocation("call", key=key or None, text=f"schedule {text}"),
                      user=user, channel=channel or None,
                      reply_to={"channel": channel or user, "user": user})
