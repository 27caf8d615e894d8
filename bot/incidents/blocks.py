"""Slack messages about incidents: summaries, posts, lists, confirmations and help."""

from __future__ import annotations

from collections.abc import Sequence

from bot.db.models import Call, Incident, TimelineEntry
from bot.directory.rules.regions import US_REGIONS
from bot.dispatch.grammar import SUBCOMMANDS
from bot.i18n.rules import local_time
from bot.incidents.rules import FIELD_LABELS, IncidentType, fact_text
from bot.slack_ui.text import escape

SEVERITY_MARK = {"low": "🟢", "moderate": "🟡", "high": "🟠", "critical": "🔴"}
CLOSE_CONFIRM_ACTION = "incident_close_confirm"
CLOSE_CANCEL_ACTION = "incident_close_cancel"


def _type_label(incident: Incident) -> str:
    return IncidentType(incident.type).label


def _regions(incident: Incident) -> str:
    return ", ".join(f"{code} ({US_REGIONS.get(code, code)})" for code in incident.regions)


def headline(incident: Incident) -> str:
    mark = SEVERITY_MARK.get(incident.severity, "")
    return f"{mark} {incident.key}: {escape(incident.title)}".strip()


def summary(incident: Incident, zone: str) -> tuple[str, list[dict]]:
    """The pinned card: posted when the channel is made, then edited as the facts change."""
    closed = incident.status == "closed"
    text = (f"{incident.key} {'closed' if closed else 'declared'}: {escape(incident.title)} "
            f"({_type_label(incident)}, {incident.severity})")
    fields = [
        ("Type", _type_label(incident).capitalize()),
        ("Severity", incident.severity.capitalize()),
        ("Status", incident.status.capitalize()),
        ("Declared", f"{local_time(incident.declared_at, zone)} by <@{incident.declared_by}>"),
        ("Regions", _regions(incident)),
    ]
    if closed and incident.closed_at:
        fields.insert(3, ("Closed", local_time(incident.closed_at, zone)))
    header = f"{headline(incident)}{' (closed)' if closed else ''}"
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": header[:150]}},
        {"type": "section", "fields": [
            {"type": "mrkdwn", "text": f"*{name}*\n{escape(value) if name != 'Declared' else value}"}
            for name, value in fields
        ]},
    ]
    if incident.summary:
        blocks.append({"type": "section",
                       "text": {"type": "mrkdwn", "text": f"*Summary*\n{escape(incident.summary)}"}})
    blocks.append({"type": "context", "elements": [{
        "type": "mrkdwn",
        "text": "Post updates with `/incident update …`. `/incident help` lists every command.",
    }]})
    return text, blocks


def announcement(incident: Incident) -> str:
    channel = f"<#{incident.channel_id}>" if incident.channel_id else "its channel"
    return (f"{headline(incident)} — {_type_label(incident)} affecting "
            f"{', '.join(incident.regions)}. Coordination in {channel}.")


def update_post(incident: Incident, entry: TimelineEntry, zone: str) -> str:
    return (f"*Update* on {incident.key} ({local_time(entry.created_at, zone)}, "
            f"<@{entry.author}>):\n{escape(entry.text)}")


def status_change_post(incident: Incident, by: str, zone: str, *, closed: bool,
                       cancelled: Sequence[Call] = ()) -> str:
    """``by`` is the person's name as people know them (not a mention)."""
    at = incident.closed_at if closed and incident.closed_at else None
    when = f" at {local_time(at, zone)}" if at else ""
    verb = "closed" if closed else "reopened"
    lines = [f"{incident.key} was {verb} by {escape(by)}{when}."]
    if closed:
        lines.append(cancelled_calls(cancelled))
    return "\n".join(lines)


def cancelled_calls(calls: Sequence[Call]) -> str:
    """What closing cancelled: each upcoming call with its date, or that there were none."""
    if not calls:
        return "No upcoming calls were scheduled."
    listed = "; ".join(f"call {call.number} on {local_time(call.starts_at, call.zone)}"
                       for call in calls)
    noun, its = ("call", "its") if len(calls) == 1 else ("calls", "their")
    return (f"Cancelled {len(calls)} upcoming {noun}, with {its} reminders (everyone invited "
            f"is told): {listed}.")


def change_lines(changed: Sequence[tuple[str, object, object]]) -> list[str]:
    """``("severity", "high", "critical")`` -> ``Severity high → critical`` (a summary: the new one)."""
    lines = []
    for field, old, new in changed:
        label = FIELD_LABELS[field]
        if field == "summary":
            lines.append(f"{label} now {fact_text(field, new)}")
        else:
            lines.append(f"{label} {fact_text(field, old)} → {fact_text(field, new)}")
    return lines


def facts_change_post(incident: Incident, changed: Sequence[tuple[str, object, object]],
                      by: str) -> str:
    """``INC-2026-0001: Severity high → critical by Maria Alvarez.``"""
    return f"{incident.key}: {escape('; '.join(change_lines(changed)))} by {escape(by)}."


def incident_list(incidents: Sequence[Incident], which: str, zone: str) -> str:
    if not incidents:
        return f"No {which if which != 'all' else ''} incidents.".replace("  ", " ")
    lines = [f"*{which.capitalize()} incidents* ({len(incidents)}):"]
    for incident in incidents:
        channel = f" <#{incident.channel_id}>" if incident.channel_id else ""
        lines.append(
            f"• {headline(incident)} — {_type_label(incident)}, {', '.join(incident.regions)}, "
            f"{incident.status}, declared {local_time(incident.declared_at, zone)}{channel}"
        )
    return "\n".join(lines)


def status(incident: Incident, recent: Sequence[TimelineEntry], zone: str) -> str:
    lines = [
        f"*{headline(incident)}*",
        f"{_type_label(incident).capitalize()} · severity {incident.severity} · {incident.status}",
        f"Regions: {_regions(incident)}",
        f"Declared {local_time(incident.declared_at, zone)} by <@{incident.declared_by}>",
    ]
    if incident.closed_at and incident.status == "closed":
        lines.append(f"Closed {local_time(incident.closed_at, zone)}")
    if incident.channel_id:
        lines.append(f"Channel: <#{incident.channel_id}>")
    if incident.summary:
        lines.append(f"Summary: {escape(incident.summary)}")
    if recent:
        lines.append("*Latest updates:*")
        lines += [f"• {local_time(e.created_at, zone)} <@{e.author}>: {escape(e.text)}"
                  for e in recent]
    else:
        lines.append("No updates yet.")
    return "\n".join(lines)


def close_confirmation(incident: Incident) -> tuple[str, list[dict]]:
    text = f"Close {incident.key} ({escape(incident.title)})?"
    return text, [
        {"type": "section", "text": {"type": "mrkdwn", "text": (
            f"Close *{incident.key}: {escape(incident.title)}*? The channel stays open and "
            "you can reopen the incident later.")}},
        {"type": "actions", "elements": [
            {"type": "button", "action_id": CLOSE_CONFIRM_ACTION, "style": "danger",
             "text": {"type": "plain_text", "text": "Close incident"}, "value": incident.key},
            {"type": "button", "action_id": CLOSE_CANCEL_ACTION,
             "text": {"type": "plain_text", "text": "Cancel"}, "value": incident.key},
        ]},
    ]


def help_text(unknown: str | None = None) -> str:
    lines = []
    if unknown:
        lines.append(f"I don't know `{escape(unknown.split()[0])}`. Here is what I can do:")
    lines.append("*`/incident` commands* (in an incident's channel the incident is implied; "
                 "elsewhere name it, e.g. `INC-2026-0001`):")
    for sub in SUBCOMMANDS.values():
        who = " _(coordinators)_" if sub.coordinators_only else ""
        lines.append(f"• `{sub.usage}` — {sub.summary}{who}\n    e.g. `{sub.example}`")
    return "\n".join(lines)
