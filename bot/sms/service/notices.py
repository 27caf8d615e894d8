"""SMS notices to an incident's audience: preview, confirmation, queueing, delivery summary.

Every notice is previewed before anything goes. A large one waits for a Confirm; a small one (at
most ``sms.confirm_threshold`` people) needs none, but its texts are queued due only
``sms.small_send_hold_s`` later, so that the preview reaches the coordinator first and its
Cancel button can still stop them (an undo window). The outbox worker claims a row only once
its ``next_attempt_at`` has passed, and a cancel locks the rows it takes back, so a text is
either cancelled or sent, never both. Once the window has closed nothing is cancelled.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from bot.config import SENDER_SEGMENTS_PER_S, Settings
from bot.db.models import Incident, Notice
from bot.db.unit_of_work import UnitOfWork
from bot.directory.rules.audience import SMS, VOICE, Member
from bot.directory.service import audience
from bot.errors import InvalidInput, InvalidTransition, NotFound
from bot.i18n.catalog import render
from bot.i18n.review import unreviewed_languages
from bot.outbox.kinds import BULK, Kind, phone_kind
from bot.outbox.queue import enqueue
from bot.records import audit
from bot.sms.rules.notice_text import parse_notice
from bot.sms.rules.preview import (
    LanguagePreview,
    NoticePost,
    Preview,
    Progress,
    SenderOption,
    SendPlan,
    send_time,
)
from bot.sms.rules.segments import check_fits, segments
from bot.voice.rules import FALLBACK_SUFFIX

SUMMARY_THROTTLE_S = 10
AWAITING, SENT, CANCELLED = "awaiting_confirmation", "sent", "cancelled"
# The outbox status and error code of a text taken back within the undo window.
CANCELLED_CODE = "cancelled_in_undo_window"


def key_prefix(notice_id: int) -> str:
    return f"notice:{notice_id}:"


def summary_prefix(notice_id: int) -> str:
    """The key prefix of the notice's delivery-summary rows (``…:1`` posts, later ones edit)."""
    return summary_key(notice_id, "")


def create(uow: UnitOfWork, *, incident: Incident, text: str, actor: str, now: datetime,
           settings: Settings) -> Preview:
    """Records the notice and returns its preview. When it goes to at most
    ``sms.confirm_threshold`` people it needs no Confirm: it is queued now, due after the undo
    window (``sms.small_send_hold_s``). A closed incident gets no notice."""
    _refuse_if_closed(incident)
    texts = parse_notice(text)
    recipients = _recipients(uow, incident, settings)
    bodies = {lang: _body(texts, lang, incident, settings) for lang in _languages(recipients)}
    check_fits(bodies, settings.sms.max_segments, what="The notice")
    needs_confirmation = len(recipients) > settings.sms.confirm_threshold
    notice = Notice(incident_id=incident.id, text=text.strip(), author=actor,
                    status=AWAITING if needs_confirmation else SENT,
                    recipients=len(recipients), created_at=now)
    uow.sms.add_notice(notice)
    audit.record(uow, at=now, actor=actor, action="notice.created", incident_id=incident.id,
                 notice_id=notice.id, recipients=len(recipients))
    hold_s = 0 if needs_confirmation else settings.sms.small_send_hold_s
    if not needs_confirmation:
        _queue(uow, notice, incident, recipients, bodies, now,
               due=now + timedelta(seconds=hold_s))
    return _preview(notice, recipients, bodies, texts, needs_confirmation, settings, hold_s)


def confirm(uow: UnitOfWork, *, notice_id: int, actor: str, now: datetime,
            settings: Settings) -> Notice:
    notice = _notice(uow, notice_id)
    if notice.status != AWAITING:
        raise InvalidTransition(f"This notice was already {notice.status.replace('_', ' ')}.")
    incident = uow.incidents.get(notice.incident_id)
    _refuse_if_closed(incident)
    texts = parse_notice(notice.text)
    recipients = _recipients(uow, incident, settings)
    bodies = {lang: _body(texts, lang, incident, settings) for lang in _languages(recipients)}
    notice.status, notice.confirmed_at, notice.recipients = SENT, now, len(recipients)
    audit.record(uow, at=now, actor=actor, action="notice.confirmed", incident_id=incident.id,
                 notice_id=notice.id, recipients=len(recipients))
    _queue(uow, notice, incident, recipients, bodies, now)
    return notice


def cancel(uow: UnitOfWork, *, notice_id: int, actor: str, now: datetime) -> int:
    """Cancels a notice awaiting its Confirm, or a small one still in its undo window; returns
    how many queued texts were taken back (0 for one never confirmed)."""
    notice = _notice(uow, notice_id)
    if notice.status == SENT and notice.confirmed_at is None:
        return _take_back(uow, notice, actor, now)
    if notice.status != AWAITING:
        raise InvalidTransition(f"This notice was already {notice.status.replace('_', ' ')}.")
    notice.status = CANCELLED
    audit.record(uow, at=now, actor=actor, action="notice.cancelled",
                 incident_id=notice.incident_id, notice_id=notice.id)
    return 0


def _take_back(uow: UnitOfWork, notice: Notice, actor: str, now: datetime) -> int:
    """Marks a held notice's texts (and its delivery summary) cancelled, while its undo window
    is open. The rows are locked, so a worker's claim cannot take them meanwhile."""
    texts = uow.outbox.with_key_prefix(key_prefix(notice.id), lock=True)
    window_ends = min((r.next_attempt_at for r in texts), default=notice.created_at)
    held = [r for r in texts if r.status == "pending" and r.attempts == 0]
    if now >= window_ends or not held:
        raise InvalidTransition(
            f"Too late to cancel notice {notice.id}: its undo window closed at "
            f"{window_ends:%H:%M:%S} UTC and the texts are being sent. Nothing was cancelled.")
    summaries = uow.outbox.with_key_prefix(summary_prefix(notice.id), statuses=["pending"],
                                           lock=True)
    for row in held + summaries:
        row.status, row.error_code = CANCELLED, CANCELLED_CODE
        row.error_message = f"cancelled by {actor} before it was sent"
    notice.status = CANCELLED
    audit.record(uow, at=now, actor=actor, action="notice.cancelled",
                 incident_id=notice.incident_id, notice_id=notice.id, texts=len(held))
    return len(held)


def summary_key(notice_id: int, sequence: int | str = 1) -> str:
    """The outbox key of a notice's delivery summary: its first post (1), then refreshes."""
    return f"delivery-summary:{notice_id}:{sequence}"


def queue_summary(uow: UnitOfWork, *, notice_id: int, incident_id: int, now: datetime,
                  first_due: datetime | None = None) -> None:
    """Asks for the delivery summary to be refreshed, at most every few seconds; the first
    post is due at ``first_due`` (with the texts), else at once.

    A refresh still waiting will read the newest counts when it runs, so none is added then.
    """
    prefix = summary_prefix(notice_id)
    earlier = uow.outbox.count_by_status(key_prefix=prefix)
    if earlier.get("pending"):
        return
    sequence = sum(earlier.values()) + 1
    enqueue(uow, key=f"{prefix}{sequence}", kind=Kind.DELIVERY_SUMMARY, purpose="delivery_summary",
            incident_id=incident_id, now=now, payload={"notice_id": notice_id},
            not_before=now + timedelta(seconds=SUMMARY_THROTTLE_S) if sequence > 1
            else first_due)


def delivery_counts(uow: UnitOfWork, notice_id: int) -> tuple[dict[str, int], dict[str, int]]:
    prefix = key_prefix(notice_id)
    return uow.outbox.count_by_status(key_prefix=prefix), uow.outbox.error_counts(key_prefix=prefix)


def channel_post(uow: UnitOfWork, notice_id: int, *, now: datetime | None = None,
                 segments_per_s: float = 0) -> NoticePost:
    """The sent notice with its languages, counts and delivery so far, for the channel; while
    texts are still to go, how many and (at the sender's budget) when they should all be out."""
    notice = _notice(uow, notice_id)
    prefix = key_prefix(notice_id)
    # A call standing in for a text refused as a landline is the same recipient.
    by_language = uow.outbox.count_by_language(key_prefix=prefix, except_suffix=FALLBACK_SUFFIX)
    counts, errors = delivery_counts(uow, notice_id)
    return NoticePost(notice.id, notice.author, _stored_texts(notice.text), by_language, counts,
                      errors, _progress(uow, prefix, now, segments_per_s))


def _progress(uow: UnitOfWork, prefix: str, now: datetime | None,
              segments_per_s: float) -> Progress | None:
    remaining, remaining_segments = uow.outbox.waiting(key_prefix=prefix, kind=Kind.SMS)
    if not remaining or now is None:
        return None
    duration = send_time(remaining_segments, segments_per_s)
    return Progress(remaining, remaining_segments, now + duration if duration else None)


def _stored_texts(text: str) -> dict[str, str]:
    # A notice stored before language lines were parsed strictly may not parse now: it is shown
    # as it was typed rather than not at all.
    try:
        return parse_notice(text)
    except InvalidInput:
        return {"en": text}


def _refuse_if_closed(incident: Incident) -> None:
    if incident.status != "active":
        raise InvalidTransition(f"{incident.key} is closed: reopen it before sending notices. "
                                "Nothing was sent.")


def _recipients(uow: UnitOfWork, incident: Incident, settings: Settings) -> list[Member]:
    members = audience.members(uow, incident, settings.directory.always_include_tags)
    phones = [m for m in members if m.channel in (SMS, VOICE)]
    stopped = uow.sms.opted_out_among([m.phone for m in phones if m.phone])
    return [m for m in phones if m.channel == VOICE or m.phone not in stopped]


def _languages(recipients: list[Member]) -> list[str]:
    return sorted({m.language for m in recipients})


def _body(texts: dict[str, str], language: str, incident: Incident, settings: Settings) -> str:
    return render("incident_notice", language, office=settings.office_name, title=incident.title,
                  text=texts.get(language, texts["en"]))


def _queue(uow: UnitOfWork, notice: Notice, incident: Incident, recipients: list[Member],
           bodies: dict[str, str], now: datetime, due: datetime | None = None) -> None:
    """Queues the texts due at ``due`` (after the undo window, for a small notice), and the
    delivery summary with them, so that the channel hears of the notice when it goes.

    Keys are new by construction (the notice is new, one key per contact): one bulk insert.
    """
    counts = {language: segments(body).segments for language, body in bodies.items()}
    uow.outbox.add_new([
        {"idempotency_key": f"{key_prefix(notice.id)}{m.id}",
         "kind": phone_kind(m.channel).value,
         "purpose": "incident_notice", "incident_id": incident.id, "recipient": m.phone,
         "language": m.language, "payload": {"body": bodies[m.language]},
         "segments": counts[m.language], "priority": BULK, "status": "pending",
         "attempts": 0,
         "next_attempt_at": due or now, "created_at": now}
        for m in recipients])
    queue_summary(uow, notice_id=notice.id, incident_id=incident.id, now=now, first_due=due)


def _preview(notice: Notice, recipients: list[Member], bodies: dict[str, str],
             texts: dict[str, str], needs_confirmation: bool, settings: Settings,
             hold_s: int) -> Preview:
    counts = Counter(m.language for m in recipients)
    calls = Counter(m.language for m in recipients if m.channel == VOICE)
    unreviewed = unreviewed_languages(counts)
    languages = [LanguagePreview(lang, counts[lang], segments(bodies[lang]).segments,
                                 bodies[lang], lang in texts, lang not in unreviewed,
                                 by_call=calls[lang])
                 for lang in sorted(counts)]
    total = sum(p.texted * p.segments for p in languages)  # a call costs no SMS segments
    texted = [m for m in recipients if m.channel == SMS]
    plan = SendPlan(len(texted), sum(segments(bodies[m.language]).segments for m in texted),
                    settings.sms.send_budget(), settings.sms.sender, settings.sms.sender_pool_size,
                    other_senders(settings))
    return Preview(notice.id, len(recipients), total, needs_confirmation, languages,
                   settings.sms.price_per_segment, settings.sms.confirm_threshold,
                   hold_s if recipients else 0, plan)


def other_senders(settings: Settings) -> tuple[SenderOption, ...]:
    """The configured senders besides the one texts go from (``sms.sender``), for the plan to
    compare: a Messaging Service (``twilio.messaging_service_sid``, its pool of
    ``sms.sender_pool_size``) when the sender is the number, and the number on its own
    (``twilio.from_number``) when the sender is the service. Twilio does not say what kind a
    number is; beside a Messaging Service it is taken for a long code (1 segment/s), the
    slowest, so the comparison never promises too much. With ``sms.segments_per_s`` (a figure
    of the office's own) or no ``sms.sender`` there is nothing to compare."""
    sms, twilio = settings.sms, settings.twilio
    if sms.sender is None or sms.segments_per_s is not None:
        return ()
    if sms.sender == "messaging_service":
        if not twilio.from_number:
            return ()
        return (SenderOption("long_code", SENDER_SEGMENTS_PER_S["long_code"]),)
    if not twilio.messaging_service_sid:
        return ()
    pool = sms.sender_pool_size
    return (SenderOption("messaging_service", SENDER_SEGMENTS_PER_S["messaging_service"] * pool,
                         pool),)


def _notice(uow: UnitOfWork, notice_id: int) -> Notice:
    notice = uow.sms.notice(notice_id)
    if notice is None:
        raise NotFound(f"There is no notice {notice_id}.")
    return notice
