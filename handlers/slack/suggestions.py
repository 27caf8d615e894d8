"""The review card's transcript buttons: accept a suggestion as a decision or (with a form) as
an action item, drop it, keep or remove the transcript's section. Each click is one command
through the inbox; the form opens right after the ack (a ``trigger_id`` lasts 3 s)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.actions import forms as action_forms
from bot.actions.commands import AddActionFromSuggestion
from bot.dispatch.dispatcher import Dispatcher
from bot.dispatch.intake import Intake
from bot.errors import InvalidInput
from bot.notes import suggestion_blocks as blocks
from bot.notes.commands import AcceptSuggestion, DropSuggestion, KeepTranscript, OpenSuggestionActionForm
from handlers.slack.accept import accept_then_ack
from handlers.slack.errors import report
from handlers.slack.modals import open_modal
from handlers.slack.payloads import actor_of, number


def _keep(value: str) -> KeepTranscript:
    notes_id, _, keep = str(value or "").partition(":")
    if keep not in ("0", "1"):
        raise InvalidInput("This button is damaged: use the latest review card.")
    return KeepTranscript(number(notes_id), keep == "1")


def _ephemeral(actor) -> dict:
    return {"channel": actor.channel or actor.user, "user": actor.user}


def register(app: AsyncApp, intake: Intake, dispatcher: Dispatcher) -> None:
    async def clicked(make: Any, ack: Any, request: Any, body: dict, action: dict,
                      respond: Any) -> None:
        try:
            command = make(action.get("value"))
        except InvalidInput as error:
            await ack()
            await report(error, respond)
            return
        actor = actor_of(body)
        await accept_then_ack(intake, ack, request, body, command, actor,
                              reply_to=_ephemeral(actor))

    def button(make: Any) -> Any:
        # Bolt passes a listener only the arguments it names, so ``make`` is closed over
        async def listener(ack: Any, request: Any, body: dict, action: dict,
                           respond: Any) -> None:
            await clicked(make, ack, request, body, action, respond)
        return listener

    app.action(blocks.ACCEPT_DECISION)(button(lambda v: AcceptSuggestion(number(v))))
    app.action(blocks.DROP)(button(lambda v: DropSuggestion(number(v))))
    app.action(blocks.KEEP)(button(_keep))

    @app.action(blocks.ACCEPT_ACTION)
    async def open_form(ack: Any, body: dict, action: dict, client: Any, respond: Any) -> None:
        await ack()
        await open_modal(dispatcher, OpenSuggestionActionForm, body, action, client, respond)

    @app.view(blocks.ACTION_FORM)
    async def submitted(ack: Any, request: Any, body: dict, view: dict) -> None:
        try:
            suggestion_id, channel, fields = blocks.action_submission(view)
        except InvalidInput as error:
            await ack(response_action="errors", errors={"owner": error.problem})
            return
        errors = action_forms.problems(fields)
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        actor = actor_of(body, channel or None)
        command = AddActionFromSuggestion(suggestion_id, fields["owner"], fields["text"],
                                          fields["due"])
        await accept_then_ack(intake, ack, request, body, command, actor,
                              reply_to=_ephemeral(actor), say_queued=False)
