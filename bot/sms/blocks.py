"""Slack text about SMS: a notice's preview and delivery summary, and texts that failed for good."""

from __future__ import annotations

from bot.directory.rules.audience import language_name
from bot.directory.rules.phones import mask
from bot.slack_ui.text import escape
from bot.sms.rules.failures import FailureReport
from bot.sms.rules.preview import Preview

NOTICE_CONFIRM_ACTION = "notice_confirm"
NOTICE_CANCEL_ACTION = "notice_cancel"
ERROR_LABELS = {
    "21610": "opted out", "opted_out": "opted out", "21211": "invalid number",
    "21614": "not a mobile number", "30006": "landline", "30003": "phone unreachable",
    "30005": "unknown or inactive number", "30007": "blocked as spam by the carrier",
    "21408": "country not enabled", "sms_not_configured": "SMS not configured",
}


def preview(incident_key: str, result: Preview) -> tuple[str, list[dict] | None]:
    head = (f"SMS notice for {incident_key}: {result.recipients} recipients, "
            f"{result.total_segments} segments in all.")
    lines = [f"*{head}*"]
    for lang in result.languages:
        note = "" if lang.translated or lang.language == "en" else \
            " :warning: no translation given: the text inside is in English"
        people = "recipient" if lang.recipients == 1 else "recipients"
        lines.append(f"*{language_name(lang.language)}* — {lang.recipients} {people}, "
                     f"{lang.segments} segment(s) each{note}\n> {escape(lang.example)}")
    if not result.needs_confirmation:
        lines.append("Queued for sending. Delivery progress will appear in the incident channel.")
        return "\n".join(lines), None
    lines.append("Nothing has been sent. Check the texts, then confirm.")
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:2900]}},
        {"type": "actions", "elements": [
            {"type": "button", "action_id": NOTICE_CONFIRM_ACTION, "style": "primary",
             "value": str(result.notice_id),
             "text": {"type": "plain_text", "text": f"Send to {result.recipients}"}},
            {"type": "button", "action_id": NOTICE_CANCEL_ACTION, "value": str(result.notice_id),
             "text": {"type": "plain_text", "text": "Cancel"}},
        ]},
    ]
    return head, blocks


def delivery_summary(notice_id: int, recipients: int, counts: dict[str, int],
                     errors: dict[str, int]) -> str:
    pending = counts.get("pending", 0) + counts.get("sending", 0) + counts.get("unknown", 0)
    parts = [f"{counts.get('delivered', 0)} delivered"]
    if counts.get("sent"):
        parts.append(f"{counts['sent']} sent, awaiting the carrier")
    parts.append(f"{pending} pending")
    failed = counts.get("failed", 0) + counts.get("undelivered", 0) + counts.get("suppressed", 0)
    text = f"SMS notice {notice_id} ({recipients} recipients): {', '.join(parts)}, {failed} failed"
    if errors:
        reasons = ", ".join(f"{count} {ERROR_LABELS.get(code, 'error ' + code)}"
                            for code, count in sorted(errors.items(), key=lambda i: -i[1]))
        text += f": {reasons}"
    return text


def failure_report(report: FailureReport) -> str:
    """Who a send did not reach and why: the first people named, the rest counted with the
    command that lists them; phones masked, names escaped (they come from a directory file)."""
    what, incident_key, total = report.what, report.incident_key, report.total
    where = f" for {incident_key}" if incident_key else ""
    texts = "text" if total == 1 else "texts"
    lines = [f":warning: {total} {texts} of the {what}{where} did not reach the recipient and "
             "will not be retried:"]
    lines += [f"• {escape(p.name) if p.name else 'not in the directory'} ({mask(p.phone)}): "
              f"{p.reason}" for p in report.people]
    if total > len(report.people):
        incident = f" --incident {incident_key}" if incident_key else ""
        commands = " or ".join(f"`coordbot messages list --status {status}{incident}`"
                               for status in report.statuses)
        lines.append(f"…and {total - len(report.people)} more: {commands}")
    lines.append("Please reach them another way, or correct their numbers in the directory.")
    return "\n".join(lines)
