"""The page behind a call notes link (``GET /notes/{id}?e=…&t=…``): the latest version as HTML.

The link is signed and expires (``notes.link_ttl_h``). A forged link and notes that are gone look
alike (not found); a genuine link past its time says so, and how to get a fresh one. Every page
shown is recorded in the audit trail with which link opened it (the page has no login, so the
link is the "who").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.access import links
from bot.config import Settings
from bot.db.unit_of_work import Database
from bot.notes import html as notes_html
from bot.notes.service.documents import document
from bot.records import access

EXPIRED = ("This link to call notes has expired. Run `/incident notes` in the review channel for "
           "a fresh one.")


@dataclass(frozen=True)
class NotesPage:
    """The notes as ``html``; else ``expired`` (a genuine but old link) or neither (not found)."""

    html: str | None = None
    expired: bool = False


def notes_page(db: Database, settings: Settings, notes_id: int, expires: str, token: str, *,
               now: datetime) -> NotesPage:
    subject = f"notes:{notes_id}"
    if not expires.isdigit() or not links.signed_expiring(settings, subject, int(expires), token):
        return NotesPage()
    if not links.valid_expiring(settings, subject, int(expires), token, now=now):
        return NotesPage(expired=True)
    with db.unit_of_work(read_only=True) as uow:
        notes = uow.notes.get(notes_id)
        if notes is None:
            return NotesPage()
        title, parts = document(uow, [notes], settings=settings, one_call=True)
        incident_id = notes.incident_id
    access.recorded(db, at=now, actor="link", action=access.NOTES_VIEWED, incident_id=incident_id,
                    notes_id=notes_id, link_expires=int(expires), link=access.link_fingerprint(token))
    return NotesPage(html=notes_html.page(title, parts, zone=settings.timezone,
                                         office=settings.office_name))
