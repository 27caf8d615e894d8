"""The "Declare an incident" and "Edit the incident" modals, and reading their values."""

from __future__ import annotations

from typing import Any

from bot.db.models import Incident
from bot.incidents.rules import IncidentType, Severity
from bot.slack_ui.block_kit import field_values, input_block, modal

CALLBACK_ID = "incident_declare"
EDIT_CALLBACK_ID = "incident_edit"
FIELDS = ("type", "title", "regions", "severity", "summary")
EDIT_FIELDS = ("severity", "summary", "regions", "type")
REGIONS_HINT = "US state or territory codes, separated by commas: FL, GA, PR"


def _option(value: str, label: str) -> dict:
    return {"text": {"type": "plain_text", "text": label}, "value": value}


def _types() -> list[dict]:
    return [_option(t.value, t.label.capitalize()) for t in IncidentType]


def _severities() -> list[dict]:
    return [_option(s.value, s.value.capitalize()) for s in Severity]


def view(private_metadata: str = "") -> dict:
    severities = _severities()
    return modal(CALLBACK_ID, "Declare an incident", "Declare", private_metadata=private_metadata,
                 blocks=[
            input_block("type", "Type", {"type": "static_select", "options": _types()}),
            input_block("title", "Title", {"type": "plain_text_input", "max_length": 150,
                                      "placeholder": {"type": "plain_text",
                                                      "text": "Hurricane Xavier"}}),
            input_block("regions", "Affected regions", {"type": "plain_text_input"},
                   hint=REGIONS_HINT),
            input_block("severity", "Severity", {"type": "static_select", "options": severities,
                                            "initial_option": severities[1]}),
            input_block("summary", "Summary", {"type": "plain_text_input", "multiline": True,
                                          "max_length": 2500}, optional=True),
        ])


def edit_view(incident: Incident, private_metadata: str) -> dict:
    """The facts as they are now; what the coordinator leaves as it is does not change."""
    types, severities = _types(), _severities()
    summary = {"type": "plain_text_input", "multiline": True, "max_length": 2500}
    if incident.summary:
        summary["initial_value"] = incident.summary
    return modal(EDIT_CALLBACK_ID, f"Edit {incident.key}"[:24], "Save",
                 private_metadata=private_metadata, blocks=[
        input_block("severity", "Severity", {
            "type": "static_select", "options": severities,
            "initial_option": next(o for o in severities if o["value"] == incident.severity)}),
        input_block("summary", "Summary", summary, optional=True),
        input_block("regions", "Affected regions", {
            "type": "plain_text_input", "initial_value": ", ".join(incident.regions)},
            hint=REGIONS_HINT),
        input_block("type", "Type", {
            "type": "static_select", "options": types,
            "initial_option": next(o for o in types if o["value"] == incident.type)}),
    ])


def submitted_values(state: dict[str, Any]) -> dict[str, str]:
    """Flattens ``view.state.values`` into ``{field: text}``."""
    return field_values(state, FIELDS)


def submitted_edit(state: dict[str, Any]) -> dict[str, str]:
    return field_values(state, EDIT_FIELDS)
