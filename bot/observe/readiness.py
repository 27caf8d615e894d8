"""``/readyz``: whether this deployment can do its work, and if not, what is wrong.

``/healthz`` stays a liveness check. Readiness asks more: the database answers, its schema is at
the newest migration, the command worker process is alive, the outbox is moving, and the
scheduler has a leader and keeps up. Each check is "ok" or a sentence naming the problem.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from bot.clock import Clock
from bot.config import Settings
from bot.db import observe as queries
from bot.db.schema_version import SchemaVersion, schema_version
from bot.db.unit_of_work import Database

log = logging.getLogger(__name__)
OK = "ok"


@dataclass(frozen=True)
class Report:
    checks: dict[str, str] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return all(value == OK for value in self.checks.values())

    def body(self) -> dict:
        problems = {name: value for name, value in self.checks.items() if value != OK}
        return {"status": "ok" if self.ready else "error", "checks": self.checks,
                "problems": problems}


def check(*, db: Database, settings: Settings, clock: Clock, worker_alive: bool) -> Report:
    checks: dict[str, str] = {"command_worker": OK if worker_alive else
                              "down: the command worker process is not running"}
    try:
        db.ping()
    except Exception as error:
        log.warning("readiness: database unreachable: %s", type(error).__name__)
        checks["database"] = f"unreachable ({type(error).__name__})"
        return Report(checks)
    checks["database"] = OK
    now = clock.now()
    checks["migrations"] = _migrations(schema_version(db))
    checks["outbox"] = _outbox(db, now, settings.health.outbox_stuck_s)
    checks["scheduler"] = _scheduler(db, now, settings)
    return Report(checks)


def _migrations(version: SchemaVersion) -> str:
    if version.at_head:
        return OK
    if version.state == "unknown":
        return f"ahead: {version.describe()}; run that release"
    return f"behind: {version.describe()} (run coordbot db upgrade)"


def _outbox(db: Database, now: datetime, stuck_s: float) -> str:
    """Stuck: due messages waiting longer than ``stuck_s`` while nothing was sent in as long."""
    due = queries.due_outbox(db, now)
    waited = 0.0 if due.oldest is None else queries.seconds_since(now, due.oldest)
    if waited <= stuck_s:
        return OK
    last = queries.last_sent_at(db)
    if last is not None and queries.seconds_since(now, last) <= stuck_s:
        return OK
    return (f"stuck: {due.count} message(s) due, the oldest for {waited:.0f} s, "
            f"none sent in the last {stuck_s:.0f} s")


def _scheduler(db: Database, now: datetime, settings: Settings) -> str:
    """PostgreSQL: some process holds the leader's lock. SQLite has no lock to look at (the
    one process running the scheduler leads): there only its lag tells."""
    held = queries.scheduler_leader_held(db, settings.scheduler.lock_key)
    if held is False:
        return "no leader: no process holds the scheduler lock"
    due = queries.due_jobs(db, now)
    late_s = settings.health.scheduler_late_s
    late = 0.0 if due.oldest is None else queries.seconds_since(now, due.oldest)
    if late > late_s:
        return f"late: {due.count} due job(s), the oldest {late:.0f} s late"
    return OK

