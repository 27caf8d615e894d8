"""Reading ``/incident notes …``: the status, ``show [N]`` or ``attach [N] TEXT``."""

from __future__ import annotations

from bot.errors import InvalidInput

EXAMPLE = "/incident notes INC-2026-0001 show 2"
ACTIONS = ("show", "attach")


def parse_notes_action(text: str) -> tuple[str, int | None, str]:
    """``""`` → status; ``"show 2"``; ``"attach 2 DECISION: …"`` (the call number is optional)."""
    action, _, rest = text.strip().partition(" ")
    action = action.lower()
    if not action:
        return "status", None, ""
    if action not in ACTIONS:
        raise InvalidInput(f"Unknown notes action {action!r}: use show or attach, or nothing for "
                           "the notes' status.", EXAMPLE)
    first, _, remainder = rest.strip().partition(" ")
    number = None
    if first.lstrip("#").isdigit():
        number, rest = int(first.lstrip("#")), remainder
    elif action == "show" and first:
        raise InvalidInput(f"{first!r} is not a call number.", "/incident notes show 2")
    if action == "attach" and not rest.strip():
        raise InvalidInput("Paste the transcript's text after `attach` (and the call number).",
                           "/incident notes attach 2 DECISION: open the Lincoln High shelter")
    return action, number, rest.strip()
