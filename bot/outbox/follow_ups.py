"""Replies edited in place once the post they speak of exists, or has failed for good.

A reply to a coordinator may only say that a post is *queued*: the post is an outbox row that
goes later, may wait for its channel to be created, or may be refused by Slack. Such a reply
names the post's key, and ``attach`` writes a ``follow_up`` into that row's payload, in the
transaction that queues the reply. When the worker records the row as sent (or failed for good),
``queue_edits`` runs in that same recording transaction and queues one more REPLY row, keyed
``reply-edit:{request id}:{post key}`` (``…:failed`` for a failure), which replaces the reply
with where the post is, or with why it is not there. A row is recorded sent once, and a key is
queued once, so each outcome edits the reply once, however often the request or the post's
delivery is replayed; a failed post that an administrator retries may edit it once more.

Slack's limits on a ``response_url``: it accepts at most 5 responses, within 30 minutes of the
request. ``replace_original: true`` replaces the message the URL produced: a slash command's
own reply, or, for a button, the message that holds the button. So a reply is edited only when
it *is* that message (a slash command's reply, or a button's reply that replaced its card);
an ephemeral ``chat.postEphemeral`` reply cannot be edited at all. A reply uses at most three
responses (itself, the failure, the success after a retry). No edit is queued, and none is
sent, once ``EDIT_WINDOW`` has passed since the request: the post itself, or the failure report
(a direct message and a line in the incident channel), tells the person instead.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.db.models import OutboxMessage
from bot.db.unit_of_work import UnitOfWork
from bot.outbox.kinds import Kind
from bot.outbox.queue import enqueue
from bot.outbox.slack_failures import WHY
from bot.ports import DeliveryError

# Slack's 30 minutes, less a minute for the clocks of Slack and of the worker to differ.
EDIT_WINDOW = timedelta(minutes=29)
EDIT_PREFIX = "reply-edit:"
# Failures caused by another row's, in words (the others are in ``slack_failures.WHY``).
WHY_DEPENDENT = {"channel_not_created": "its channel could not be created",
                 "card_not_posted": "the card's first post failed"}
EDITABLE_SUFFIX = "_This message will change to say where it is once it is posted._"
NOT_EDITABLE_SUFFIX = ("_It appears there once it is posted; if Slack refuses it, the bot tells "
                       "you in a direct message._")


def editable(reply_to: dict[str, Any] | None) -> bool:
    """Whether a reply sent to ``reply_to`` can later be replaced: it goes through a
    ``response_url`` and is the message that URL replaces (a slash command's reply carries no
    ``replace_original``; a button's reply that is a new message says ``False``)."""
    return bool(reply_to and reply_to.get("response_url")
                and reply_to.get("replace_original", True) is not False)


def attach(uow: UnitOfWork, *, key: str, lead: str, what: str, request_id: int,
           reply_to: dict[str, Any], received_at: datetime, now: datetime) -> bool:
    """Asks for the reply of request ``request_id`` to be edited once post ``key`` is out.

    Meant for a post queued in the same transaction as the reply (nothing can be sending it
    meanwhile). A post already out queues its edit at once; False when ``key`` is unknown.
    """
    row = uow.outbox.by_key(key)
    if row is None:
        return False
    follow_up = {"request_id": request_id, "reply_to": reply_to, "lead": lead, "what": what,
                 "expires_at": (received_at + EDIT_WINDOW).isoformat()}
    if row.status in ("sent", "failed"):
        _queue_edit(uow, row, follow_up, now)
    else:
        row.payload = {**row.payload, "follow_up": follow_up}
    return True


def queue_edits(uow: UnitOfWork, pairs: list[tuple[OutboxMessage, DeliveryError | None]],
                now: datetime) -> None:
    """The worker's hook, in its recording transaction: edits for rows now sent or failed."""
    for row, _ in pairs:
        follow_up = (row.payload or {}).get("follow_up")
        if follow_up and row.status in ("sent", "failed"):
            _queue_edit(uow, row, follow_up, now)


def _queue_edit(uow: UnitOfWork, row: OutboxMessage, follow_up: dict[str, Any],
                now: datetime) -> None:
    expires_at = datetime.fromisoformat(follow_up["expires_at"])
    if now >= expires_at:
        return
    failed = row.status == "failed"
    request_id = follow_up["request_id"]
    edit = {"lead": follow_up["lead"], "what": follow_up["what"], "failed": failed,
            "why": _why(row.error_code) if failed else None, **_where(uow, row)}
    enqueue(uow, key=f"{EDIT_PREFIX}{request_id}:{row.idempotency_key}"
                     + (":failed" if failed else ""),
            kind=Kind.REPLY, purpose="reply_edit", incident_id=row.incident_id, now=now,
            payload={**follow_up["reply_to"], "replace_original": True, "text": follow_up["lead"],
                     "blocks": None, "after": f"reply:{request_id}",
                     "expires_at": follow_up["expires_at"], "edit": edit})


def _where(uow: UnitOfWork, row: OutboxMessage) -> dict[str, Any]:
    """The channel (and the message's ts, when it is a message) that the row's post went to."""
    if row.kind == Kind.PROVISION_CHANNEL:
        return {"channel": row.provider_id, "ts": None, "is_channel": True}
    channel = (row.payload or {}).get("channel") or row.recipient
    if channel is None and row.incident_id is not None:
        incident = uow.incidents.get(row.incident_id)
        channel = incident.channel_id if incident else None
    return {"channel": channel, "ts": row.provider_id, "is_channel": False}


def _why(code: str | None) -> str:
    return WHY.get(code or "") or WHY_DEPENDENT.get(code or "") or f"Slack said `{code}`"


def render(edit: dict[str, Any], permalink: str | None) -> str:
    """The edited reply: the reply's lead, then where the post is, or why it is not there."""
    what = edit["what"][:1].upper() + edit["what"][1:]
    channel = edit.get("channel")
    mention = f"<#{channel}>" if channel and channel[:1] in ("C", "G") else None
    if edit["failed"]:
        return (f"{edit['lead']} :warning: {what} could not be posted: {edit['why']}. A direct "
                "message from the bot says what can be done.")
    if edit.get("is_channel"):
        return (f"{edit['lead']} :white_check_mark: {what} is ready: {mention or 'created'}; "
                "the invitations to it are queued.")
    direct = bool(channel) and channel[:1] in ("U", "W", "D")
    where = f" in {mention}" if mention else " in a direct message to you" if direct else ""
    link = f": <{permalink}|open it>" if permalink else ""
    return f"{edit['lead']} :white_check_mark: {what} is posted{where}{link}."
