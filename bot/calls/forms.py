"""The "Schedule a call" modal, and turning its values into ``call schedule`` text."""

from __future__ import annotations

from typing import Any

from bot.slack_ui.block_kit import field_values, input_block, modal

CALLBACK_ID = "call_schedule"
REPEATS = {"once": "Once", "day": "Every day", "weekday": "Every weekday", "week": "Every week"}
TRANSCRIBE = {"default": "As the office usually does", "on": "Transcribe (callers may decline)",
              "off": "Do not transcribe"}


def view(private_metadata: str) -> dict:
    repeats = [{"text": {"type": "plain_text", "text": label}, "value": value}
               for value, label in REPEATS.items()]
    transcribe = [{"text": {"type": "plain_text", "text": label}, "value": value}
                  for value, label in TRANSCRIBE.items()]
    return modal(CALLBACK_ID, "Schedule a call", "Schedule", private_metadata=private_metadata,
                 blocks=[
            input_block("when", "When", {"type": "plain_text_input"},
                   hint="e.g. tomorrow 3pm ET · fri 10:30 · 2026-12-01 15:00 America/Chicago"),
            input_block("duration", "Length", {"type": "plain_text_input"}, optional=True,
                   hint="e.g. 1h or 90m; leave empty for the office's usual length"),
            input_block("agenda", "Agenda", {"type": "plain_text_input", "multiline": True,
                                        "max_length": 500}, optional=True),
            input_block("bridge", "Bridge", {"type": "plain_text_input"}, optional=True,
                   hint="Leave empty to host it on the bot's phone line, or paste a meeting link"),
            input_block("repeat", "Repeat", {"type": "static_select", "options": repeats,
                                        "initial_option": repeats[0]}),
            input_block("until", "Repeat until", {"type": "plain_text_input"}, optional=True,
                   hint="A date, e.g. 2026-12-15 (needed when the call repeats)"),
            input_block("transcribe", "Transcription", {"type": "static_select",
                                                        "options": transcribe,
                                                        "initial_option": transcribe[0]},
                   hint="For the notes, phone bridge only; each caller hears it and may press "
                        "9 to join without being transcribed"),
        ])


def schedule_text(state: dict[str, Any]) -> str:
    """The form's values as the text of ``/incident call schedule …``."""
    values = field_values(state, ("when", "duration", "agenda", "bridge", "repeat", "until",
                                  "transcribe"))
    parts = [values["when"]]
    if values["duration"]:
        parts.append(f"for {values['duration']}")
    if values["agenda"]:
        parts.append('agenda "' + values["agenda"].replace('"', "'").replace("\n", " ") + '"')
    if values["bridge"]:
        parts.append(f"bridge {values['bridge']}")
    if values["repeat"] and values["repeat"] != "once":
        parts.append(f"every {values['repeat']} until {values['until'] or '?'}")
    if values["transcribe"] in ("on", "off"):
        parts.append(f"transcribe {values['transcribe']}")
    return " ".join(parts)
