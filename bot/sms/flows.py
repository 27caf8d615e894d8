"""What each notice command does; the dispatcher runs them (role, transaction, reply)."""

from __future__ import annotations

from bot.dispatch.dispatcher import Context, Route
from bot.dispatch.reply import Reply, queued
from bot.incidents.where import incident_for as find
from bot.sms import blocks as sms_blocks
from bot.sms.commands import CancelNotice, ConfirmNotice, DraftNotice
from bot.sms.service import notices


def draft(command: DraftNotice, context: Context) -> Reply:
    incident = find(context, command.key, "notify")
    preview = notices.create(context.uow, incident=incident, text=command.text,
                             actor=context.user, now=context.now, settings=context.settings)
    return Reply(*sms_blocks.preview(incident.key, preview))


def confirm(command: ConfirmNotice, context: Context) -> Reply:
    notice = notices.confirm(context.uow, notice_id=command.notice_id, actor=context.user,
                             now=context.now, settings=context.settings)
    incident = context.uow.incidents.get(notice.incident_id)
    return queued(f"The notice is queued for {notice.recipients} contacts; a delivery summary in "
                  "the incident channel will show its progress.",
                  key=notices.summary_key(notice.id), what="the delivery summary",
                  channel=incident.channel_id)


def cancel(command: CancelNotice, context: Context) -> Reply:
    notices.cancel(context.uow, notice_id=command.notice_id, actor=context.user, now=context.now)
    return Reply("Cancelled: nothing was sent.")


DOING = "send SMS notices"
ROUTES = (
    Route(DraftNotice, draft, "coordinator", DOING),
    Route(ConfirmNotice, confirm, "coordinator", DOING),
    Route(CancelNotice, cancel, "coordinator", DOING),
)
