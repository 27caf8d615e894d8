"""Texts that failed for good reach a person: one report per cause, not one per text.

A notice to 3,000 people may fail for 40 of them, over many worker batches and status callbacks.
The first failure of a cause (``notice:2``, an invitation batch, a reminder …) queues a report:
a direct message to the coordinator who caused it and a line in the incident channel, both due
``REPORT_DELAY`` later. Each failure joins the report still waiting (it is marked with the
report's number in its payload); the report's sender lists the texts marked for it as they are
when it is sent. A failure after the report was claimed starts the next report, with a key of
its own, so nobody is told twice about a text and no failure goes untold.

The report rows are read with ``FOR UPDATE`` when a failure joins them: a worker's claim skips
them until the failure is committed, and a failure recorded after the claim sees them
``sending`` and starts the next report.

A report's *Retry these* (``retry_report``) queues again the texts it told that a retry could
deliver, never the refusals that cannot change (``rules.failures.never_retried``, the rule
``coordbot messages retry`` follows too). A text queued again is no longer failed, and if it fails
again it joins the next report: so a second click finds nothing of it to retry.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.db.models import Incident, OutboxMessage
from bot.db.unit_of_work import UnitOfWork
from bot.outbox.kinds import Kind
from bot.outbox.queue import enqueue
from bot.outbox.requeue import retry
from bot.outbox.slack_failures import REPORT_PREFIX, who_caused
from bot.records import audit
from bot.sms.rules.failures import (
    OPTED_OUT_CODE,
    FailedText,
    FailureReport,
    cause_label,
    cause_of,
    never_retried,
    reason,
)

REPORT_DELAY = timedelta(seconds=60)
# The payload field of a failed text that names the report it was told in.
MARK = "failure_report"
# A report names this many people; the rest are counted, with the command that lists them.
NAMED = 20
FAILED = ("failed", "undelivered", "suppressed", "expired")


def failed_for_good(row: OutboxMessage) -> bool:
    """A text that will not arrive and will not be tried again by itself: refused, attempts
    spent, undelivered, expired (too late to be worth sending), or opted out at the carrier
    (21610; our own STOP list is the person's choice, not a failure)."""
    if row.kind != Kind.SMS:
        return False
    return row.status in ("failed", "undelivered", "expired") or (
        row.status == "suppressed" and row.error_code == OPTED_OUT_CODE)


def note_failure(uow: UnitOfWork, row: OutboxMessage, *, now: datetime) -> None:
    """Marks ``row``'s failure for its cause's waiting report, or queues the next report."""
    if not failed_for_good(row):
        return
    cause = cause_of(row.idempotency_key)
    reports = [r for r in uow.outbox.with_key_prefix(_report_prefix(cause), lock=True)
               if r.payload.get("cause") == cause]
    number = max((r.payload.get("report", 0) for r in reports), default=0)
    waiting = [r for r in reports if r.payload.get("report") == number]
    if not waiting or any(r.status != "pending" for r in waiting):
        number += 1
        _queue_report(uow, row, cause, number, now)
    row.payload = {**(row.payload or {}), MARK: number}


def report(uow: UnitOfWork, *, cause: str, number: int,
           incident_id: int | None) -> FailureReport:
    """The texts of ``cause`` told in report ``number``, as they are now (a text retried since
    and no longer failed drops out)."""
    rows = _told(uow, cause, number)
    people = [_person(uow, r) for r in rows[:NAMED]]
    incident = _incident(uow, incident_id)
    return FailureReport(what=cause_label(cause), incident_key=incident.key if incident else None,
                         people=people, total=len(rows),
                         statuses=sorted({r.status for r in rows}),
                         retryable=sum(1 for r in rows if not _never_retried(r)))


@dataclass(frozen=True)
class Retried:
    """What a report's *Retry these* did: texts queued again, and why the others were not."""
    what: str
    retried: int
    skipped: Counter[str] = field(default_factory=Counter)


def retry_report(uow: UnitOfWork, *, cause: str, number: int, actor: str,
                 now: datetime) -> Retried:
    """Queues again the texts report ``number`` of ``cause`` told that are still failed and a
    retry could deliver; the rows are locked, so two clicks at once retry each text once."""
    rows = _told(uow, cause, number, lock=True)
    skipped = Counter(why for r in rows if (why := _never_retried(r)))
    again = [r for r in rows if not _never_retried(r)]
    refused = retry(uow, again, actor=actor, now=now)
    return Retried(cause_label(cause), len(again) - len(refused), skipped)


def _told(uow: UnitOfWork, cause: str, number: int, *, lock: bool = False) -> list[OutboxMessage]:
    """The texts of ``cause`` told in report ``number`` that are still failed for good."""
    return [r for r in uow.outbox.with_key_prefix(cause, statuses=FAILED, lock=lock)
            if cause_of(r.idempotency_key) == cause and (r.payload or {}).get(MARK) == number
            and failed_for_good(r)]


def _never_retried(row: OutboxMessage) -> str | None:
    return never_retried(row.kind, row.status, row.error_code)


def _queue_report(uow: UnitOfWork, row: OutboxMessage, cause: str, number: int,
                  now: datetime) -> None:
    incident = _incident(uow, row.incident_id)
    person = who_caused(uow, row, incident)
    payload = {"cause": cause, "report": number}
    due = now + REPORT_DELAY
    prefix = f"{_report_prefix(cause)}{number}"
    if person:
        enqueue(uow, key=f"{prefix}:dm", kind=Kind.SMS_FAILURE_REPORT, purpose="failure_report",
                incident_id=row.incident_id, recipient=person, now=now, not_before=due,
                payload={**payload, "channel": person})
    if incident is not None:
        enqueue(uow, key=f"{prefix}:channel", kind=Kind.SMS_FAILURE_REPORT,
                purpose="failure_report", incident_id=incident.id, recipient=incident.channel_id,
                now=now, not_before=due, payload={**payload, "channel": None})
    if not (person or incident):  # a text outside any incident, caused by no one we know
        return
    audit.record(uow, at=now, actor="coordbot", action="sms.failures_reported",
                 incident_id=row.incident_id, key=prefix, told=person)


def _report_prefix(cause: str) -> str:
    # Starts with the Slack reports' prefix: a report that fails is never reported itself.
    return f"{REPORT_PREFIX}sms:{cause}:"


def _person(uow: UnitOfWork, row: OutboxMessage) -> FailedText:
    contact = uow.contacts.by_phone(row.recipient) if row.recipient else None
    return FailedText(name=contact.name if contact else None, phone=row.recipient,
                      reason=reason(row.error_code, attempts=row.attempts,
                                    undelivered=row.status == "undelivered"))


def _incident(uow: UnitOfWork, incident_id: int | None) -> Incident | None:
    return uow.incidents.get(incident_id) if incident_id is not None else None
