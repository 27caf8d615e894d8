"""The "Declare an incident" modal and reading its submitted values."""

from __future__ import annotations

from typing import Any

from bot.incidents.rules import IncidentType, Severity
from bot.slack_ui.block_kit import field_values, input_block, modal

CALLBACK_ID = "incident_declare"
FIELDS = ("type", "title", "regions", "severity", "summary")


def _option(value: str, label: str) -> dict:
    return {"text": {"type": "plain_text", "text": label}, "value": value}


def view(private_metadata: str = "") -> dict:
    types = [_option(t.value, t.label.capitalize()) for t in IncidentType]
    severities = [_option(s.value, s.value.capitalize()) for s in Severity]
    return modal(CALLBACK_ID, "Declare an incident", "Declare", private_metadata=private_metadata,
                 blocks=[
            input_block("type", "Type", {"type": "static_select", "options": types}),
            input_block("title", "Title", {"type": "plain_text_input", "max_length": 150,
                                      "placeholder": {"type": "plain_text",
                                                      "text": "Hurricane Xavier"}}),
            input_block("regions", "Affected regions", {"type": "plain_text_input"},
                   hint="US state or territory codes, separated by commas: FL, GA, PR"),
            input_block("severity", "Severity", {"type": "static_select", "options": severities,
                                            "initial_option": severities[1]}),
            input_block("summary", "Summary", {"type": "plain_text_input", "multiline": True,
                                          "max_length": 2500}, optional=True),
        ])


def submitted_values(state: dict[str, Any]) -> dict[str, str]:
    """Flattens ``view.state.values`` into ``{field: text}``."""
    return field_values(state, FIELDS)
