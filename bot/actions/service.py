"""Action items: numbered per incident, owned by a Slack user, a contact or an organisation.

Every change bumps the item's version and, in the same transaction, queues the card update
(``action-card:{id}:v{n}``), the owner's notice and the reminder jobs keyed by that version, so a
retried or restarted worker sends each once and a stale reminder is never sent.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.actions import blocks as action_blocks
from bot.actions.rules import check_text
from bot.config import Settings
from bot.db.models import ActionItem, Contact, DueJob, Incident
from bot.db.unit_of_work import UnitOfWork
from bot.directory.rules.audience import SLACK as SLACK_CHANNEL
from bot.directory.rules.audience import SMS, UNREACHABLE, VOICE, channel_for
from bot.directory.service import contacts as directory
from bot.errors import InvalidInput, InvalidTransition, NotFound
from bot.i18n.catalog import render
from bot.i18n.rules import local_time
from bot.outbox.kinds import Kind, phone_kind
from bot.outbox.queue import enqueue
from bot.records import audit
from bot.slack_ui.text import escape
from bot.sms.rules.segments import check_fits

log = logging.getLogger(__name__)

SLACK, CONTACT, ORGANISATION = "slack", "contact", "organisation"
DUE_SOON, OVERDUE = "action.due_soon", "action.overdue"  # due jobs, fired by bot.actions.jobs
OPEN, DONE = "open", "done"
OWNER_TEXTS = ("action_assigned", "action_reminder")  # what an owner reached by SMS is sent
REASSIGNED = "action_reassigned"  # what the owner an item is taken from is sent


@dataclass(frozen=True)
class Owner:
    kind: str
    ref: str
    label: str


def slack_owner(user_id: str, name: str | None) -> Owner:
    return Owner(SLACK, user_id, name or user_id)


def directory_owner(uow: UnitOfWork, reference: str, *, default_region: str) -> Owner:
    """A contact (by phone or name) or else an organisation named ``reference``; names match
    whatever their accents and case."""
    try:
        contact = directory.find_contact(uow, reference, default_region=default_region)
        return Owner(CONTACT, str(contact.id), contact.name)
    except NotFound as not_a_contact:
        organisation = directory.organisation_named(uow, reference)
        if organisation:
            return Owner(ORGANISATION, organisation, organisation)
        raise NotFound(f"{not_a_contact} No organisation is called {reference!r} either. "
                       "Name a Slack user as @name, a contact by name or phone, or an "
                       "organisation.") from None


def add(uow: UnitOfWork, *, incident: Incident, owner: Owner, text: str, due_at: datetime | None,
        actor: str, now: datetime, settings: Settings, source: str = "command",
        source_ts: str | None = None) -> ActionItem:
    if incident.status != "active":
        raise InvalidTransition(f"{incident.key} is closed: reopen it before adding action items.")
    text = check_text(text)
    _check_due(due_at, now)
    uow.incidents.lock(incident.id)
    if source_ts and (existing := uow.actions.by_source(incident.id, source_ts)) is not None:
        raise InvalidInput(f"That message is already action item A-{existing.number}.")
    call = uow.calls.current(incident.id, now=now)
    item = ActionItem(incident_id=incident.id, number=uow.actions.next_number(incident.id),
                      text=text, owner_kind=owner.kind, owner_ref=owner.ref,
                      owner_label=owner.label, call_id=call.id if call else None, status=OPEN,
                      due_at=due_at, version=1, source=source, source_ts=source_ts,
                      created_by=actor, created_at=now, updated_at=now)
    _check_owner_sms(uow, item, settings)
    uow.actions.add(item)
    _record(uow, item, "action.created", actor, now, owner=owner.label,
            due=due_at.isoformat() if due_at else None)
    enqueue(uow, key=card_key(item.id), kind=Kind.ACTION_CARD, purpose="action_card", now=now,
            incident_id=incident.id, payload={"action_id": item.id, "first": True})
    _tell_owner(uow, item, incident, now, settings)
    _plan_reminders(uow, item, now, settings)
    return item


def card_key(action_id: int) -> str:
    """The outbox key of the item's card's first post (later rows edit it)."""
    return f"action-card:{action_id}:v1"


def find(uow: UnitOfWork, incident: Incident, number: int) -> ActionItem:
    item = uow.actions.by_number(incident.id, number)
    if item is None:
        raise NotFound(f"{incident.key} has no action item A-{number}. "
                       "`/incident actions all` lists them.")
    return item


def done(uow: UnitOfWork, *, item: ActionItem, actor: str, now: datetime) -> bool:
    """Marks the item done; False (and no change) if it already was."""
    if item.status == DONE:
        return False
    item.status, item.done_at, item.done_by = DONE, now, actor
    _changed(uow, item, "action.done", actor, now)
    return True


def reassign(uow: UnitOfWork, *, item: ActionItem, owner: Owner, actor: str, now: datetime,
             settings: Settings) -> None:
    _require_open(item, "reassigned")
    if (owner.kind, owner.ref) == (item.owner_kind, item.owner_ref):
        raise InvalidInput(f"A-{item.number} is already {owner.label}'s.")
    previous = Owner(item.owner_kind, item.owner_ref, item.owner_label)
    item.owner_kind, item.owner_ref, item.owner_label = owner.kind, owner.ref, owner.label
    _check_owner_sms(uow, item, settings)
    _changed(uow, item, "action.reassigned", actor, now, previous=previous.label,
             owner=owner.label)
    incident = uow.incidents.get(item.incident_id)
    _tell_owner(uow, item, incident, now, settings)
    _tell_previous_owner(uow, item, previous, incident, now, settings)
    _plan_reminders(uow, item, now, settings)


def set_due(uow: UnitOfWork, *, item: ActionItem, due_at: datetime, actor: str, now: datetime,
            settings: Settings) -> None:
    _require_open(item, "given a new due date")
    _check_due(due_at, now)
    previous = item.due_at
    item.due_at = due_at
    _check_owner_sms(uow, item, settings)
    _changed(uow, item, "action.due_changed", actor, now,
             previous=previous.isoformat() if previous else None, due=due_at.isoformat())
    _plan_reminders(uow, item, now, settings)


def owned_by_user(uow: UnitOfWork, item: ActionItem, user_id: str) -> bool:
    if item.owner_kind == SLACK:
        return item.owner_ref == user_id
    if item.owner_kind == CONTACT:
        contact = uow.contacts.by_slack_user(user_id)
        return contact is not None and str(contact.id) == item.owner_ref
    return False


def done_by_sms(uow: UnitOfWork, *, contact: Contact, number: int,
                now: datetime) -> ActionItem | None:
    """The contact's item A-``number`` marked done (an open one first); None if they own none."""
    return done_by_reply(uow, items=uow.actions.open_for_contact(contact.id, number),
                         actor=contact.name, now=now)


def done_by_reply(uow: UnitOfWork, *, items: Sequence[ActionItem], actor: str,
                  now: datetime) -> ActionItem | None:
    """The first open one of the sender's items numbered N marked done (a reply ``DONE N``)."""
    if not items:
        return None
    item = next((i for i in items if i.status == OPEN), items[0])
    done(uow, item=item, actor=actor, now=now)
    return item


def _require_open(item: ActionItem, what: str) -> None:
    if item.status != OPEN:
        raise InvalidTransition(f"A-{item.number} is done; only open items can be {what}.")


def _check_due(due_at: datetime | None, now: datetime) -> None:
    if due_at is not None and due_at <= now:
        raise InvalidInput("That due time has already passed. Give a time in the future.",
                           "/incident action due 3 tomorrow 5pm")


def _changed(uow: UnitOfWork, item: ActionItem, action: str, actor: str, now: datetime,
             **details: object) -> None:
    item.version += 1
    item.updated_at = now
    _record(uow, item, action, actor, now, **details)
    enqueue(uow, key=f"action-card:{item.id}:v{item.version}", kind=Kind.ACTION_CARD,
            purpose="action_card", now=now, incident_id=item.incident_id,
            payload={"action_id": item.id})


def _record(uow: UnitOfWork, item: ActionItem, action: str, actor: str, now: datetime,
            **details: object) -> None:
    audit.record(uow, at=now, actor=actor, action=action, incident_id=item.incident_id,
                 action_id=item.id, number=item.number, **details)


def _plan_reminders(uow: UnitOfWork, item: ActionItem, now: datetime, settings: Settings) -> None:
    if item.due_at is None:
        return
    soon = item.due_at - timedelta(hours=settings.actions.reminder_before_h)
    for kind, due, stage in ((DUE_SOON, soon, "soon"), (OVERDUE, item.due_at, "overdue")):
        if kind == DUE_SOON and due <= now:
            continue
        uow.calls.add_job(DueJob(key=f"action-{stage}:{item.id}:v{item.version}", kind=kind,
                                 due_at=due, status="pending",
                                 payload={"action_id": item.id, "version": item.version}))


def _tell_owner(uow: UnitOfWork, item: ActionItem, incident: Incident, now: datetime,
                settings: Settings) -> None:
    notify_owner(uow, item, incident, f"action-assigned:{item.id}:v{item.version}",
                 "action_assigned", now, settings, channel_fallback=False)


def notify_owner(uow: UnitOfWork, item: ActionItem, incident: Incident, key: str, template: str,
                 now: datetime, settings: Settings, *, channel_fallback: bool) -> None:
    """SMS to a contact owner in their language, a DM to a Slack owner, else the channel."""
    if item.owner_kind == SLACK:
        return _dm(uow, item, incident, key, item.owner_ref, now, settings)
    if item.owner_kind == CONTACT:
        reach, contact = _reach(uow, item)
        if reach in (SMS, VOICE):
            return _sms(uow, item, incident, key, template, contact, now, settings)
        if reach == SLACK_CHANNEL:
            return _dm(uow, item, incident, key, contact.slack_user_id, now, settings)
        text = (f":warning: {action_blocks.label(item)}'s owner {escape(item.owner_label)} cannot be "
                "reached by SMS or Slack (no usable number, or they texted STOP): please tell "
                f"them another way. {_reminder_text(item, settings, now)}")
    elif channel_fallback:
        text = _reminder_text(item, settings, now)
    else:
        return
    enqueue(uow, key=key, kind=Kind.POST, purpose=key.split(":")[0], now=now,
            incident_id=incident.id, payload={"channel": None, "blocks": None, "text": text})


def _tell_previous_owner(uow: UnitOfWork, item: ActionItem, previous: Owner, incident: Incident,
                         now: datetime, settings: Settings) -> None:
    """The owner an item was taken from hears it once: a DM, or an SMS in their language.

    An organisation, or a contact who cannot be reached, is told nothing: the card in the
    channel shows the new owner.
    """
    key = f"action-unassigned:{item.id}:v{item.version}"
    user = previous.ref if previous.kind == SLACK else None
    if previous.kind == CONTACT:
        reach, contact = _reach_contact(uow, previous.ref)
        if reach == SMS:
            body = render(REASSIGNED, contact.language, office=settings.office_name,
                          number=action_blocks.label(item), text=item.text)
            enqueue(uow, key=key, kind=Kind.SMS, purpose="action-unassigned", now=now,
                    incident_id=incident.id, recipient=contact.phone, language=contact.language,
                    payload={"body": body})
            return
        user = contact.slack_user_id if reach == SLACK_CHANNEL else None
    if user:
        text = (f"{incident.key}: *{action_blocks.label(item)}* {escape(item.text)} now belongs "
                f"to {escape(item.owner_label)}. You no longer own it.")
        enqueue(uow, key=key, kind=Kind.POST, purpose="action-unassigned", now=now,
                incident_id=incident.id, recipient=user,
                payload={"channel": user, "text": text, "blocks": None})


def _reach(uow: UnitOfWork, item: ActionItem) -> tuple[str, Contact | None]:
    """How a contact owner is reached (SMS, Slack or not at all), and the contact."""
    return _reach_contact(uow, item.owner_ref)


def _reach_contact(uow: UnitOfWork, contact_id: str) -> tuple[str, Contact | None]:
    contact = uow.contacts.get(int(contact_id))
    return (channel_for(contact) if contact is not None and contact.active else UNREACHABLE), contact


def _sms(uow: UnitOfWork, item: ActionItem, incident: Incident, key: str, template: str,
         contact: Contact, now: datetime, settings: Settings) -> None:
    enqueue(uow, key=key, kind=phone_kind(channel_for(contact)), purpose=key.split(":")[0],
            now=now, incident_id=incident.id, recipient=contact.phone, language=contact.language,
            payload={"body": _sms_body(item, template, contact, settings)})


def _sms_body(item: ActionItem, template: str, contact: Contact, settings: Settings) -> str:
    due = local_time(item.due_at, contact.timezone, contact.language) if item.due_at else "—"
    return render(template, contact.language, office=settings.office_name,
                  number=action_blocks.label(item), text=item.text, due=due)


def _check_owner_sms(uow: UnitOfWork, item: ActionItem, settings: Settings) -> None:
    """Refuses an item whose texts to an owner reached by SMS (the assignment, the reminders)
    would not go as one SMS, before anything is written or queued."""
    if item.owner_kind != CONTACT:
        return
    reach, contact = _reach(uow, item)
    if reach != SMS:
        return
    for template in OWNER_TEXTS:
        check_fits({contact.language: _sms_body(item, template, contact, settings)},
                   settings.sms.max_segments,
                   what=f"{action_blocks.label(item)}'s text to {item.owner_label}")


def _dm(uow: UnitOfWork, item: ActionItem, incident: Incident, key: str, user: str,
        now: datetime, settings: Settings) -> None:
    verb = "Reminder" if key.startswith("action-remind") else "You own a new action item"
    text = (f"{verb} for {incident.key}: *{action_blocks.label(item)}* {escape(item.text)} "
            f"({action_blocks.due_text(item, settings.timezone, now)}). Mark it done with "
            f"`/incident action {incident.key} done {item.number}`, or reply `DONE {item.number}` "
            "here.")
    enqueue(uow, key=key, kind=Kind.POST, purpose=key.split(":")[0], now=now,
            incident_id=incident.id, recipient=user,
            payload={"channel": user, "text": text, "blocks": None})


def _reminder_text(item: ActionItem, settings: Settings, now: datetime) -> str:
    return (f":alarm_clock: Reminder: {action_blocks.line(item, settings.timezone, now)} "
            f"(owner: {escape(item.owner_label)}).")
