"""What an approved amendment sends: the amended notes to the channels that had the notes, and,
only when a decision changed, a text to the partners who were sent the call's SMS summary.

The published posts of an amendment have keys of their own (``publishing.publish_key`` with the
version), so the first publication is never repeated and each amendment is posted once. Who was
"sent the summary" is read from the outbox: the summary rows of these notes that went out or are
going (not those suppressed by a STOP or failed), each told once per amended version.
"""

from __future__ import annotations

from datetime import datetime

from bot.config import Settings
from bot.db.models import CallNotes, Incident
from bot.db.unit_of_work import UnitOfWork
from bot.i18n.catalog import render
from bot.notes import blocks as notes_blocks
from bot.notes.rules.sections import decisions
from bot.notes.service.publishing import publish_key, publish_targets, summary_key_prefix
from bot.outbox.kinds import Kind
from bot.outbox.queue import enqueue
from bot.sms.rules.segments import fits, segments

REACHED = ("pending", "sending", "sent", "delivered", "unknown")


def decisions_changed(before: str, after: str) -> bool:
    return decisions(before) != decisions(after)


def queue_republishing(uow: UnitOfWork, notes: CallNotes, incident: Incident, *, previous: int,
                       now: datetime, settings: Settings) -> int:
    """Queues the amended notes' posts, and the partners' notices when a decision changed;
    returns the number of notices queued."""
    for target in publish_targets(incident, settings):
        enqueue(uow, key=publish_key(notes.id, target, 1, notes.version), kind=Kind.NOTES_PUBLISH,
                purpose="notes_publish", incident_id=incident.id,
                recipient=target or incident.channel_id, now=now,
                payload={"notes_id": notes.id, "channel": target, "part": 1,
                         "amendment": notes.version})
    old = uow.notes.version(notes.id, previous)
    new = uow.notes.version(notes.id, notes.version)
    if old is None or new is None or not decisions_changed(old.text, new.text):
        return 0
    changed = [d for d in decisions(new.text) if d not in decisions(old.text)]
    points = changed or decisions(new.text) or [notes_blocks.NOTHING_DECIDED]
    told = 0
    for row in uow.outbox.with_key_prefix(summary_key_prefix(notes.id), statuses=REACHED):
        language = row.language or "en"
        body = notice_body(points, language, incident, settings)
        contact = row.idempotency_key.removeprefix(summary_key_prefix(notes.id))
        if enqueue(uow, key=f"notes-amended:{notes.id}:v{notes.version}:{contact}",
                   kind=row.kind, purpose="notes_amended", incident_id=incident.id,
                   recipient=row.recipient, language=language, now=now, payload={"body": body},
                   segments=segments(body).segments):
            told += 1
    return told


def notice_body(points: list[str], language: str, incident: Incident, settings: Settings) -> str:
    """The catalog's ``notes_amended`` quoting whole decisions, as many as fit the SMS budget
    (a first one too long for it alone is shortened at a word, with an ellipsis)."""
    def body(chosen: list[str]) -> str:
        return render("notes_amended", language, office=settings.office_name,
                      title=incident.title, text="\n".join(f"- {p}" for p in chosen))

    chosen: list[str] = []
    for point in points:
        if not fits(body([*chosen, point]), settings.sms.max_segments):
            break
        chosen.append(point)
    if chosen or not points:
        return body(chosen)
    for limit in (240, 160, 100, 60):
        shortened = body([points[0][:limit].rsplit(" ", 1)[0] + "…"])
        if fits(shortened, settings.sms.max_segments):
            return shortened
    return body([])
