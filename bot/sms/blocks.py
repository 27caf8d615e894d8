"""Slack text about SMS: a notice's preview and delivery summary, texts that failed for good, and
the card and thread of a conversation with someone who texted in."""

from __future__ import annotations

from dataclasses import dataclass

from bot.directory.rules.audience import language_name
from bot.directory.rules.phones import mask
from bot.i18n.rules import short_local_time
from bot.slack_ui.text import escape
from bot.sms.rules.failures import FailureReport
from bot.sms.rules.preview import LanguagePreview, NoticePost, Preview, Progress
from bot.sms.text import duration_text, plan_line

__all__ = ["duration_text", "plan_line"]  # the plan's wording lives in bot.sms.text
from bot.voice.rules import OUTCOME_LABELS

NOTICE_CONFIRM_ACTION = "notice_confirm"
NOTICE_CANCEL_ACTION = "notice_cancel"
RETRY_FAILED_ACTION = "sms_failures_retry"  # value "REPORT:CAUSE", e.g. "1:notice:2"
ERROR_LABELS = {
    "21610": "opted out", "opted_out": "opted out", "21211": "invalid number",
    "21614": "not a mobile number", "30006": "landline", "30003": "phone unreachable",
    "30005": "unknown or inactive number", "30007": "blocked as spam by the carrier",
    "21408": "country not enabled", "sms_not_configured": "SMS not configured",
    "expired": "expired before its turn", "30036": "expired in Twilio's queue",
    # message calls (bot.voice)
    "failed": "call failed", "voice_opted_out": "asked for no more calls",
    "voice_not_configured": "calls not configured",
}


def preview(incident_key: str, result: Preview) -> tuple[str, list[dict] | None]:
    """Every notice's preview: each language's text as it will arrive, who gets it (those reached
    by a phone call apart: they cost no segments), segments and (with ``sms.price_per_segment``)
    the cost of the texts. Over the threshold it ends with Confirm/Cancel and
    nothing is queued yet; at or under it, the same preview says when the notice goes and ends
    with a Cancel that works until then (its undo window).

    Each language is a section of its own (a section holds at most 3,000 characters), so that
    no language's text is cut off however many there are.
    """
    head = (f"SMS notice for {incident_key}: {result.recipients} recipients"
            f"{_by_call(result)}, {result.total_segments} segments in all{_cost(result)}.")
    parts = [f"*Preview — {head}*", *(_language_part(lang) for lang in result.languages)]
    if result.plan is not None and result.plan.texts:
        parts.append(plan_line(result.plan))
    cancel = {"type": "button", "action_id": NOTICE_CANCEL_ACTION,
              "value": str(result.notice_id), "text": {"type": "plain_text", "text": "Cancel"}}
    if not result.needs_confirmation:
        parts.append(f"No confirmation needed for {result.recipients} recipients (at most "
                     f"{result.confirm_threshold}).")
        if not result.hold_s:
            parts[-1] += (" Queued for sending. Delivery progress will appear in the incident "
                          "channel.")
            return "\n".join(parts), None
        parts.append(f"*Sending in {result.hold_s} s — Cancel* to stop it. After that it cannot "
                     "be cancelled; delivery progress will appear in the incident channel.")
        # The whole preview is the fallback text too, as it was before the undo window.
        return "\n".join(parts), [*_sections(parts), {"type": "actions", "elements": [cancel]}]
    parts.append("Nothing has been sent. Check the texts, then confirm.")
    return head, [*_sections(parts), {"type": "actions", "elements": [
        {"type": "button", "action_id": NOTICE_CONFIRM_ACTION, "style": "primary",
         "value": str(result.notice_id),
         "text": {"type": "plain_text", "text": f"Send to {result.recipients}"}},
        cancel,
    ]}]


def _sections(parts: list[str]) -> list[dict]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": part[:3000]}}
            for part in parts]


def _language_part(lang: LanguagePreview) -> str:
    note = "" if lang.translated or lang.language == "en" else \
        " :warning: no translation given: the text inside is in English"
    if not lang.reviewed:
        note += " :warning: the wording around it is not yet reviewed by a translator"
    people = "recipient" if lang.recipients == 1 else "recipients"
    if not lang.by_call:
        who = f"{lang.recipients} {people}, {lang.segments} segment(s) each"
    elif lang.by_call == lang.recipients:
        who = f"{lang.recipients} {people}, by phone call (read aloud, no SMS)"
    else:
        who = (f"{lang.recipients} {people} ({lang.by_call} by phone call), "
               f"{lang.segments} segment(s) per text")
    return f"*{language_name(lang.language)}* — {who}{note}\n{_quote(lang.example)}"


def _quote(text: str) -> str:
    """Every line of ``text`` escaped and quoted (Slack quotes only the line after ``>``)."""
    return "\n".join(f"> {line}" for line in escape(text).splitlines())


def _by_call(result: Preview) -> str:
    """`` (3 by phone call)``: people a call reads the notice to, outside the SMS counts."""
    if not result.by_call:
        return ""
    priced = " and cost" if result.price_per_segment is not None else ""
    return (f" ({result.by_call} by phone call, read aloud; the segments{priced} are for the "
            f"{result.recipients - result.by_call} texts)")


def _cost(result: Preview) -> str:
    cost = result.cost
    if cost is None:
        return ""
    return f", about {cost:.2f} at {result.price_per_segment} per segment"


def notice_post(post: NoticePost, timezone: str = "UTC") -> str:
    """The sent notice in the incident channel: posted once, then edited as deliveries come in.
    While texts are still to go it says how many and when they should all be out (on the
    office's clocks, ``timezone``).

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
    if post.progress is not None:
        lines.append(progress_line(post.progress, post.recipients, timezone))
    return "\n".join(lines)


def progress_line(progress: Progress, recipients: int, timezone: str) -> str:
    """``Sending: 1,200 of 2,430 to go (1,950 segments), expected to finish 27 Nov, 4:10 PM EST.``"""
    line = (f"Sending: {progress.remaining:,} of {recipients:,} to go "
            f"({progress.remaining_segments:,} segments)")
    if progress.finish is not None:
        line += f", expected to finish {short_local_time(progress.finish, timezone)}"
    return line + "."


def delivery_line(counts: dict[str, int], errors: dict[str, int]) -> str:
    """``1 delivered, 0 pending, 1 failed: 1 landline`` from a notice's outbox counts."""
    pending = counts.get("pending", 0) + counts.get("sending", 0) + counts.get("unknown", 0)
    parts = [f"{counts.get('delivered', 0)} delivered"]
    if counts.get("sent"):
        parts.append(f"{counts['sent']} sent, awaiting the carrier")
    parts.append(f"{pending} pending")
    failed = counts.get("failed", 0) + counts.get("undelivered", 0) + counts.get("suppressed", 0)
    text = f"{', '.join(parts)}, {failed} failed"
    if counts.get("expired"):
        text += f", {counts['expired']} expired (too late to send)"
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


def failure_report_blocks(report: FailureReport, *, cause: str, number: int) -> list[dict]:
    """The report, with *Retry these* when a retry could deliver some of its texts (the button
    queues only those; coordinators only)."""
    blocks: list[dict] = [{"type": "section",
                           "text": {"type": "mrkdwn", "text": failure_report(report)[:3000]}}]
    if report.retryable:
        blocks.append({"type": "actions", "elements": [{
            "type": "button", "action_id": RETRY_FAILED_ACTION, "value": f"{number}:{cause}",
            "text": {"type": "plain_text", "text": "Retry these"}}]})
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": (
            f"A retry could deliver {report.retryable} of them; the others would be refused "
            "again and are not retried.")}]})
    return blocks


RSVP_BY_HAND_ACTION = "rsvp_by_hand"  # value "CALL_ID:CONTACT_ID:ANSWER"
OPT_OUT_BY_HAND_ACTION = "opt_out_by_hand"  # value "CONTACT_ID"
RSVP_ANSWERS = ("yes", "no", "maybe")


def by_hand_buttons(contact_id: int | None, call: tuple[int, int] | None) -> list[dict]:
    """Record RSVP (for ``call``, when the sender is invited) and Opt out, for a contact."""
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
    return elements


CONVERSATION_REPLY_ACTION = "conversation_reply"  # value "CONVERSATION_ID:LANGUAGE"
CONVERSATION_CLAIM_ACTION = "conversation_claim"  # value "CONVERSATION_ID"
CONVERSATION_HANDLED_ACTION = "conversation_handled"  # value "CONVERSATION_ID"
CONVERSATION_ADD_ACTION = "conversation_add_contact"  # value "CONVERSATION_ID:LANGUAGE"
CONVERSATION_REVEAL_ACTION = "conversation_reveal"  # value "CONVERSATION_ID"


@dataclass(frozen=True)
class CardFacts:
    """What a conversation's card shows; names are as people read them, phones masked."""

    conversation_id: int
    sender: str  # from ``sender_line``
    body: str  # the first message, as texted
    language: str  # the language it is written in; empty when it could not be told
    handled: bool
    claimed_by: str | None
    handled_by: str | None
    contact_id: int | None
    call: tuple[int, int] | None  # (id, number) of the call the sender is invited to


def sender_line(name: str | None, organisation: str, language: str, phone: str) -> str:
    """``Ana Ruiz (Casa Azul, es, ***-***-0101)``, or ``an unknown number ***-***-0199``."""
    if name is None:
        return f"an unknown number {mask(phone)}"
    return (f"{escape(name)} ({escape(organisation) or 'no organisation'}, {language}, "
            f"{mask(phone)})")


def conversation_card(facts: CardFacts) -> tuple[str, list[dict]]:
    """The thread's first post: the message, who has it, and what staff can do about it."""
    written = f" (in {language_name(facts.language)})" if facts.language else ""
    text = f":speech_balloon: SMS from {facts.sender}{written}:\n{_quote(facts.body)}"
    status = _status(facts)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}},
              {"type": "context", "elements": [{"type": "mrkdwn", "text": status}]},
              {"type": "actions", "elements": _conversation_buttons(facts)}]
    return f"{text}\n{status}", blocks


def _status(facts: CardFacts) -> str:
    if facts.handled:
        return f":white_check_mark: Handled by {escape(facts.handled_by or 'someone')}"
    if facts.claimed_by:
        return f"Open · claimed by {escape(facts.claimed_by)}"
    return "Open · nobody has claimed it yet. Later messages from this number appear in the thread."


def _conversation_buttons(facts: CardFacts) -> list[dict]:
    ident, with_language = str(facts.conversation_id), f"{facts.conversation_id}:{facts.language}"
    buttons = [_button(CONVERSATION_REPLY_ACTION, "Reply", with_language, style="primary")]
    if not facts.handled and not facts.claimed_by:
        buttons.append(_button(CONVERSATION_CLAIM_ACTION, "Claim", ident))
    if not facts.handled:
        buttons.append(_button(CONVERSATION_HANDLED_ACTION, "Mark as handled", ident))
    buttons += by_hand_buttons(facts.contact_id, facts.call)
    if facts.contact_id is None:
        buttons.append(_button(CONVERSATION_ADD_ACTION, "Add to directory", with_language))
    buttons.append(_button(CONVERSATION_REVEAL_ACTION, "Reveal number", ident))
    return buttons


def _button(action_id: str, label: str, value: str, *, style: str | None = None) -> dict:
    button = {"type": "button", "action_id": action_id, "value": value,
              "text": {"type": "plain_text", "text": label}}
    return {**button, "style": style} if style else button


def thread_message(sender: str, body: str) -> str:
    """A later SMS from the same number, as a reply in the conversation's thread."""
    return f":speech_balloon: {sender}:\n{_quote(body)}"


def replied(name: str, text: str) -> str:
    """What a staff member texted back, in the thread."""
    return f":outbox_tray: Replied by {escape(name)}:\n{_quote(text)}"
