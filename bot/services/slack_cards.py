"""The shared start of senders for Slack messages that are posted once, then edited in place."""

from __future__ import annotations

from bot.clock import Clock
from bot.config import Settings
from bot.db.unit_of_work import Database

from .outbox import Sender
from .ports import SlackPort


class SlackCards:
    def __init__(self, *, db: Database, slack: SlackPort, settings: Settings, clock: Clock):
        self._db = db
        self._slack = slack
        self._settings = settings
        self._clock = clock

    def senders(self) -> dict[str, Sender]:
        raise NotImplementedError
