"""An SMS arriving from a contact, handled as the webhook handler does: one unit of work."""

from __future__ import annotations

from bot.bootstrap import Container
from bot.sms.service.inbound import Inbound, receive

BOT_NUMBER = "+12025550100"  # conftest's twilio.from_number


def sms_in(container: Container, body: str, sender: str, *, sid: str | None = None) -> str | None:
    """``body`` texted by ``sender``; returns the reply (None when nothing is answered).

    The message SID is derived from the body, the sender and the clock unless ``sid`` is given,
    so the same text sent again at another time is a new message."""
    sid = sid or f"SM{abs(hash((body, sender, container.clock.now()))):x}"
    with container.db.unit_of_work() as uow:
        reply = receive(uow, Inbound(sid, sender, BOT_NUMBER, body),
                        now=container.clock.now(), settings=container.settings)
        uow.commit()
    return reply
