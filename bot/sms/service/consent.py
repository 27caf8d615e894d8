"""SMS consent: STOP and START by number, and numbers that cannot take texts."""

from __future__ import annotations

from datetime import datetime

from bot.db.models import Contact
from bot.db.unit_of_work import UnitOfWork
from bot.directory.rules.contacts import Consent
from bot.errors import InvalidInput
from bot.records import audit


def opt_out(uow: UnitOfWork, phone: str, *, source: str, at: datetime,
            actor: str | None = None) -> None:
    """Records that ``phone`` must get no more texts; holds whether or not it is a contact."""
    uow.sms.opt_out(phone, source=source, at=at)
    contact = uow.contacts.by_phone(phone)
    if contact is not None:
        contact.sms_consent, contact.consent_source, contact.consent_at = (
            Consent.OPTED_OUT.value, source, at)
    audit.record(uow, at=at, actor=actor or source, action="consent.opted_out",
                 contact_id=contact.id if contact else None, source=source)


def opt_out_by_hand(uow: UnitOfWork, contact: Contact, *, actor: str, at: datetime) -> bool:
    """A coordinator records that ``contact`` asked (by phone, say) to get no more texts.

    The number goes on the same opt-out list as a texted STOP, so a directory re-import never
    undoes it and only the person can, by texting START. False when it already was on the list.
    """
    if not contact.phone:
        raise InvalidInput(f"{contact.name} has no phone number, so gets no texts: nothing to "
                           "opt out.")
    if uow.sms.is_opted_out(contact.phone):
        return False
    opt_out(uow, contact.phone, source=f"coordinator:{actor}", at=at, actor=actor)
    return True


def opt_in(uow: UnitOfWork, phone: str, *, source: str, at: datetime) -> None:
    uow.sms.opt_in(phone)
    contact = uow.contacts.by_phone(phone)
    if contact is not None:
        contact.sms_consent, contact.consent_source, contact.consent_at = (
            Consent.OPTED_IN.value, source, at)
    audit.record(uow, at=at, actor=source, action="consent.opted_in",
                 contact_id=contact.id if contact else None)


def mark_number(uow: UnitOfWork, phone: str, *, status: str, code: str, at: datetime) -> None:
    """Stops using a number Twilio says is invalid or a landline (``status``: invalid|landline)."""
    contact = uow.contacts.by_phone(phone)
    if contact is None or contact.phone_status == status:
        return
    contact.phone_status = status
    audit.record(uow, at=at, actor="twilio", action="contact.number_unusable",
                 contact_id=contact.id, status=status, code=code)
