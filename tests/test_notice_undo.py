"""A small notice's undo window: previewed first, held ``sms.small_send_hold_s`` (default 30 s)
with a Cancel button, then sent; after the window nothing can be cancelled. Service level, with
the recording fakes and the fake clock."""

from __future__ import annotations

import pytest

from bot.directory.rules.contacts import ContactRecord
from bot.errors import InvalidTransition
from tests.conftest import COORDINATOR
from tests.support.scenario import declared_with_contacts

ANA, MINH = "+12025550101", "+12025550102"
PEOPLE = [ContactRecord(name="Ana Ruiz", phone=ANA, language="es", regions=("FL",)),
          ContactRecord(name="Minh Tran", phone=MINH, language="vi", regions=("FL",))]


@pytest.fixture
def commands(container):
    return declared_with_contacts(container, PEOPLE)


def notify(commands, text="Shelters open."):
    return commands.run(f"notify INC-2026-0001 {text}", user=COORDINATOR)


def cancel_button(reply) -> dict:
    [button] = reply.blocks[-1]["elements"]
    assert button["action_id"] == "notice_cancel"
    return button


def notice_rows(container) -> dict[str, tuple[str, str | None]]:
    with container.db.unit_of_work() as uow:
        return {m.idempotency_key: (m.status, m.error_message) for m in uow.outbox.list()
                if m.idempotency_key.startswith(("notice:", "delivery-summary:"))}


def channel_posts(slack) -> list[str]:
    return [p["text"] for p in slack.posts if p["text"].startswith("SMS notice")]


def test_with_the_default_window_nothing_goes_for_30_seconds_then_everything_does(
        commands, container, sms, slack, clock):
    assert container.settings.sms.small_send_hold_s == 30  # the production default
    reply = notify(commands)
    assert "Sending in 30 s — Cancel" in reply.text and cancel_button(reply)
    container.worker.drain()
    clock.advance(seconds=29)
    container.worker.drain()
    assert sms.sent == [] and channel_posts(slack) == []  # the preview came first
    clock.advance(seconds=1)
    container.worker.drain()
    assert sorted(m["to"] for m in sms.sent) == [ANA, MINH]
    assert len(channel_posts(slack)) == 1


def test_cancel_within_the_window_takes_every_text_back(commands, container, sms, slack, clock):
    reply = notify(commands)
    clock.advance(seconds=20)
    answer = commands.cancel_notice(cancel_button(reply)["value"], user=COORDINATOR)
    assert answer.text == "Cancelled notice 1: nothing was sent."
    clock.advance(minutes=10)
    container.worker.drain()
    assert sms.sent == [] and channel_posts(slack) == []
    rows = notice_rows(container)
    assert len(rows) == 3  # two texts and the delivery summary, all taken back
    assert {status for status, _ in rows.values()} == {"cancelled"}
    assert all(f"cancelled by {COORDINATOR} before it was sent" == why
               for _, why in rows.values())
    with pytest.raises(InvalidTransition, match="already cancelled"):
        commands.cancel_notice(1, user=COORDINATOR)
    with pytest.raises(InvalidTransition, match="already cancelled"):
        commands.confirm_notice(1, user=COORDINATOR)


def test_after_the_window_nothing_can_be_cancelled_and_the_reply_says_so(
        commands, container, sms, clock):
    reply = notify(commands)
    clock.advance(seconds=30)
    with pytest.raises(InvalidTransition, match="Too late to cancel notice 1: its undo window "
                                                "closed at 15:00:30 UTC"):
        commands.cancel_notice(cancel_button(reply)["value"], user=COORDINATOR)
    container.worker.drain()
    assert len(sms.sent) == 2


def test_texts_a_worker_already_took_are_counted_as_gone(commands, container, sms, clock):
    """A worker whose clock runs ahead claims one text early: the cancel takes back the rest."""
    reply = notify(commands)
    with container.db.unit_of_work() as uow:
        [row] = [m for m in uow.outbox.list() if m.recipient == ANA]
        row.status, row.attempts = "sending", 1
        uow.commit()
    answer = commands.cancel_notice(cancel_button(reply)["value"], user=COORDINATOR)
    assert answer.text == "Cancelled notice 1: 1 text(s) were not sent; 1 had already gone."


def test_a_window_of_zero_sends_at_once_without_a_cancel(commands, container, sms):
    container.settings.sms.small_send_hold_s = 0
    reply = notify(commands)
    assert reply.blocks is None and "Queued for sending" in reply.text
    container.worker.drain()
    assert len(sms.sent) == 2
