"""Slack text about SMS notices: the preview before sending, and the delivery summary."""

from __future__ import annotations

from bot.directory.rules.audience import language_name
from bot.slack_ui.text import escape
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


RSVP_BY_HAND_ACTION = "rsvp_by_hand"  # value "CALL_ID:CONTACT_ID:ANSWER"
OPT_OUT_BY_HAND_ACTION = "opt_out_by_hand"  # value "CONTACT_ID"
RSVP_ANSWERS = ("yes", "no", "maybe")


def forwarded_sms(text: str, contact_id: int | None, call: tuple[int, int] | None) -> list[dict]:
    """A forwarded SMS with what a coordinator may record for the sender by hand: an answer to
    ``call`` (its id and number), when they are invited, and an opt-out (confirmed first)."""
    elements: list[dict] = []
    if contact_id is not None and call is not None:
        call_id, number = call
        elements += [{"type": "button", "action_id": f"{RSVP_BY_HAND_ACTION}_{answer}",
                      "value": f"{call_id}:{contact_id}:{answer}",
                      "text": {"type": "plain_text", "text": f"Call {number}: {answer}"}}
                     for answer in RSVP_ANSWERS]
    if contact_id is not None:
        elements.append({
            "type": "button", "action_id": OPT_OUT_BY_HAND_ACTION, "value": str(contact_id),
            "style": "danger", "text": {"type": "plain_text", "text": "Opt out"},
            "confirm": {"title": {"type": "plain_text", "text": "Stop texting them?"},
                        "text": {"type": "plain_text",
                                 "text": "Only they can undo it, by texting START."},
                        "confirm": {"type": "plain_text", "text": "Opt out"},
                        "deny": {"type": "plain_text", "text": "Cancel"}}})
    section = {"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}}
    return [section, {"type": "actions", "elements": elements}] if elements else [section]
