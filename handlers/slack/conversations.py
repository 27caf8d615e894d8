"""The buttons on a conversation's card (Reply, Claim, Mark as handled, Add to directory, Reveal
number) and its two forms. Forms open right after the ack (a ``trigger_id`` expires in 3 s);
their mistakes are shown in the form; the work is handed to the worker process."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.config import Settings
from bot.dispatch.intake import Intake
from bot.errors import InvalidInput
from bot.slack_ui.block_kit import field_values
from bot.sms import blocks
from bot.sms import forms as conversation_forms
from bot.sms.commands import (
    AddConversationContact,
    ClaimConversation,
    MarkConversationHandled,
    ReplyToConversation,
    RevealConversationNumber,
)
from handlers.slack.accept import accept_then_ack
from handlers.slack.errors import report
from handlers.slack.payloads import actor_of, channel_of, number, reply_to

BUTTONS = {blocks.CONVERSATION_CLAIM_ACTION: ClaimConversation,
           blocks.CONVERSATION_HANDLED_ACTION: MarkConversationHandled,
           blocks.CONVERSATION_REVEAL_ACTION: RevealConversationNumber}


def register(app: AsyncApp, intake: Intake, settings: Settings) -> None:
    max_segments = settings.sms.max_segments

    async def submit(ack: Any, request: Any, body: dict, action: dict, respond: Any) -> None:
        try:
            command = BUTTONS[action["action_id"]](number(action.get("value")))
        except InvalidInput as error:
            await ack()
            await report(error, respond)
            return
        await accept_then_ack(intake, ack, request, body, command, actor_of(body),
                              reply_to=reply_to(body))

    for action_id in BUTTONS:
        app.action(action_id)(submit)

    async def open_form(body: dict, action: dict, client: Any, respond: Any,
                        view: Callable[[str, str], dict]) -> None:
        conversation_id, _, language = str(action.get("value") or "").partition(":")
        try:
            private_metadata = conversation_forms.metadata(
                str(number(conversation_id)), channel_of(body) or "", body.get("response_url") or "")
            await client.views_open(trigger_id=body["trigger_id"],
                                    view=view(private_metadata, language[:16]))
        except Exception as error:
            await report(error, respond)

    @app.action(blocks.CONVERSATION_REPLY_ACTION)
    async def reply(ack: Any, body: dict, action: dict, client: Any, respond: Any = None) -> None:
        await ack()
        await open_form(body, action, client, respond, lambda metadata, language:
                        conversation_forms.reply_view(metadata, language, max_segments))

    @app.action(blocks.CONVERSATION_ADD_ACTION)
    async def add_contact(ack: Any, body: dict, action: dict, client: Any,
                          respond: Any = None) -> None:
        await ack()
        await open_form(body, action, client, respond, conversation_forms.add_contact_view)

    async def submitted(ack: Any, request: Any, body: dict, view: dict, fields: tuple[str, ...],
                        problems: Callable[[dict[str, str]], dict[str, str]],
                        build: Callable[[int, dict[str, str]], Any]) -> None:
        values = field_values(view["state"], fields)
        errors = problems(values)
        conversation_id, channel, response_url = conversation_forms.split_metadata(
            view.get("private_metadata"))
        try:
            command = None if errors else build(number(conversation_id), values)
        except InvalidInput as error:
            errors = {fields[0]: error.problem}
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await accept_then_ack(intake, ack, request, body, command, actor_of(body, channel or None),
                              reply_to=({"response_url": response_url, "replace_original": False}
                                        if response_url else reply_to(body, channel=channel)),
                              say_queued=False)

    @app.view(conversation_forms.REPLY_CALLBACK_ID)
    async def reply_submitted(ack: Any, request: Any, body: dict, view: dict) -> None:
        await submitted(ack, request, body, view, conversation_forms.REPLY_FIELDS,
                        lambda values: conversation_forms.reply_problems(values, max_segments),
                        lambda cid, values: ReplyToConversation(cid, values["text"]))

    @app.view(conversation_forms.ADD_CONTACT_CALLBACK_ID)
    async def add_contact_submitted(ack: Any, request: Any, body: dict, view: dict) -> None:
        await submitted(ack, request, body, view, conversation_forms.ADD_CONTACT_FIELDS,
                        conversation_forms.add_contact_problems,
                        lambda cid, values: AddConversationContact(cid, **values))
