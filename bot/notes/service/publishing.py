"""What leaves the notes' review: the review card, posts for reviewers, and, once approved, the
published notes and the attendees' SMS summaries.

Nothing leaves the review channel before an official approves: then the approved version is
posted to the incident channel and the distribution channels, and attendees may get an SMS
summary, each queued once (outbox keys per notes and channel or contact). Each change queues a
re-render of the review card, keyed by version and status; the card's sender reads the notes as
they are when it runs.
"""

from __future__ import annotations

from datetime import datetime

from bot.config import Settings
from bot.db.models import CallNotes, Contact, Incident
from bot.db.unit_of_work import UnitOfWork
from bot.directory.rules.contacts import Consent
from bot.i18n.catalog import render
from bot.notes.rules import summary
from bot.notes.service.versions import current, review_channel
from bot.outbox.kinds import Kind
from bot.outbox.queue import enqueue
from bot.sms.rules.segments import segments


def queue_card(uow: UnitOfWork, notes: CallNotes, *, now: datetime, settings: Settings,
               extra: str = "") -> bool:
    """Queues the card's first post, or a re-render of it; False when no channel is configured."""
    channel = notes.review_channel or review_channel(settings)
    if channel is None:
        return False
    notes.review_channel = channel
    common = {"kind": Kind.NOTES_CARD, "purpose": "notes_review", "incident_id": notes.incident_id,
              "recipient": channel, "now": now}
    if enqueue(uow, key=card_key(notes.id), payload={"notes_id": notes.id, "first": True},
               **common):
        return True
    enqueue(uow, key=f"notes-card:{notes.id}:v{notes.version}:{notes.status}{extra}",
            payload={"notes_id": notes.id}, **common)
    return True


def card_key(notes_id: int) -> str:
    """The key of the review card's first post (its updates add version and status)."""
    return f"notes-card:{notes_id}"


def post_for_review(uow: UnitOfWork, notes: CallNotes, *, key: str, text: str, now: datetime,
                    settings: Settings) -> bool:
    channel = notes.review_channel or review_channel(settings)
    if channel is None:
        return False
    enqueue(uow, key=key, kind=Kind.POST, purpose="notes_review", incident_id=notes.incident_id,
            recipient=channel, now=now, payload={"channel": channel, "text": text, "blocks": None})
    return True


def publish_targets(incident: Incident, settings: Settings) -> list[str | None]:
    """None (the incident's channel, whenever it exists) then each distribution channel once."""
    others = [c for c in dict.fromkeys(settings.notes.distribution_channels)
              if c and c != incident.channel_id]
    return [None, *others]


def queue_publishing(uow: UnitOfWork, notes: CallNotes, incident: Incident, *, now: datetime,
                     settings: Settings) -> int:
    """Queues the approved notes' posts and SMS summaries; the number of summaries queued."""
    for target in publish_targets(incident, settings):
        enqueue(uow, key=publish_key(notes.id, target, 1), kind=Kind.NOTES_PUBLISH,
                purpose="notes_publish", incident_id=incident.id,
                recipient=target or incident.channel_id, now=now,
                payload={"notes_id": notes.id, "channel": target, "part": 1})
    if not settings.notes.sms_summary:
        return 0
    return _queue_summaries(uow, notes, incident, now=now, settings=settings)


def publish_key(notes_id: int, target: str | None, part: int, amendment: int | None = None) -> str:
    """One part's key; an approved amendment (its version) is published under keys of its own."""
    round_ = f":v{amendment}" if amendment is not None else ""
    return f"notes-publish:{notes_id}:{target or 'incident'}{round_}:{part}"


def _queue_summaries(uow: UnitOfWork, notes: CallNotes, incident: Incident, *, now: datetime,
                     settings: Settings) -> int:
    text = current(uow, notes).text
    decided = summary.decisions(text)
    tasks = partner_tasks(uow, incident, summary.action_numbers(text))
    link = public_link(settings, incident, uow.calls.get(notes.call_id).number)
    texted = 0
    for contact in attendees(uow, notes.call_id):
        body = summary_body(decided, tasks, contact.language, incident, settings, link=link)
        if enqueue(uow, key=f"{summary_key_prefix(notes.id)}{contact.id}", kind=Kind.SMS,
                   purpose="notes_summary", incident_id=incident.id, recipient=contact.phone,
                   language=contact.language, now=now, payload={"body": body},
                   segments=segments(body).segments):
            texted += 1
    return texted


def partner_tasks(uow: UnitOfWork, incident: Incident, numbers: list[int]) -> list[str]:
    """``Gulf Relief: send two interpreters``: the open items of the notes' table owned by a
    contact or an organisation (not staff), in the table's order."""
    items = {item.number: item for item in uow.actions.for_incident(incident.id)}
    return [summary.plain(f"{item.owner_label}: {item.text}") for number in numbers
            if (item := items.get(number)) is not None and item.owner_kind != "slack"
            and item.status == "open"]


def public_link(settings: Settings, incident: Incident, call_number: int) -> str | None:
    """The public page of the notes (``[notes] public_page_url``), if the office has one."""
    template = settings.notes.public_page_url
    if not template:
        return None
    return template.replace("{incident}", incident.key).replace("{call}", str(call_number))


def summary_key_prefix(notes_id: int) -> str:
    return f"notes-sms:{notes_id}:"


def attendees(uow: UnitOfWork, call_id: int) -> list[Contact]:
    """Contacts who joined the call by phone and can take texts (opt-outs are checked again
    when each message is sent)."""
    ids = {row.contact_id for row in uow.calls.attendance(call_id) if row.contact_id}
    contacts = uow.contacts.load(ids)
    return [c for _, c in sorted(contacts.items())
            if c.phone and c.phone_status == "ok" and c.sms_consent != Consent.OPTED_OUT.value]


def summary_body(decided: list[str], tasks: list[str], language: str, incident: Incident,
                 settings: Settings, *, link: str | None = None) -> str:
    """The catalog's ``notes_summary`` in ``language``: the decisions, then the partners' tasks,
    as many whole ones as fit the segment budget, then where the rest is."""
    def compose(text: str) -> str:
        return render("notes_summary", language, office=settings.office_name,
                      title=incident.title, text=text)

    more = (render("notes_summary_more_link", language, url=link) if link
            else render("notes_summary_more", language))
    return summary.whole_items(
        [(render("notes_summary_decided", language), decided),
         (render("notes_summary_todo", language), tasks)],
        compose=compose, more=more, nothing=render("notes_summary_nothing", language),
        max_segments=settings.sms.max_segments)
