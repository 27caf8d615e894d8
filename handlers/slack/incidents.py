"""The declare and edit forms (field errors shown in the form) and the close confirmation
buttons."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.directory.rules.regions import parse_regions
from bot.dispatch.grammar import changes_from
from bot.dispatch.intake import Intake
from bot.errors import InvalidInput
from bot.incidents import forms as declare_modal
from bot.incidents.blocks import CLOSE_CANCEL_ACTION, CLOSE_CONFIRM_ACTION
from bot.incidents.commands import CloseIncident, DeclareIncident, EditIncident
from bot.incidents.rules import IncidentChanges, IncidentDraft, IncidentType, Severity
from bot.slack_ui.text import escape
from handlers.slack.accept import accept_then_ack
from handlers.slack.payloads import actor_of, reply_to


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


def changes_from_form(values: dict[str, str]) -> tuple[IncidentChanges | None, dict[str, str]]:
    """The changes the edit form asks for, or the problems keyed by the form's block ids."""
    errors: dict[str, str] = {}
    for name, value in values.items():
        try:
            changes_from({name: value}, example="")
        except InvalidInput as error:
            errors[name] = error.problem
    return (None, errors) if errors else (changes_from(values, example=""), {})


def register(app: AsyncApp, intake: Intake) -> None:
    async def submitted(ack: Any, request: Any, body: dict, errors: dict[str, str],
                        command: Callable[[], Any], channel: str | None) -> None:
        """Field errors go back into the form; else the command is accepted (no text: a form's
        ack cannot carry any)."""
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await accept_then_ack(intake, ack, request, body, command(), actor_of(body, channel),
                              reply_to=reply_to(body, channel=channel), say_queued=False)

    @app.view(declare_modal.EDIT_CALLBACK_ID)
    async def edit(ack: Any, request: Any, body: dict, view: dict) -> None:
        changes, errors = changes_from_form(declare_modal.submitted_edit(view["state"]))
        channel, _, key = (view.get("private_metadata") or "").partition("|")
        await submitted(ack, request, body, errors, lambda: EditIncident(key or None, changes),
                        channel or None)

    @app.view(declare_modal.CALLBACK_ID)
    async def declare(ack: Any, request: Any, body: dict, view: dict) -> None:
        draft, errors = draft_from(declare_modal.submitted_values(view["state"]))
        await submitted(ack, request, body, errors, lambda: DeclareIncident(draft),
                        view.get("private_metadata") or None)

    @app.action(CLOSE_CONFIRM_ACTION)
    async def confirm_close(ack: Any, request: Any, body: dict, action: dict) -> None:
        await accept_then_ack(intake, ack, request, body,
                              CloseIncident(str(action.get("value") or "")), actor_of(body),
                              reply_to=reply_to(body, replace=True))

    @app.action(CLOSE_CANCEL_ACTION)
    async def cancel_close(ack: Any, action: dict, respond: Any) -> None:
        await ack()
        await respond(text=f"Kept {escape(str(action.get('value') or ''))} open.",
                      replace_original=True)
