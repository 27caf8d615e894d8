"""Small Block Kit builders shared by the modals."""

from typing import Any


def input_block(block_id: str, label: str, element: dict, *, optional: bool = False,
                hint: str | None = None) -> dict:
    """An input block whose element's value is read back as ``values[block_id]["value"]``."""
    block = {"type": "input", "block_id": block_id, "optional": optional,
             "label": {"type": "plain_text", "text": label},
             "element": {**element, "action_id": "value"}}
    if hint:
        block["hint"] = {"type": "plain_text", "text": hint}
    return block


def modal(callback_id: str, title: str, submit: str, blocks: list[dict], *,
          private_metadata: str = "") -> dict:
    return {"type": "modal", "callback_id": callback_id, "private_metadata": private_metadata,
            "title": {"type": "plain_text", "text": title},
            "submit": {"type": "plain_text", "text": submit},
            "close": {"type": "plain_text", "text": "Cancel"}, "blocks": blocks}


def field_values(state: dict[str, Any], fields: tuple[str, ...]) -> dict[str, str]:
    """``view.state.values`` flattened to ``{block id: stripped text or selected value}``."""
    values = {}
    for block_id in fields:
        element = state.get("values", {}).get(block_id, {}).get("value", {})
        selected = element.get("selected_option") or {}
        values[block_id] = (selected.get("value") or element.get("value") or "").strip()
    return values
