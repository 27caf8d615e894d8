"""The review card's buttons (Approve, Edit, Request changes) and their modals.

Edit and Request changes open their modal right after the ack (a ``trigger_id`` lasts 3 s),
reading the notes in a thread of this process; saving and approving run in the worker process.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.dispatch.dispatcher import Dispatcher
from bot.dispatch.intake import Intake
from bot.errors import InvalidInput
from bot.notes import blocks as notes_blocks
from bot.notes.commands import (
    ApproveNotes,
    OpenChangesForm,
    OpenNotesEditor,
    RequestNotesChanges,
    SaveNotesEdit,
)
from bot.notes.service.review import MAX_TEXT
from handlers.slack.accept import accept_then_ack
from handlers.slack.errors import report
from handlers.slack.modals import open_modal
from handlers.slack.payloads import actor_of, number


def _numbers(value: str) -> tuple[int, int]:
    notes_id, _, version = str(value or "").partition(":")
    return number(notes_id), number(version)


def _ephemeral(actor) -> dict:
    return {"channel": actor.channel or actor.user, "user": actor.user}


def register(app: AsyncApp, intake: Intake, dispatcher: Dispatcher) -> None:
    @app.action(notes_blocks.APPROVE_ACTION)
    async def approve(ack: Any, request: Any, body: dict, action: dict, respond: Any) -> None:
        try:
            command = ApproveNotes(*_numbers(action.get("value")))
        except InvalidInput as error:
            await ack()
            await report(error, respond)
            return
        actor = actor_of(body)
        await accept_then_ack(intake, ack, request, body, command, actor,
                              reply_to=_ephemeral(actor))

    @app.action(notes_blocks.EDIT_ACTION)
    async def edit(ack: Any, body: dict, action: dict, client: Any, respond: Any) -> None:
        await ack()
        await open_modal(dispatcher, OpenNotesEditor, body, action, client, respond)

    @app.action(notes_blocks.CHANGES_ACTION)
    async def request_changes(ack: Any, body: dict, action: dict, client: Any,
                              respond: Any) -> None:
        await ack()
        await open_modal(dispatcher, OpenChangesForm, body, action, client, respond)

    @app.view(notes_blocks.EDIT_CALLBACK)
    async def save(ack: Any, request: Any, body: dict, view: dict) -> None:
        submitted = notes_blocks.edit_submission(view)
        problem = ("The notes cannot be empty." if not submitted.text.strip() else
                   f"Too long: {len(submitted.text):,} characters (limit {MAX_TEXT:,})."
                   if len(submitted.text) > MAX_TEXT else None)
        if problem:
            await ack(response_action="errors", errors={"part_1": problem})
            return
        actor = actor_of(body, submitted.channel or None)
        await accept_then_ack(intake, ack, request, body,
                              SaveNotesEdit(submitted.notes_id, submitted.text, submitted.version),
                              actor, reply_to=_ephemeral(actor), say_queued=False)

    @app.view(notes_blocks.CHANGES_CALLBACK)
    async def send_changes(ack: Any, request: Any, body: dict, view: dict) -> None:
        notes_id, channel, comment = notes_blocks.changes_submission(view)
        if not comment:
            await ack(response_action="errors", errors={"comment": "Say what should change."})
            return
        actor = actor_of(body, channel or None)
        await accept_then_ack(intake, ack, request, body, RequestNotesChanges(notes_id, comment),
                              actor, reply_to=_ephemeral(actor), say_queued=False)
