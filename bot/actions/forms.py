"""The "Make action item" modal (from a message shortcut) and the "Reassign" modal."""

from __future__ import annotations

from typing import Any

from bot.actions.rules import MAX_TEXT
from bot.notes.rules.marks import mark_of
from bot.slack_ui.block_kit import input_block, modal

SHORTCUT_ID = "make_action_item"
CALLBACK_ID = "action_item_form"
REASSIGN_CALLBACK_ID = "action_item_reassign_form"
MAX_OWNER = 200
OWNER_HINT = "@name, a contact's name or phone number, or an organisation"


def metadata(first: str, second: str) -> str:
    """``channel|message_ts`` (make) or ``item id|channel`` (reassign): the form's context."""
    return f"{first}|{second}"


def split_metadata(private_metadata: str | None) -> tuple[str, str]:
    first, _, second = (private_metadata or "").partition("|")
    return first, second


def prefill(message_text: str) -> str:
    """The message's text without a DECISION / ISSUE / ACTION prefix, cut to the field's size."""
    marked = mark_of(message_text or "")
    text = marked[1] if marked else (message_text or "").strip()
    return text[:MAX_TEXT]


def view(private_metadata: str, message_text: str) -> dict:
    text_element: dict[str, Any] = {"type": "plain_text_input", "multiline": True,
                                    "max_length": MAX_TEXT}
    initial = prefill(message_text)
    if initial:
        text_element["initial_value"] = initial
    return modal(CALLBACK_ID, "Make action item", "Create", [
        _owner_input("Owner"),
        input_block("text", "What needs doing", text_element),
        input_block("due", "Due", {"type": "plain_text_input", "max_length": 100},
                    optional=True, hint="e.g. friday 5pm · tomorrow 9am · 2026-12-01 15:00"),
    ], private_metadata=private_metadata)


def reassign_view(private_metadata: str) -> dict:
    return modal(REASSIGN_CALLBACK_ID, "Reassign action item", "Reassign",
                 [_owner_input("New owner")], private_metadata=private_metadata)


def _owner_input(label: str) -> dict:
    return input_block("owner", label, {"type": "plain_text_input", "max_length": MAX_OWNER},
                       hint=OWNER_HINT)



def problems(values: dict[str, str]) -> dict[str, str]:
    """What to fix, keyed by block id (shown under the fields); empty when the form is fine."""
    errors = {}
    if "owner" in values and not values["owner"]:
        errors["owner"] = "Say who owns it: @name, a contact, or an organisation."
    if "text" in values and not values["text"]:
        errors["text"] = "Say what needs doing."
    return errors
