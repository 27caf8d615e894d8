"""The review card's buttons (Approve, Edit, Request changes) and their modals.

Edit and Request changes open their modal right after the ack (a ``trigger_id`` lasts 3 s),
reading the notes in a thread; saving and approving run in the command worker process.
"""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.bootstrap import Container
from bot.dispatch.process import CommandProcess
from bot.errors import InvalidInput
from bot.notes import blocks as notes_blocks
from bot.notes.flows import NotesCommands
from bot.notes.service.review import MAX_TEXT
from handlers.slack.errors import report
from handlers.slack.payloads import channel_of


def _where(body: dict) -> tuple[str, str]:
    user = body["user"]["id"]
    return user, channel_of(body) or user


def _numbers(value: str) -> tuple[int, int]:
    notes_id, _, version = value.partition(":")
    if not (notes_id.isdigit() and version.isdigit()):
        raise InvalidInput("This button is damaged: use the buttons of the latest review card.")
    return int(notes_id), int(version)


def register(app: AsyncApp, runner: CommandProcess, container: Container) -> None:
    commands = NotesCommands(container)

    @app.action(notes_blocks.APPROVE_ACTION)
    async def approve(ack: Any, body: dict, action: dict, respond: Any) -> None:
        await ack()
        user, channel = _where(body)
        try:
            notes_id, version = _numbers(action["value"])
        except InvalidInput as error:
            await report(error, respond)
            return
        runner.submit("notes.approve", notes_id, version, user=user,
                      reply_to={"channel": channel, "user": user})

    async def open_modal(build: Any, body: dict, action: dict, client: Any, respond: Any) -> None:
        user, channel = _where(body)
        try:
            view = await asyncio.to_thread(build, int(action["value"]), user=user, channel=channel)
            await client.views_open(trigger_id=body["trigger_id"], view=view)
        except Exception as error:
            await report(error, respond)

    @app.action(notes_blocks.EDIT_ACTION)
    async def edit(ack: Any, body: dict, action: dict, client: Any, respond: Any) -> None:
        await ack()
        await open_modal(commands.edit_view, body, action, client, respond)

    @app.action(notes_blocks.CHANGES_ACTION)
    async def request_changes(ack: Any, body: dict, action: dict, client: Any,
                              respond: Any) -> None:
        await ack()
        await open_modal(commands.changes_view, body, action, client, respond)

    @app.view(notes_blocks.EDIT_CALLBACK)
    async def save(ack: Any, body: dict, view: dict) -> None:
        submitted = notes_blocks.edit_submission(view)
        problem = ("The notes cannot be empty." if not submitted.text.strip() else
                   f"Too long: {len(submitted.text):,} characters (limit {MAX_TEXT:,})."
                   if len(submitted.text) > MAX_TEXT else None)
        if problem:
            await ack(response_action="errors", errors={"part_1": problem})
            return
        await ack()
        user = body["user"]["id"]
        runner.submit("notes.save_edit", submitted.notes_id, submitted.text, user=user,
                      base_version=submitted.version,
                      reply_to={"channel": submitted.channel or user, "user": user})

    @app.view(notes_blocks.CHANGES_CALLBACK)
    async def send_changes(ack: Any, body: dict, view: dict) -> None:
        notes_id, channel, comment = notes_blocks.changes_submission(view)
        if not comment:
            await ack(response_action="errors", errors={"comment": "Say what should change."})
            return
        await ack()
        user = body["user"]["id"]
        runner.submit("notes.request_changes", notes_id, comment, user=user,
                      reply_to={"channel": channel or user, "user": user})
