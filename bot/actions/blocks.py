"""Slack messages about action items: the card in the incident channel, lists, digests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.db.models import ActionItem
from bot.i18n.rules import local_time
from bot.slack_ui.text import escape

DONE_ACTION = "action_item_done"
REASSIGN_ACTION = "action_item_reassign"


def label(item: ActionItem) -> str:
    return f"A-{item.number}"


def owner_text(item: ActionItem) -> str:
    return f"<@{item.owner_ref}>" if item.owner_kind == "slack" else escape(item.owner_label)


def due_text(item: ActionItem, zone: str, now: datetime | None = None) -> str:
    if item.due_at is None:
        return "no due date"
    overdue = now is not None and item.status == "open" and item.due_at < now
    return f"{'overdue since' if overdue else 'due'} {local_time(item.due_at, zone)}"


def line(item: ActionItem, zone: str, now: datetime | None = None) -> str:
    mark = "✅" if item.status == "done" else ("⏰" if item.due_at and now and item.due_at < now
                                              else "▫️")
    return (f"{mark} *{label(item)}* {escape(item.text)} — {owner_text(item)}, "
            f"{'done' if item.status == 'done' else due_text(item, zone, now)}")


def card(item: ActionItem, zone: str, call_number: int | None) -> tuple[str, list[dict]]:
    """The item as posted in the incident channel, with Done / Reassign while it is open."""
    during = f" (from call {call_number})" if call_number else ""
    status = (f"Done by {_who(item.done_by)} at {local_time(item.done_at, zone)}"
              if item.status == "done" and item.done_at else f"Open, {due_text(item, zone)}")
    text = (f"Action item {label(item)}{during}: {escape(item.text)} — owner "
            f"{escape(item.owner_label)}. {status}.")
    blocks: list[dict] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": (
            f"*Action item {label(item)}*{during}\n{escape(item.text)}\n"
            f"*Owner:* {owner_text(item)}   *Status:* {status}")}},
    ]
    if item.status == "open":
        blocks.append({"type": "actions", "elements": [
            {"type": "button", "action_id": DONE_ACTION, "value": str(item.id), "style": "primary",
             "text": {"type": "plain_text", "text": "Done"}},
            {"type": "button", "action_id": REASSIGN_ACTION, "value": str(item.id),
             "text": {"type": "plain_text", "text": "Reassign"}},
        ]})
    return text, blocks


def listing(key: str, items: Sequence[ActionItem], which: str, zone: str, now: datetime) -> str:
    if not items:
        return f"{key} has no {'' if which == 'all' else which + ' '}action items."
    title = {"open": "Open action items", "mine": "Your action items",
             "all": "All action items"}[which]
    return "\n".join([f"*{title} for {key}*", *(line(i, zone, now) for i in items)])


def digest(key: str, items: Sequence[ActionItem], zone: str, now: datetime) -> str:
    return "\n".join([f":alarm_clock: *Overdue action items for {key}* ({len(items)})",
                      *(line(i, zone, now) for i in items),
                      "Mark one done with its Done button or `/incident action done N`."])


def _who(user: str | None) -> str:
    if not user:
        return "someone"
    return f"<@{user}>" if user[:1] in ("U", "W") else escape(user)
