"""The records' scheduled work: the audit chain's anchors, and the daily retention run.

Anchoring: the chain's head copied out of the database, every ``audit.anchor_every_h`` hours.

The chain shows that events were changed, inserted or removed, unless someone with write access
rewrites the whole chain from the changed event on. A head hash that has left the database — in
the log (kept by the log host) and in each active incident's Slack channel (kept by Slack) —
cannot be rewritten with it: a later trail that does not pass through an anchored head was
rewritten after that anchor. Each anchor is itself an ``audit.anchored`` event naming the head it
copied, so the trail says when anchors were taken.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.db.unit_of_work import UnitOfWork
from bot.outbox.kinds import Kind
from bot.outbox.queue import enqueue
from bot.records import audit, retention

log = logging.getLogger(__name__)
ANCHORED = "audit.anchored"


def anchor(uow: UnitOfWork, *, now: datetime, settings: Settings) -> int:
    """Anchors the head when the period is over and something was recorded since the last
    anchor; returns the number of channel posts queued (checked every scheduler tick)."""
    last = uow.audit.last(action=ANCHORED)
    if last is not None and now - last.at < timedelta(hours=settings.audit.anchor_every_h):
        return 0
    if last is not None and uow.audit.head()[0] == last.seq:
        return 0  # nothing new since the last anchor: read without the lock, every tick
    seq, head = uow.audit.lock_head()
    log.info("audit chain head: event %d, sha256 %s", seq, head)
    audit.record(uow, at=now, actor="coordbot", action=ANCHORED, anchored_seq=seq,
                 anchored_hash=head)
    posted = 0
    for incident in uow.incidents.list(status="active", limit=500):
        posted += enqueue(
            uow, key=f"audit-anchor:{incident.id}:{seq}", kind=Kind.POST, purpose="audit_anchor",
            now=now, incident_id=incident.id,
            payload={"channel": None, "blocks": None,
                     "text": f"Audit trail anchor: event {seq}, SHA-256 `{head}`. Kept here so "
                             "that a later change to the trail can be detected "
                             "(`coordbot audit verify`)."})
    return posted



def retain(uow: UnitOfWork, *, now: datetime, settings: Settings) -> bool:
    """The daily retention run, a batch per tick from ``retention.run_hour`` (office zone) until
    a batch finds less than a full one; True on the tick that finishes it, which then forgets
    the finished inbox requests after its commit (the inbox may be a database of its own).

    Looked at every tick and not counted as due work, like the anchor: the day's run is marked
    by a due job keyed by the date (``working``, then ``done``), so whichever process leads the
    scheduler carries on where the last one stopped, and runs it once a day.
    """
    local = now.astimezone(ZoneInfo(settings.timezone))
    if not settings.retention.enabled or local.hour < settings.retention.run_hour:
        return False
    turn = uow.retention.turn(f"retention:{local.date().isoformat()}", now=now)
    if turn.status == "done":
        return False
    report = retention.step(uow, now=now, settings=settings)
    if report.total():
        log.info("retention: %d row(s) purged or reduced this batch", report.total())
    if not report.finished:
        return False
    turn.status, turn.fired_at = "done", now
    for key in report.held:
        log.info("retention: %s is on legal hold, nothing of it was purged", key)
    return True
