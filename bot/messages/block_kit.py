"""Small Block Kit builders shared by the modals."""


def input_block(block_id: str, label: str, element: dict, *, optional: bool = False,
                hint: str | None = None) -> dict:
    """An input block whose element's value is read back as ``values[block_id]["value"]``."""
    block = {"type": "input", "block_id": block_id, "optional": optional,
             "label": {"type": "plain_text", "text": label},
             "element": {**element, "action_id": "value"}}
    if hint:
        block["hint"] = {"type": "plain_text", "text": hint}
    return block
