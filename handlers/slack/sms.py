"""The notice preview's buttons (send it, or cancel it), a failure report's *Retry these*, and
those under a forwarded SMS (record the sender's answer to a call, or opt them out)."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.dispatch.intake import Intake
from bot.errors import InvalidInput
from bot.sms.blocks import (
    NOTICE_CANCEL_ACTION,
    NOTICE_CONFIRM_ACTION,
    OPT_OUT_BY_HAND_ACTION,
    RETRY_FAILED_ACTION,
    RSVP_ANSWERS,
    RSVP_BY_HAND_ACTION,
)
from bot.sms.commands import (
    CancelNotice,
    ConfirmNotice,
    OptOutById,
    RecordRsvpById,
    RetryFailedTexts,
)
from handlers.slack.accept import accept_then_ack
from handlers.slack.errors import report
from handlers.slack.payloads import DAMAGED, actor_of, number, reply_to


def rsvp_command(value: object) -> RecordRsvpById:
    """``"CALL_ID:CONTACT_ID:ANSWER"`` from a forwarded SMS's button."""
    call_id, contact_id, answer = (str(value or "").split(":") + ["", "", ""])[:3]
    if answer not in RSVP_ANSWERS:
        raise InvalidInput(DAMAGED)
    return RecordRsvpById(number(call_id), number(contact_id), answer)


def retry_command(value: object) -> RetryFailedTexts:
    """``"REPORT:CAUSE"`` from a failure report's *Retry these*."""
    report_number, _, cause = str(value or "").partition(":")
    if not cause or len(cause) > 200:
        raise InvalidInput(DAMAGED)
    return RetryFailedTexts(cause, number(report_number))


def register(app: AsyncApp, intake: Intake) -> None:
    async def submit(build: Any, ack: Any, request: Any, body: dict, action: dict, respond: Any,
                     *, replace: bool) -> None:
        try:
            command = build(action.get("value"))
        except InvalidInput as error:
            await ack()
            await report(error, respond)
            return
        await accept_then_ack(intake, ack, request, body, command, actor_of(body),
                              reply_to=reply_to(body, replace=replace))

    @app.action(NOTICE_CONFIRM_ACTION)
    async def confirm_notice(ack: Any, request: Any, body: dict, action: dict,
                             respond: Any) -> None:
        await submit(lambda value: ConfirmNotice(number(value)), ack, request, body, action,
                     respond, replace=True)

    @app.action(NOTICE_CANCEL_ACTION)
    async def cancel_notice(ack: Any, request: Any, body: dict, action: dict,
                            respond: Any) -> None:
        await submit(lambda value: CancelNotice(number(value)), ack, request, body, action,
                     respond, replace=True)

    @app.action(re.compile(f"^{RSVP_BY_HAND_ACTION}_"))
    async def rsvp_by_hand(ack: Any, request: Any, body: dict, action: dict, respond: Any) -> None:
        await submit(rsvp_command, ack, request, body, action, respond, replace=False)

    @app.action(RETRY_FAILED_ACTION)
    async def retry_failed(ack: Any, request: Any, body: dict, action: dict, respond: Any) -> None:
        await submit(retry_command, ack, request, body, action, respond, replace=False)

    @app.action(OPT_OUT_BY_HAND_ACTION)
    async def opt_out_by_hand(ack: Any, request: Any, body: dict, action: dict,
                              respond: Any) -> None:
        await submit(lambda value: OptOutById(number(value)), ack, request, body, action,
                     respond, replace=False)
