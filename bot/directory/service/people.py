"""Names for Slack user ids, so documents read outside Slack (notes, exports) say who acted.

Slack is asked outside any transaction (``SlackNames.lookup``, cached for an hour), and the name
is kept in the database with the action (``remember``) for the notes drafted later. A person has
one name everywhere: their Slack profile name (real name, else display name), else the
directory's, else their id.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.db.unit_of_work import UnitOfWork
from bot.ports import DeliveryError, SlackPort

log = logging.getLogger(__name__)
CACHE_TTL = timedelta(hours=1)


class SlackNames:
    def __init__(self, slack: SlackPort, clock: Clock):
        self._slack = slack
        self._clock = clock
        self._cache: dict[str, tuple[datetime, str | None]] = {}

    def lookup(self, user_id: str | None) -> str | None:
        if not user_id or user_id[:1] not in ("U", "W"):
            return None
        now = self._clock.now()
        cached = self._cache.get(user_id)
        if cached and cached[0] > now:
            return cached[1]
        try:
            name = self._slack.user_name(user_id)
        except DeliveryError as error:  # a name is a courtesy: the id is kept either way
            log.info("no name for %s from Slack: %s", user_id, error)
            return cached[1] if cached else None
        self._cache[user_id] = (now + CACHE_TTL, name)
        return name


def remember(uow: UnitOfWork, user_id: str | None, name: str | None, now: datetime) -> None:
    if user_id and name:
        uow.contacts.remember_slack_name(user_id, name, now)


def name_of(uow: UnitOfWork, user_id: str) -> str:
    """The name Slack last showed for the person, else the directory's, else the id."""
    if user_id[:1] not in ("U", "W"):
        return user_id
    shown = uow.contacts.slack_name(user_id)
    if shown:
        return shown
    contact = uow.contacts.by_slack_user(user_id)
    return contact.name if contact is not None else user_id
