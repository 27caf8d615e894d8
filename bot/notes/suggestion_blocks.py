"""The review card's part about the live transcript: keep or remove its section, and the
suggested decisions and action items with their buttons; and the form that asks an accepted
action item's owner and due date (the fields of the "Make action item" form)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.actions import forms as action_forms
from bot.errors import InvalidInput
from bot.notes.rules.suggestions import Pending
from bot.slack_ui.block_kit import input_block, modal
from bot.slack_ui.text import escape

ACCEPT_DECISION = "notes_suggestion_decision"
ACCEPT_ACTION = "notes_suggestion_action"
DROP = "notes_suggestion_drop"
KEEP = "notes_transcript_keep"
ACTION_FORM = "notes_suggestion_action_form"
SHOWN = 8  # suggestions on the card at once (2 blocks each); the next show once these are decided
KIND = {"decision": "decision", "action": "action item"}


@dataclass(frozen=True)
class TranscriptFacts:
    notes_id: int
    open: bool  # under review (not approved): the buttons are shown
    lines: int
    speakers: int
    kept: bool
    pending: tuple[Pending, ...] = ()


def with_transcript(blocks: list[dict], facts: TranscriptFacts) -> list[dict]:
    """The card's blocks with the transcript's part before its buttons; unchanged for a call
    without a live transcript."""
    if not facts.lines:
        return blocks
    at = len(blocks) - 1 if blocks and blocks[-1].get("type") == "actions" else len(blocks)
    return [*blocks[:at], *transcript_blocks(facts), *blocks[at:]]


def transcript_blocks(facts: TranscriptFacts) -> list[dict]:
    kept = ("*kept*: it is published with the notes" if facts.kept else
            "*not published* unless a reviewer keeps it (it quotes what people said)")
    found = [_section(f"*What was said* ({facts.lines} line{'s' if facts.lines != 1 else ''}, "
                      f"{facts.speakers} speaker{'s' if facts.speakers != 1 else ''}): {kept}.")]
    if facts.open:
        found.append({"type": "actions", "elements": [_button(
            "Remove from published notes" if facts.kept else "Keep in published notes", KEEP,
            f"{facts.notes_id}:{0 if facts.kept else 1}")]})
    if facts.pending and facts.open:
        found.append(_section(f"*Suggested from the transcript ({len(facts.pending)})* — not "
                              "decisions or tasks until you accept one:"))
        for pending in facts.pending[:SHOWN]:
            found.extend(_suggestion(pending))
        if len(facts.pending) > SHOWN:
            found.append(_section(f"_{len(facts.pending) - SHOWN} more appear here once these "
                                  "are decided._"))
    return found


def _suggestion(pending: Pending) -> list[dict]:
    said = f"• _{KIND.get(pending.kind, pending.kind)}?_ “{escape(pending.text)[:2500]}”"
    if pending.speaker:
        said += f" — {escape(pending.speaker)}"
    value = str(pending.id)
    return [_section(said), {"type": "actions", "block_id": f"suggestion_{pending.id}",
                             "elements": [
        _button("Accept as decision", ACCEPT_DECISION, value),
        _button("Accept as action item", ACCEPT_ACTION, value),
        _button("Drop", DROP, value)]}]


def _button(text: str, action_id: str, value: str) -> dict:
    return {"type": "button", "action_id": action_id, "value": value,
            "text": {"type": "plain_text", "text": text}}


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def action_modal(*, suggestion_id: int, channel: str, text: str) -> dict:
    """Owner and due date for the item an accepted suggestion becomes (its text editable)."""
    element = {"type": "plain_text_input", "multiline": True,
               "max_length": action_forms.MAX_TEXT, "initial_value": text[:action_forms.MAX_TEXT]}
    return modal(ACTION_FORM, "Accept as action item", "Create", [
        input_block("owner", "Owner", {"type": "plain_text_input",
                                       "max_length": action_forms.MAX_OWNER},
                    hint=action_forms.OWNER_HINT),
        input_block("text", "What needs doing", element),
        input_block("due", "Due", {"type": "plain_text_input", "max_length": 100},
                    optional=True, hint="e.g. friday 5pm · tomorrow 9am · 2026-12-01 15:00"),
    ], private_metadata=json.dumps({"s": suggestion_id, "c": channel}))


def action_submission(view: dict) -> tuple[int, str, dict[str, str]]:
    """(suggestion id, channel, {owner, text, due}) from the form; a damaged form is refused."""
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        meta = None
    if not isinstance(meta, dict) or type(meta.get("s")) is not int or not 0 < meta["s"] < 2**62:
        raise InvalidInput("This form is damaged: open it again from the latest review card.")
    values = view.get("state", {}).get("values", {})
    fields = {name: (values.get(name, {}).get("value", {}).get("value") or "").strip()
              for name in ("owner", "text", "due")}
    return meta["s"], str(meta.get("c", "")), fields
