"""What a Slack message that can never go means: rows that waited on it fail, and people are told.

A permanent refusal (``channel_not_found``, ``is_archived``, ``restricted_action``,
``msg_too_long``, a ``not_in_channel`` the bot cannot join …) leaves the row ``failed``, where
only ``coordbot messages list --status failed`` would show it, while the coordinator who caused
it had already been told the message was on its way. So each such failure queues its own report:
a direct message to the coordinator who caused it and, where the incident has a channel that is
not the broken one, a line there. Reports are outbox rows with keys of their own, so each failure
is told once; a report that fails itself is never reported (no loop), and neither is a row that
failed only because the one it waited for did (its cause was told already).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.clock import Clock
from bot.db.models import Incident, OutboxMessage
from bot.db.unit_of_work import UnitOfWork
from bot.outbox.contract import Deferred, Delivered
from bot.outbox.kinds import Kind
from bot.outbox.queue import enqueue
from bot.ports import DeliveryError
from bot.records import audit

REPORT_PREFIX = "failed:"
# Failures caused by another row's failure, reported there.
DEPENDENT = {"channel_not_created", "card_not_posted", "review_card_not_posted"}
# Failures of the channel itself: told once per channel, not once per message.
CHANNEL_ERRORS = {"channel_not_found", "is_archived", "not_in_channel", "restricted_action"}
WHY = {
    "channel_not_found": "the channel does not exist or the bot cannot see it",
    "is_archived": "the channel is archived",
    "not_in_channel": "the bot is not in the channel and cannot join it",
    "restricted_action": "the workspace does not allow the bot to do this",
    "msg_too_long": "the message is too long for Slack",
}


class SlackSender:
    """An outbox sender with the hooks the worker looks for: ``reconcile`` (when given) and
    ``after_outcomes``, which reports the batch's permanent failures."""

    def __init__(self, send: Callable[[OutboxMessage], Delivered], *, clock: Clock,
                 reconcile: Callable[[OutboxMessage], Delivered | None] | None = None):
        self._send = send
        self._clock = clock
        if reconcile is not None:
            self.reconcile = reconcile

    def __call__(self, message: OutboxMessage) -> Delivered:
        return self._send(message)

    def after_outcomes(self, uow: UnitOfWork,
                       pairs: list[tuple[OutboxMessage, DeliveryError | None]]) -> None:
        for row, error in pairs:
            if error is not None and row.status == "failed":
                report_failure(uow, row, error, now=self._clock.now())


def incident_channel(uow: UnitOfWork, incident: Incident) -> str:
    """The incident's channel; ``Deferred`` while it is being created, a permanent error once
    its creation failed for good (a row waiting for it would otherwise wait forever)."""
    if incident.channel_id:
        return incident.channel_id
    provision = uow.outbox.by_key(f"provision:{incident.id}")
    if provision is not None and provision.status == "failed":
        raise DeliveryError("channel_not_created", f"{incident.key} has no channel: creating it "
                            f"failed ({provision.error_code})", permanent=True)
    raise Deferred(f"{incident.key} has no channel yet")


def report_failure(uow: UnitOfWork, row: OutboxMessage, error: DeliveryError, *,
                   now: datetime) -> None:
    """Queues the reports of ``row``'s permanent failure (in the worker's recording transaction)."""
    if row.idempotency_key.startswith(REPORT_PREFIX) or error.code in DEPENDENT:
        return
    incident = uow.incidents.get(row.incident_id) if row.incident_id is not None else None
    target = (row.payload or {}).get("channel") or row.recipient
    subject = (f"{incident.key if incident else '-'}:{target}:{error.code}"
               if error.code in CHANNEL_ERRORS else row.idempotency_key)
    what = f"*{row.purpose.replace('_', ' ')}*" + (f" for {incident.key}" if incident else "")
    why = WHY.get(error.code, error.code)
    text = (f":warning: Slack refused the {what} ({why}); it was not posted and will not be "
            f"retried. `coordbot messages list --status failed` shows it (`{row.idempotency_key}`)"
            "; `coordbot messages retry` sends it again once the cause is fixed.")
    person = who_caused(uow, row, incident)
    if person:
        enqueue(uow, key=f"{REPORT_PREFIX}{subject}:dm", kind=Kind.POST, purpose="failure_report",
                incident_id=row.incident_id, recipient=person, now=now,
                payload={"channel": person, "text": text, "blocks": None})
    channel = incident.channel_id if incident else None
    if channel and not (channel == target and error.code in CHANNEL_ERRORS):
        enqueue(uow, key=f"{REPORT_PREFIX}{subject}:channel", kind=Kind.POST,
                purpose="failure_report", incident_id=row.incident_id, recipient=channel,
                now=now, payload={"channel": channel, "text": text, "blocks": None})
    audit.record(uow, at=now, actor="coordbot", action="outbox.failed",
                 incident_id=row.incident_id, message_id=row.id, key=row.idempotency_key,
                 error=error.code, told=person)


def who_caused(uow: UnitOfWork, row: OutboxMessage, incident: Incident | None) -> str | None:
    """The Slack user who caused ``row``: named in its payload, else the last person in the
    incident's audit trail before the row was queued, else whoever declared the incident."""
    named = (row.payload or {}).get("actor")
    if _is_person(named):
        return named
    if incident is None:
        return None
    for event in reversed(uow.audit.list(incident_id=incident.id)):
        if event.at <= row.created_at and _is_person(event.actor):
            return event.actor
    return incident.declared_by if _is_person(incident.declared_by) else None


def _is_person(user: object) -> bool:
    return isinstance(user, str) and user.startswith(("U", "W"))
