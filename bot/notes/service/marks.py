"""Incident-channel messages marked as a decision, an issue or an action: they feed the call notes.

A message is marked by its prefix (``DECISION: …``, see ``bot.notes.rules.marks``) or by one of the
configured reactions on it (``[notes] decision_reaction`` …). One row per message (channel, ts):
a message keeps the mark it got first. Callers commit.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.config import Settings
from bot.db.models import ChannelMessage
from bot.db.unit_of_work import UnitOfWork
from bot.notes.rules.marks import mark_of

RECORDED_SUBTYPES = frozenset({None, "", "thread_broadcast"})
EDITED = "message_changed"
BY_PREFIX, BY_REACTION = "prefix", "reaction"


def posted_at(ts: str) -> datetime:
    """The instant a Slack message ``ts`` (seconds since the epoch, as text) stands for."""
    return datetime.fromtimestamp(float(ts), UTC)


def reaction_mark(reaction: str, settings: Settings) -> str | None:
    """``"decision"`` for the configured decision reaction …; None for any other reaction.

    A skin-tone variant (``pushpin::skin-tone-2``) counts as the reaction itself.
    """
    notes = settings.notes
    marks = {notes.decision_reaction: "decision", notes.issue_reaction: "issue",
             notes.action_reaction: "action"}
    return marks.get(reaction.split("::", 1)[0].strip(":"))


def record_message(uow: UnitOfWork, *, channel: str, ts: str, user: str | None, text: str | None,
                   now: datetime, subtype: str | None = None, bot_id: str | None = None) -> bool:
    """Stores a marked message posted in an incident channel; True when something was changed.

    Bot messages and subtypes other than none / ``thread_broadcast`` are ignored, except
    ``message_changed`` (then ``ts``, ``user`` and ``text`` are the edited message's): the stored
    text follows the edit, a message that became marked is stored, and one whose prefix was
    removed is forgotten (a reaction's mark stays). Seeing the same message again changes nothing.
    """
    if bot_id or subtype == "bot_message" or not user:
        return False
    if subtype != EDITED and subtype not in RECORDED_SUBTYPES:
        return False
    marked = mark_of(text or "")
    if marked is None and subtype != EDITED:
        return False
    incident = uow.incidents.by_channel(channel)
    if incident is None:
        return False
    stored = uow.actions.message(channel, ts)
    if stored is None:
        if marked is None:
            return False
        mark, rest = marked
        uow.actions.add_message(ChannelMessage(
            incident_id=incident.id, channel=channel, ts=ts, user=user, text=rest,
            posted_at=posted_at(ts), mark=mark, marked_by=BY_PREFIX))
        return True
    if subtype != EDITED:
        return False  # already stored: the event came again, or a reaction marked it first
    return _apply_edit(uow, stored, marked, text or "")


def _apply_edit(uow: UnitOfWork, stored: ChannelMessage, marked: tuple[str, str] | None,
                text: str) -> bool:
    if stored.marked_by == BY_PREFIX:
        if marked is None:
            uow.session.delete(stored)
            uow.session.flush()
            return True
        mark, new_text = marked
    else:  # marked by a reaction: the reaction's mark stays, the text follows the edit
        mark, new_text = stored.mark, (marked[1] if marked else text.strip())
    if not new_text or (stored.mark, stored.text) == (mark, new_text):
        return False
    stored.mark, stored.text = mark, new_text
    uow.session.flush()
    return True


def wants_reaction(uow: UnitOfWork, *, channel: str, ts: str, reaction: str,
                   settings: Settings) -> bool:
    """Whether ``record_reaction`` would store the message (so its text is worth fetching)."""
    return (reaction_mark(reaction, settings) is not None
            and uow.incidents.by_channel(channel) is not None
            and uow.actions.message(channel, ts) is None)


def record_reaction(uow: UnitOfWork, *, channel: str, ts: str, reaction: str, text: str | None,
                    author: str | None, marker: str, now: datetime, settings: Settings) -> bool:
    """Stores the message at ``ts`` marked by ``marker``'s reaction; True when it was stored.

    The mark is credited to the message's ``author`` (Slack's ``item_user``), never to whoever
    reacted: ``marker`` is kept as who marked it. A message whose author Slack does not name
    (posted by an integration) is stored with no author rather than credited to the marker.
    ``text`` is the message's text as fetched from Slack (None: the message is gone); a prefix it
    also has is stripped. A message already stored keeps its first mark.
    """
    mark = reaction_mark(reaction, settings)
    if mark is None or not (text or "").strip():
        return False
    incident = uow.incidents.by_channel(channel)
    if incident is None or uow.actions.message(channel, ts) is not None:
        return False
    marked = mark_of(text)
    body = marked[1] if marked else text.strip()
    uow.actions.add_message(ChannelMessage(
        incident_id=incident.id, channel=channel, ts=ts, user=author or "", text=body,
        posted_at=posted_at(ts), mark=mark, marked_by=BY_REACTION, marker=marker))
    return True
