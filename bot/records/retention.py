"""Retention: personal data kept no longer than ``retention.*`` says.

Once an incident has been closed ``retention.after_closed_days`` days, what people wrote and were
sent goes: message bodies (notices, marked channel messages), inbound texts, transcripts (pasted
ones, and the bridge's live transcription: its lines, callers' answers and suggestions, once the
call's notes are approved or if none were drafted), notes drafts that were never the approved
version, and every delivery's payload; the phone numbers in
its deliveries, inbound texts, conversations and attendance are cut to their last four digits
(``+1 ••• ••• 0143``). Texts and deliveries tied to no incident go
``retention.unattached_after_days`` after they came or went. Kept: the incident, its timeline,
the approved notes (with the names as published), action items, counts, and the audit trail.

An incident on legal hold is not touched, and each run says which were skipped for it.

A run works a batch (``retention.batch_size`` rows) per transaction and records in the audit
trail how many rows of which kind each batch changed (``retention.purged``, on the incident).
It only ever picks rows that still hold something to remove, so it is idempotent: run again, it
finds nothing; killed halfway, the next run carries on. A dry run counts those same rows.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.config import Settings
from bot.db.unit_of_work import Database, UnitOfWork
from bot.directory.rules.phones import mask
from bot.records import audit

log = logging.getLogger(__name__)
PURGED = "retention.purged"
UNATTACHED = "(no incident)"
INBOX = "(inbox)"


@dataclass(frozen=True)
class Scope:
    """An incident past its period (``incident_id``), or the rows tied to none (``None``)."""

    key: str
    incident_id: int | None
    before: datetime | None = None


@dataclass
class Report:
    """Rows per scope and target (what would go, or what went); incidents skipped for a hold."""

    counts: dict[str, Counter] = field(default_factory=dict)
    held: list[str] = field(default_factory=list)
    finished: bool = True

    def add(self, scope: str, target: str, rows: int) -> None:
        if rows:
            self.counts.setdefault(scope, Counter())[target] += rows

    def total(self) -> int:
        return sum(sum(c.values()) for c in self.counts.values())

    def merge(self, other: Report) -> None:
        for scope, counts in other.counts.items():
            for target, rows in counts.items():
                self.add(scope, target, rows)
        self.held = other.held
        self.finished = other.finished


def scopes(uow: UnitOfWork, *, now: datetime, settings: Settings) -> tuple[list[Scope], list[str]]:
    """The incidents whose period is over and not on hold, then the unattached rows; and the
    keys of those held back."""
    days = settings.retention
    due, held = [], []
    for incident in uow.retention.closed_before(now - timedelta(days=days.after_closed_days)):
        (held.append(incident.key) if incident.legal_hold
         else due.append(Scope(incident.key, incident.id)))
    due.append(Scope(UNATTACHED, None, now - timedelta(days=days.unattached_after_days)))
    return due, held


def _targets(uow: UnitOfWork, scope: Scope) -> tuple[str, ...]:
    return uow.retention.UNATTACHED if scope.incident_id is None else uow.retention.TARGETS


def plan(uow: UnitOfWork, *, now: datetime, settings: Settings) -> Report:
    """What a run would change now: the rows it would rewrite, counted the way it picks them."""
    due, held = scopes(uow, now=now, settings=settings)
    report = Report(held=held)
    for scope in due:
        for target in _targets(uow, scope):
            report.add(scope.key, target, uow.retention.count(
                target, incident_id=scope.incident_id, before=scope.before))
    return report


def step(uow: UnitOfWork, *, now: datetime, settings: Settings) -> Report:
    """One batch: up to ``retention.batch_size`` rows rewritten, each scope's counts recorded
    in the audit trail. ``finished`` once nothing is left (the batch was not full)."""
    due, held = scopes(uow, now=now, settings=settings)
    report, room = Report(held=held), settings.retention.batch_size
    for scope in due:
        for target in _targets(uow, scope):
            if room <= 0:  # a call's transcript goes whole: it may overrun the batch
                break
            rows = _purge(uow, target, scope, room)
            report.add(scope.key, target, rows)
            room -= rows
        if scope.key in report.counts:
            audit.record(uow, at=now, actor="coordbot", action=PURGED,
                         incident_id=scope.incident_id, **report.counts[scope.key])
    report.finished = room > 0
    return report


def _purge(uow: UnitOfWork, target: str, scope: Scope, room: int) -> int:
    if target in uow.retention.BY_CALL:  # whole calls' transcripts: lines, answers, suggestions
        return sum(uow.transcripts.purge_call(call_id) for call_id in
                   uow.retention.transcribed_calls(incident_id=scope.incident_id, limit=room))
    return uow.retention.purge(target, incident_id=scope.incident_id, limit=room,
                               before=scope.before, reduce=mask)


def forget_requests(inbox: Database, db: Database, *, now: datetime, settings: Settings,
                    dry_run: bool = False) -> int:
    """Finished requests older than ``retention.inbox_after_days`` deleted from the inbox (its own
    database, or the main one), a batch per transaction, each batch counted in the trail."""
    before, limit = now - timedelta(days=settings.retention.inbox_after_days), \
        settings.retention.batch_size
    if dry_run:
        with inbox.unit_of_work(read_only=True) as uow:
            return len(uow.inbox.finished_before(before))
    total = 0
    while True:
        with inbox.unit_of_work() as uow:
            forgotten = uow.inbox.forget(uow.inbox.finished_before(before, limit=limit))
            uow.commit()
        if not forgotten:
            return total
        total += forgotten
        with db.unit_of_work() as uow:
            audit.record(uow, at=now, actor="coordbot", action=PURGED, requests=forgotten)
            uow.commit()


def run(db: Database, *, now: datetime, settings: Settings, dry_run: bool = False,
        inbox: Database | None = None) -> Report:
    """The whole run (or, ``dry_run``, what it would do), a batch per transaction; with
    ``inbox``, the finished requests too."""
    if dry_run:
        with db.unit_of_work(read_only=True) as uow:
            report = plan(uow, now=now, settings=settings)
        if inbox is not None:
            report.add(INBOX, "requests", forget_requests(inbox, db, now=now, settings=settings,
                                                          dry_run=True))
        return report
    total = Report()
    while True:
        with db.unit_of_work() as uow:
            batch = step(uow, now=now, settings=settings)
            uow.commit()
        total.merge(batch)
        if batch.finished:
            break
    if inbox is not None:
        total.add(INBOX, "requests", forget_requests(inbox, db, now=now, settings=settings))
    for key in total.held:
        log.info("retention: %s is on legal hold, nothing of it was purged", key)
    return total
