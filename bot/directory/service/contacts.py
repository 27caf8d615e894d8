"""The stakeholder directory: importing records, finding contacts, audit of changes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.db.models import Contact
from bot.db.unit_of_work import UnitOfWork
from bot.directory.rules.contacts import Consent, ContactRecord
from bot.directory.rules.names import name_key
from bot.directory.rules.phones import mask, parse_phone
from bot.errors import InvalidInput, NotFound
from bot.records import audit

STORED_FIELDS = ("name", "organisation", "organisation_type", "role", "phone", "phone_extension",
                 "email", "slack_user_id", "language", "home_language", "timezone", "regions",
                 "incident_types", "tags", "active", "channel")


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    kept_opt_outs: list[str] = field(default_factory=list)

    def line(self) -> str:
        text = (f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
                f"{self.rejected} rejected")
        if self.kept_opt_outs:
            text += (f"; {len(self.kept_opt_outs)} contact(s) who texted STOP stay opted out "
                     "whatever the file says")
        return text


def import_records(uow: UnitOfWork, records: Sequence[ContactRecord], *, source: str, actor: str,
                   now: datetime, progress: Callable[[int], None] | None = None) -> ImportSummary:
    """Creates or updates contacts matched by phone, then email. Nothing commits here."""
    phones, emails = uow.contacts.identity_index()
    matches = [(record, (record.phone and phones.get(record.phone))
                or (record.email and emails.get(record.email)) or None) for record in records]
    existing = uow.contacts.load(cid for _, cid in matches if cid)
    # The opt-out list (a STOP texted, or Twilio's 21610) wins over the file.
    opted_out = uow.sms.opted_out_among([record.phone for record in records if record.phone])
    summary = ImportSummary()
    creates, updates = [], []
    for done, (record, contact_id) in enumerate(matches, 1):
        row = _row(record)
        if contact_id is None:
            creates.append({**row, **_consent(record, None, source, now, summary, opted_out),
                            "phone_status": "ok", "created_at": now, "updated_at": now})
        else:
            current = existing[contact_id]
            changes = {k: v for k, v in row.items() if _stored(current, k) != v}
            changes.update(_consent(record, current, source, now, summary, opted_out))
            if changes:
                updates.append({**row, **changes, "id": contact_id, "updated_at": now})
            else:
                summary.unchanged += 1
        if progress and done % 500 == 0:
            progress(500)
    uow.contacts.insert_many(creates)
    uow.contacts.update_many(updates)
    summary.created, summary.updated = len(creates), len(updates)
    audit.record(uow, at=now, actor=actor, action="contacts.imported", source=source,
                 created=summary.created, updated=summary.updated, unchanged=summary.unchanged)
    return summary


def _row(record: ContactRecord) -> dict[str, Any]:
    row = {k: getattr(record, k) for k in STORED_FIELDS}
    for key in ("regions", "incident_types", "tags"):
        row[key] = list(row[key])
    # Searched instead of the names (see find_contact): written with them, always.
    row["name_folded"], row["organisation_folded"] = name_key(record.name), name_key(record.organisation)
    return row


def _stored(contact: Contact, key: str) -> Any:
    value = getattr(contact, key)
    return list(value) if isinstance(value, list | tuple) else value


def _consent(record: ContactRecord, current: Contact | None, source: str, now: datetime,
             summary: ImportSummary, opted_out: set[str]) -> dict[str, Any]:
    """Consent from a file never overrides an opt-out: a STOP the person texted us, or a number
    on the opt-out list (STOP, or Twilio's 21610 from a send or a status callback)."""
    wanted = record.sms_consent.value
    listed = bool(record.phone) and record.phone in opted_out
    if listed and wanted != Consent.OPTED_OUT.value:
        if current is None or current.sms_consent != Consent.OPTED_OUT.value:
            summary.kept_opt_outs.append(mask(record.phone))
            return {"sms_consent": Consent.OPTED_OUT.value, "consent_source": "sms_opt_out_list",
                    "consent_at": now}
        if record.sms_consent is not Consent.UNKNOWN:
            summary.kept_opt_outs.append(mask(current.phone))
        return {}
    if current is None:
        return {"sms_consent": wanted, "consent_source": f"import:{source}", "consent_at": now}
    if current.sms_consent == wanted or (record.sms_consent is Consent.UNKNOWN):
        return {}
    if current.sms_consent == Consent.OPTED_OUT and (current.consent_source or "").startswith("sms"):
        summary.kept_opt_outs.append(mask(current.phone))
        return {}
    return {"sms_consent": wanted, "consent_source": f"import:{source}", "consent_at": now}


def find_contact(uow: UnitOfWork, reference: str, *, default_region: str = "US") -> Contact:
    """A contact by phone number or by name, accents, case and spacing ignored ("rosa
    martinez" finds "Rosa Martínez"); ambiguity is an error."""
    reference = reference.strip()
    if not reference:
        raise InvalidInput("Name a contact by phone number or name.")
    if any(ch.isdigit() for ch in reference) and not any(ch.isalpha() for ch in reference):
        phone = parse_phone(reference, default_region=default_region)
        contact = uow.contacts.by_phone(phone)
        if contact is None:
            raise NotFound(f"No contact has the number {mask(phone)}.")
        return contact
    found = uow.contacts.by_folded_name(name_key(reference))
    if not found:
        raise NotFound(f"No contact is named {reference!r}. `coordbot contacts list` shows them.")
    if len(found) > 1:
        options = "; ".join(f"{c.name} ({c.organisation or 'no organisation'}, {mask(c.phone)})"
                            for c in found[:5])
        raise InvalidInput(f"{len(found)} contacts are named {reference!r}: {options}. "
                           "Use the phone number instead.")
    return found[0]


def organisation_named(uow: UnitOfWork, reference: str) -> str | None:
    """An organisation's name as the directory spells it, accents and case ignored."""
    return uow.contacts.organisation_folded(name_key(reference)) if name_key(reference) else None


def search(uow: UnitOfWork, text: str | None, *, limit: int | None = None) -> Sequence[Contact]:
    """Contacts whose name or organisation contains ``text`` (accents and case ignored), who
    speak or are texted in the language ``text``, or carry the tag ``text``; all without it."""
    return uow.contacts.all(search=text, folded=name_key(text or ""), limit=limit)
