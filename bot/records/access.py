"""Every access to personal data is recorded in the audit trail, before the data is shown.

Personal data here: full phone numbers (``contacts show --reveal``, ``contacts export``), an
incident's audience, call notes (they name community members) and the audit trail itself. The
actions all start with ``personal_data.`` so that ``/incident audit`` and an export can pick them
out. Recording comes first: if it fails, nothing is shown.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from bot.db.unit_of_work import Database
from bot.records import audit

REVEALED = "personal_data.contact_revealed"
CONTACTS_EXPORTED = "personal_data.contacts_exported"
NOTES_EXPORTED = "personal_data.notes_exported"
NOTES_VIEWED = "personal_data.notes_viewed"
AUDIENCE_EXPORTED = "personal_data.audience_exported"
TRAIL_EXPORTED = "personal_data.audit_exported"


def recorded(db: Database, *, at: datetime, actor: str, action: str,
             incident_id: int | None = None, **details: Any) -> None:
    """One access, in a transaction of its own (for readers that write nothing else)."""
    with db.unit_of_work() as uow:
        audit.record(uow, at=at, actor=actor, action=action, incident_id=incident_id, **details)
        uow.commit()


def link_fingerprint(token: str) -> str:
    """Which link was used, without the link: the signed token is a credential, so the trail
    keeps the start of its SHA-256 (enough to tell links apart, useless to open the page)."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]
