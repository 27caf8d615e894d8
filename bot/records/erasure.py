"""Erasure on request: one person removed from the directory and scrubbed from every table.

``coordbot contacts erase PHONE-OR-NAME`` finds the person (a number need not be a contact's:
someone who only ever texted in can ask too), then in one transaction:

- deletes their contact, its regions, types and tags, their RSVPs (invitations) and audience
  changes; rows that pointed at the contact (attendance, texts, conversations) lose the link, and
  action items they owned are owned by "[erased]";
- empties the texts they sent, replaces their number in texts, conversations, attendance and
  deliveries by ``•••``, stops deliveries to them not yet made, and deletes their opt-outs;
- replaces every remaining mention of their name, number (written in any of the usual ways:
  ``+12025550143``, ``(202) 555-0143``, ``202.555.0143`` …) and email address in every text and
  JSON column of every table by ``[erased]``: timeline updates, notes drafts, transcripts, cards
  queued for Slack;
- keeps the number only as a keyed hash (``erased_numbers``), checked with the opt-out lists
  before every text and message call: they are never texted or called again, even when a later
  directory import brings the number back;
- deletes the finished requests in the durable inbox (each holds a typed command) that mention
  them; requests not yet run are left to run;
- records the erasure in the audit trail with the rows changed per table and the hash, nothing
  that names them.

Not changed: the audit trail (each event is hash-chained to the one before; rewriting one breaks
the chain, which is what makes it evidence; its events name contacts by id, but a few carry
text a person wrote, e.g. a timeline update or an action item's owner as it was then), approved
notes (a published record, kept as published), and the Slack messages already posted (Slack's,
not ours to delete). A mention of part of a name (a first name alone) or a misspelling cannot be
told from other words and is not found. The README says the same to the office.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import phonenumbers

from bot.db.unit_of_work import Database, UnitOfWork
from bot.directory.rules.phones import mask, parse_phone
from bot.directory.service.contacts import find_contact
from bot.errors import InvalidInput
from bot.records import audit

ERASED = "contact.erased"
REPLACEMENT = "[erased]"
_GAP = r"[\s().\-]*"


@dataclass(frozen=True)
class Person:
    """Who is to be erased, as found (shown before asking for confirmation)."""

    contact_id: int | None
    name: str | None
    phone: str | None
    email: str | None

    def describe(self) -> str:
        who = self.name or "a number in no contact"
        return f"{who} ({mask(self.phone) if self.phone else 'no phone'})"


@dataclass(frozen=True)
class Erasure:
    person: Person
    rows: dict[str, int]
    digest: str | None


def find(uow: UnitOfWork, reference: str, *, default_region: str) -> Person:
    """The contact named or numbered ``reference``; a number no contact has is still a person
    (their texts and deliveries are erased)."""
    text = reference.strip()
    if text and any(ch.isdigit() for ch in text) and not any(ch.isalpha() for ch in text):
        phone = parse_phone(text, default_region=default_region)
        contact = uow.contacts.by_phone(phone)
        if contact is None:
            return Person(None, None, phone, None)
    else:
        contact = find_contact(uow, text, default_region=default_region)
    return Person(contact.id, contact.name, contact.phone, contact.email)


def phone_pattern(phone: str) -> str:
    """A regular expression for ``phone`` written in any usual way: with or without the
    country code, a trunk 0, spaces, dots, dashes or brackets between the digits."""
    parsed = phonenumbers.parse(phone)
    national = str(phonenumbers.national_significant_number(parsed))
    digits = _GAP.join(national)
    return (rf"(?<!\d)(?:(?:\+|00)?{_GAP}{parsed.country_code}{_GAP}|0{_GAP})?\(?"
            rf"{digits}(?!\d)")


def pattern(person: Person) -> str:
    """A regular expression for every mention of the person's full name, number and email."""
    parts = []
    if person.name and person.name.strip():
        words = r"\s+".join(re.escape(word) for word in person.name.split())
        parts.append(rf"(?<!\w){words}(?!\w)")
    if person.phone:
        parts.append(phone_pattern(person.phone))
    if person.email:
        parts.append(re.escape(person.email))
    if not parts:
        raise InvalidInput("Nothing to erase: the contact has no name, number or email.")
    return "|".join(parts)


def scrubber(person: Person) -> Callable[[str], str]:
    """Replaces every mention of the person in a text by ``[erased]``."""
    compiled = re.compile(pattern(person), re.IGNORECASE)
    return lambda text: compiled.sub(REPLACEMENT, text)


def mentions(person: Person) -> Callable[[bytes], bool]:
    """Finds the person in stored bytes (a pickled inbox command keeps its strings as UTF-8)."""
    compiled = re.compile(pattern(person).encode(), re.IGNORECASE)
    return lambda data: compiled.search(data) is not None


def forget_requests(inbox: Database, person: Person) -> int:
    """Finished inbox requests that mention the person, deleted (the inbox's own database)."""
    with inbox.unit_of_work() as uow:
        forgotten = uow.inbox.forget(uow.inbox.finished_mentioning(mentions(person)))
        uow.commit()
    return forgotten


def erase(uow: UnitOfWork, person: Person, *, actor: str, now: datetime,
          requests: int | None = None) -> Erasure:
    """Everything of ``person`` removed or scrubbed, in the caller's transaction (see module).

    Finished inbox requests that mention them go too: here when the inbox is in this database
    (``requests`` None), else the caller ran :func:`forget_requests` first and passes its count.
    """
    rows: Counter = Counter()
    if requests is None:
        requests = uow.inbox.forget(uow.inbox.finished_mentioning(mentions(person)))
    rows["inbox"] += requests
    if person.contact_id is not None:
        rows += uow.erasure.remove_contact(person.contact_id)
    digest = None
    if person.phone:
        rows += uow.erasure.remove_number(person.phone)
        digest = uow.erased.add(person.phone, at=now)
    rows += uow.erasure.scrub(scrubber(person))
    counts = {table: count for table, count in sorted(rows.items()) if count}
    audit.record(uow, at=now, actor=actor, action=ERASED, rows=counts,
                 erased_number=digest, contact_id=person.contact_id)
    return Erasure(person, counts, digest)
