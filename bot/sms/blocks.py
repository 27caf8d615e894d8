"""Slack text about SMS: a notice's preview and delivery summary, and texts that failed for good."""

from __future__ import annotations

from bot.directory.rules.audience import language_name
from bot.directory.rules.phones import mask
from bot.slack_ui.text import escape
from bot.sms.rules.failures import FailureReport
from bot.sms.rules.preview import LanguagePreview, NoticePost, Preview
from bot.voice.rules import OUTCOME_LABELS

NOTICE_CONFIRM_ACTION = "notice_confirm"
NOTICE_CANCEL_ACTION = "notice_cancel"
ERROR_LABELS = {
    "21610": "opted out", "opted_out": "opted out", "21211": "invalid number",
    "21614": "not a mobile number", "30006": "landline", "30003": "phone unreachable",
    "30005": "unknown or inactive number", "30007": "blocked as spam by the carrier",
    "21408": "country not enabled", "sms_not_configured": "SMS not configured",
    # message calls (bot.voice)
    "failed": "call failed", "voice_opted_out": "asked for no more calls",
    "voice_not_configured": "calls not configured",
}


def preview(incident_key: str, result: Preview) -> tuple[str, list[dict] | None]:
    """Every notice's preview: each language's text as it will arrive, who gets it, segments and
    (with ``sms.price_per_segment``) the cost. Over the threshold it ends with Confirm/Cancel and
    nothing is queued yet; at or under it, the same preview says the notice was queued.

    Each language is a section of its own (a section holds at most 3,000 characters), so that
    no language's text is cut off however many there are.
    """
    head = (f"SMS notice for {incident_key}: {result.recipients} recipients, "
            f"{result.total_segments} segments in all{_cost(result)}.")
    parts = [f"*Preview — {head}*", *(_language_part(lang) for lang in result.languages)]
    if not result.needs_confirmation:
        parts.append(f"No confirmation needed for {result.recipients} recipients (at most "
                     f"{result.confirm_threshold}): queued for sending. Delivery progress will "
                     "appear in the incident channel.")
        return "\n".join(parts), None
    parts.append("Nothing has been sent. Check the texts, then confirm.")
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": part[:3000]}}
              for part in parts]
    blocks.append({"type": "actions", "elements": [
        {"type": "button", "action_id": NOTICE_CONFIRM_ACTION, "style": "primary",
         "value": str(result.notice_id),
         "text": {"type": "plain_text", "text": f"Send to {result.recipients}"}},
        {"type": "button", "action_id": NOTICE_CANCEL_ACTION, "value": str(result.notice_id),
         "text": {"type": "plain_text", "text": "Cancel"}},
    ]})
    return head, blocks


def _language_part(lang: LanguagePreview) -> str:
    note = "" if lang.translated or lang.language == "en" else \
        " :warning: no translation given: the text inside is in English"
    people = "recipient" if lang.recipients == 1 else "recipients"
    return (f"*{language_name(lang.language)}* — {lang.recipients} {people}, "
            f"{lang.segments} segment(s) each{note}\n{_quote(lang.example)}")


def _quote(text: str) -> str:
    """Every line of ``text`` escaped and quoted (Slack quotes only the line after ``>``)."""
    return "\n".join(f"> {line}" for line in escape(text).splitlines())


def _cost(result: Preview) -> str:
    cost = result.cost
    if cost is None:
        return ""
    return f", about {cost:.2f} at {result.price_per_segment} per segment"


def notice_post(post: NoticePost) -> str:
    """The sent notice in the incident channel: posted once, then edited as deliveries come in.

    The texts are the coordinator's, escaped, so that a notice never pings ``@channel``.
    """
    languages = ", ".join(sorted(f"{language_name(tag)} {count}"
                                 for tag, count in post.recipients_by_language.items()))
    lines = [f"SMS notice {post.notice_id} sent by <@{post.author}> to {post.recipients} "
             f"recipients ({languages or 'none'}):"]
    for tag, text in post.texts.items():
        also = " (and every language without its own line)" if tag == "en" else ""
        lines.append(f"*{language_name(tag)}*{also}\n{_quote(text)}")
    lines.append(f"Delivery: {delivery_line(post.counts, post.errors)}")
    return "\n".join(lines)


def delivery_line(counts: dict[str, int], errors: dict[str, int]) -> str:
    """``1 delivered, 0 pending, 1 failed: 1 landline`` from a notice's outbox counts."""
    pending = counts.get("pending", 0) + counts.get("sending", 0) + counts.get("unknown", 0)
    parts = [f"{counts.get('delivered', 0)} delivered"]
    if counts.get("sent"):
        parts.append(f"{counts['sent']} sent, awaiting the carrier")
    parts.append(f"{pending} pending")
    failed = counts.get("failed", 0) + counts.get("undelivered", 0) + counts.get("suppressed", 0)
    text = f"{', '.join(parts)}, {failed} failed"
    if errors:
        reasons = ", ".join(f"{count} {ERROR_LABELS.get(code, 'error ' + code)}"
                            for code, count in sorted(errors.items(), key=lambda i: -i[1]))
        text += f": {reasons}"
    return text + _calls_part(counts)


def _calls_part(counts: dict[str, int]) -> str:
    """``; by phone call: 1 answered, 1 no answer`` for the message calls among the counts."""
    calls = [f"{counts[status]} {label}" for status, label in OUTCOME_LABELS if counts.get(status)]
    return f"; by phone call: {', '.join(calls)}" if calls else ""


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
