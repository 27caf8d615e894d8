"""Senders for call notes: the review card in the review channel, and the approved notes.

The review card is posted once (the ``first`` row) and then edited in place; every later row
renders the notes as they are when it runs, so a retried row never shows a stale state.

Approved notes are posted as messages, not uploaded as a file: people read them in the channel,
on phones too, and Slack's search finds them. A long text is cut at line ends into sections of at
most 3,000 characters, a few per message. The parts of one channel are chained (each part's row
queues the next after it is posted), so they arrive in order even with concurrent senders.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.access import links
from bot.db.models import CallNotes, OutboxMessage
from bot.db.unit_of_work import UnitOfWork
from bot.notes import blocks as notes_blocks
from bot.notes import suggestion_blocks
from bot.notes.rules.edits import published
from bot.notes.service import publishing, suggestions, versions
from bot.outbox.cards import SlackCards
from bot.outbox.contract import Deferred, Delivered, Sender
from bot.outbox.kinds import Kind
from bot.outbox.queue import enqueue
from bot.outbox.slack_failures import incident_channel
from bot.ports import DeliveryError, PostedMessage


class NotesCards(SlackCards):
    def senders(self) -> dict[str, Sender]:
        return {Kind.NOTES_CARD: self.sender(self.card, self.reconcile_card),
                Kind.NOTES_PUBLISH: self.sender(self.publish, self.reconcile_publish)}

    def card(self, message: OutboxMessage) -> Delivered:
        return self._card(message, looking=False)

    def reconcile_card(self, message: OutboxMessage) -> Delivered | None:
        return self._card(message, looking=True)

    def _card(self, message: OutboxMessage, *, looking: bool) -> Delivered | None:
        notes_id = message.payload["notes_id"]
        with self._db.unit_of_work(read_only=True) as uow:
            notes = _notes(uow, notes_id)
            text, blocks = notes_blocks.review_card(self._facts(uow, notes))
            blocks = suggestion_blocks.with_transcript(blocks, _transcript(uow, notes))
            posted = notes.review_channel, notes.review_ts

        def remember(uow: UnitOfWork, new: PostedMessage) -> None:
            notes = _notes(uow, notes_id)
            notes.review_channel, notes.review_ts = new.channel, new.ts

        return self.show(message, text, blocks, posted=posted,
                         post_to=message.recipient or posted[0],
                         before_first=lambda: self._wait_for_first(notes_id), remember=remember,
                         looking=looking)

    def _wait_for_first(self, notes_id: int) -> None:
        # The card's first post renders the latest state whenever it goes: an update row can
        # give up once that post has failed for good (an administrator may retry the post).
        with self._db.unit_of_work(read_only=True) as uow:
            first = uow.outbox.by_key(publishing.card_key(notes_id))
            failed = first is not None and first.status == "failed"
        if failed:
            raise DeliveryError("review_card_not_posted", f"notes {notes_id}", permanent=True)
        raise Deferred(f"the review card of notes {notes_id} is not posted yet")

    def _facts(self, uow: UnitOfWork, notes: CallNotes) -> notes_blocks.CardFacts:
        incident = uow.incidents.get(notes.incident_id)
        call = uow.calls.get(notes.call_id)
        latest = versions.current(uow, notes)
        now = self._clock.now()
        can_link = links.can_sign(self._settings)
        targets = publishing.publish_targets(incident, self._settings)
        return notes_blocks.CardFacts(
            notes_id=notes.id, incident_key=incident.key, incident_title=incident.title,
            call_number=call.number, status=notes.status, version=notes.version,
            author=latest.author, written_at=latest.created_at, reason=latest.reason,
            text=latest.text, zone=self._settings.timezone,
            link=links.notes_url(self._settings, notes.id, now=now) if can_link else None,
            link_expires=(datetime.fromtimestamp(links.notes_expiry(self._settings, now=now), UTC)
                          if can_link else None),
            approved_by=notes.approved_by, approved_at=notes.approved_at,
            comment=versions.latest_comment(uow, notes),
            published_to=[t or incident.channel_id for t in targets
                          if t or incident.channel_id])

    def publish(self, message: OutboxMessage) -> Delivered:
        """Posts one part of the approved notes to one channel, then queues the next part."""
        return self._publish(message, looking=False)

    def reconcile_publish(self, message: OutboxMessage) -> Delivered | None:
        """Delivered (and the next part queued) when this part is in its channel, else None."""
        return self._publish(message, looking=True)

    def _publish(self, message: OutboxMessage, *, looking: bool) -> Delivered | None:
        payload = message.payload
        notes_id, target, part = payload["notes_id"], payload.get("channel"), payload["part"]
        with self._db.unit_of_work(read_only=True) as uow:
            notes = _notes(uow, notes_id)
            if notes.status != versions.APPROVED or notes.approved_version is None:
                raise DeliveryError("notes_not_approved", str(notes_id), permanent=True)
            messages = self._published(uow, notes)
            incident = uow.incidents.get(notes.incident_id)
            channel = target or (incident.channel_id if looking
                                 else incident_channel(uow, incident))
        if looking:
            posted = self.find(message, channel) if channel else None
            if posted is None:
                return None
        else:
            text, blocks = messages[part - 1]
            posted = (self.find(message, channel) if message.attempts > 1 else None) or (
                self._slack.post(channel, text, blocks, key=message.idempotency_key))
        if part < len(messages):
            with self._db.unit_of_work() as uow:
                amendment = payload.get("amendment")
                enqueue(uow, key=publishing.publish_key(notes_id, target, part + 1, amendment),
                        kind=Kind.NOTES_PUBLISH, purpose=message.purpose,
                        incident_id=message.incident_id, recipient=channel,
                        now=self._clock.now(),
                        payload={"notes_id": notes_id, "channel": target, "part": part + 1,
                                 "amendment": amendment})
                uow.commit()
        return Delivered(posted.ts)

    def _published(self, uow: UnitOfWork, notes: CallNotes) -> list[tuple[str, list[dict]]]:
        incident = uow.incidents.get(notes.incident_id)
        call = uow.calls.get(notes.call_id)
        approved = uow.notes.version(notes.id, notes.approved_version)
        return notes_blocks.published(
            incident_key=incident.key, incident_title=incident.title, call_number=call.number,
            version=approved.version, approved_by=notes.approved_by,
            approved_at=notes.approved_at, zone=self._settings.timezone,
            text=published(approved.text, transcript_kept=bool(notes.transcript_kept)))


def _transcript(uow: UnitOfWork, notes: CallNotes) -> suggestion_blocks.TranscriptFacts:
    lines, speakers = suggestions.transcript_size(uow, notes.call_id)
    return suggestion_blocks.TranscriptFacts(
        notes_id=notes.id, open=notes.status != versions.APPROVED, lines=lines,
        speakers=speakers, kept=bool(notes.transcript_kept),
        pending=tuple(suggestions.pending(uow, notes.call_id)))


def _notes(uow: UnitOfWork, notes_id: int) -> CallNotes:
    notes = uow.notes.get(notes_id)
    if notes is None:
        raise DeliveryError("notes_not_found", str(notes_id), permanent=True)
    return notes
