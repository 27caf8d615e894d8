"""Action items' due work: a reminder a day before the due time and one when it is overdue, and
the daily list of overdue items in each active incident.

Reminders are due jobs keyed by the item's version: a reassigned or re-dated item's old reminders
find a newer version and are void, so a restart or a second scheduler never sends one twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.actions import blocks as action_blocks
from bot.actions.service import DUE_SOON, OPEN, OVERDUE, notify_owner
from bot.config import Settings
from bot.db.models import DueJob
from bot.db.unit_of_work import UnitOfWork
from bot.outbox.kinds import Kind
from bot.outbox.queue import enqueue


def fire_reminder(uow: UnitOfWork, job: DueJob, now: datetime, settings: Settings) -> None:
    """Reminds the owner of an item still open, at the version the job was planned for."""
    item = uow.actions.get(job.payload["action_id"])
    incident = uow.incidents.get(item.incident_id) if item is not None else None
    if (item is None or item.status != OPEN or item.version != job.payload["version"]
            or incident.status != "active"):
        job.status = "cancelled"
    else:
        stage = "soon" if job.kind == DUE_SOON else "overdue"
        notify_owner(uow, item, incident, f"action-remind:{item.id}:v{item.version}:{stage}",
                     "action_reminder", now, settings, channel_fallback=True)
        job.status = "done"
    job.fired_at = now


def post_digests(uow: UnitOfWork, *, now: datetime, settings: Settings) -> int:
    """Once a day, from ``actions.digest_hour``, lists overdue items in each active incident."""
    local = now.astimezone(ZoneInfo(settings.timezone))
    if local.hour < settings.actions.digest_hour:
        return 0
    posted = 0
    for incident_id in uow.actions.incidents_with_overdue(now=now):
        key = f"action-digest:{incident_id}:{local.date().isoformat()}"
        incident = uow.incidents.get(incident_id)
        # Checked every scheduler tick: today's digest, once queued, is not rendered again.
        if incident is None or incident.status != "active" or uow.outbox.by_key(key):
            continue
        items = uow.actions.overdue(incident_id, now=now)
        posted += enqueue(uow, key=key, kind=Kind.POST, purpose="action_digest", now=now,
                          incident_id=incident_id,
                          payload={"channel": None, "blocks": None,
                                   "text": action_blocks.digest(incident.key, items,
                                                                settings.timezone, now)})
    return posted


DUE_JOBS: dict[str, Callable[[UnitOfWork, DueJob, datetime, Settings], None]] = {
    DUE_SOON: fire_reminder, OVERDUE: fire_reminder}
EVERY_TICK = (post_digests,)
