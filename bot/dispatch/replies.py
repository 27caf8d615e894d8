"""The outbox sender for replies to the person who ran a command (queued by the inbox).

A reply's edit (``bot.outbox.follow_ups``) replaces the reply through the same ``response_url``,
so it waits until the reply itself is out (``after``): sent first, it would be replaced by the
older text. It is never sent once the URL has expired (Slack accepts responses for 30 minutes):
it is then recorded ``suppressed``, and the post or its failure report tells the person.
"""

from __future__ import annotations

from datetime import datetime

from bot.clock import Clock
from bot.db.models import OutboxMessage
from bot.db.unit_of_work import Database
from bot.outbox import follow_ups
from bot.outbox.contract import Deferred, Delivered, Suppressed
from bot.ports import DeliveryError, SlackPort


class ReplySender:
    """Through the request's ``response_url`` when it has one, else as an ephemeral message."""

    def __init__(self, slack: SlackPort, *, db: Database, clock: Clock):
        self._slack = slack
        self._db = db
        self._clock = clock

    def __call__(self, message: OutboxMessage) -> Delivered:
        payload = message.payload
        text = self._edited_text(payload) if payload.get("edit") else payload["text"]
        if payload.get("response_url"):
            self._slack.respond(payload["response_url"], text=text,
                                blocks=payload.get("blocks"),
                                replace_original=payload.get("replace_original", False))
        else:
            self._slack.post_ephemeral(payload["channel"], payload["user"], text)
        return Delivered()

    def _edited_text(self, payload: dict) -> str:
        if self._clock.now() >= datetime.fromisoformat(payload["expires_at"]):
            raise Suppressed("response_url_expired", "the reply can no longer be edited")
        with self._db.unit_of_work(read_only=True) as uow:
            first = uow.outbox.by_key(payload["after"])
            status = first.status if first is not None else None
        if status in (None, "failed", "suppressed"):
            raise Suppressed("reply_not_sent", f"{payload['after']} was not sent ({status})")
        if status != "sent":
            raise Deferred(f"{payload['after']} is not sent yet", delay_s=1.0)
        edit = payload["edit"]
        return follow_ups.render(edit, self._permalink(edit))

    def _permalink(self, edit: dict) -> str | None:
        if not (edit.get("channel") and edit.get("ts")) or edit["failed"]:
            return None
        try:
            return self._slack.permalink(edit["channel"], edit["ts"])
        except DeliveryError:  # the reply still says where the post is, without its link
            return None
