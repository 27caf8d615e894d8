"""``/incident notify`` over real HTTP: signed slash commands, the Slack and Twilio emulators."""

from __future__ import annotations

import pytest

from bot.directory.rules.contacts import ContactRecord
from bot.directory.service import contacts as directory
from bot.incidents.blocks import CLOSE_CONFIRM_ACTION
from bot.sandbox.harness import live_app
from bot.sms.blocks import NOTICE_CANCEL_ACTION
from tests.conftest import COORDINATOR
from tests.support.outbox import summary_refreshes_due
from tests.support.waiting import wait_until

ANA, MINH = "+12025550101", "+12025550102"
PEOPLE = [ContactRecord(name="Ana Ruiz", phone=ANA, language="es", regions=("FL",)),
          ContactRecord(name="Minh Tran", phone=MINH, language="vi", regions=("FL",))]


@pytest.fixture
def hold_s() -> int | None:
    """The undo window of small notices; None keeps the default (30 s)."""
    return None


@pytest.fixture
def live(settings, hold_s):
    if hold_s is not None:
        settings.sms.small_send_hold_s = hold_s
    with live_app(settings, coordinators=[COORDINATOR]) as running:
        with running.container.db.unit_of_work() as uow:
            directory.import_records(uow, PEOPLE, source="t", actor="t",
                                     now=running.container.clock.now())
            uow.commit()
        _, url = running.command('declare hurricane "Hurricane Xavier" FL', user=COORDINATOR)
        running.wait_response(url)
        yield running


def channel_of(live) -> str:
    def found():
        with live.container.db.unit_of_work() as uow:
            incidents = uow.incidents.list(status=None)
            return incidents[0].channel_id if incidents and incidents[0].channel_id else None
    return wait_until(found, what="the incident channel")


def notices_and_sms(live) -> tuple[int, int]:
    from bot.db.models import Notice

    with live.container.db.unit_of_work() as uow:
        return (uow.session.query(Notice).count(),
                sum(1 for m in uow.outbox.list() if m.kind == "sms"))


def test_an_unknown_prefix_is_refused_in_the_ack_and_nothing_is_queued(live):
    channel = channel_of(live)
    response, url = live.command("notify Shelters open.\nsp: Refugios abiertos.",
                                 user=COORDINATOR, channel=channel)
    text = response.json()["text"]
    assert "`sp:` is not a language" in text and "es (Spanish, Español)" in text
    assert notices_and_sms(live) == (0, 0) and live.twilio.messages == []


def outbox_statuses(live) -> dict[str, str]:
    with live.container.db.unit_of_work() as uow:
        return {m.idempotency_key: m.status for m in uow.outbox.list()
                if m.idempotency_key.startswith(("notice:", "delivery-summary:"))}


def test_cancel_in_the_undo_window_takes_a_small_notice_back_before_anything_goes(live):
    """The default window (30 s): the preview comes first, and its Cancel button stops it."""
    channel = channel_of(live)
    _, url = live.command("notify Shelters open.\nes: Refugios abiertos.", user=COORDINATOR,
                          channel=channel)
    preview = live.wait_response(url)
    assert "Sending in 30 s — Cancel" in preview["text"]
    [button] = preview["blocks"][-1]["elements"]
    assert button["action_id"] == NOTICE_CANCEL_ACTION and live.twilio.messages == []
    click = live.emulator.new_response_url()
    live.post(live.requests.block_action(NOTICE_CANCEL_ACTION, button["value"],
                                         user_id=COORDINATOR, channel_id=channel,
                                         response_url=click))
    assert "Cancelled notice 1: nothing was sent." in live.wait_response(click)["text"]
    assert set(outbox_statuses(live).values()) == {"cancelled"}
    assert len(outbox_statuses(live)) == 3  # two texts and the delivery summary
    assert live.twilio.messages == []
    assert not any("Refugios" in m.text for m in live.emulator.channels[channel].messages)


@pytest.mark.parametrize("hold_s", [1])
def test_a_small_send_shows_the_preview_and_the_channel_gets_the_notice_once(live):
    channel = channel_of(live)
    _, url = live.command("notify Shelters open <!here>.\nEspañol: Refugios abiertos.",
                          user=COORDINATOR, channel=channel)
    reply = live.wait_response(url)["text"]
    assert "Preview" in reply and "2 recipients" in reply and "Refugios abiertos." in reply
    assert "segment(s) each" in reply and "segments in all" in reply
    wait_until(lambda: len(live.twilio.messages) == 2, what="two SMS", timeout_s=20)
    assert live.twilio.wait_for_callbacks(10)
    messages = live.emulator.channels[channel].messages

    def posted_and_delivered():
        summary_refreshes_due(live.container.db, live.container.clock.now())
        posts = [m.text for m in messages if "Refugios abiertos." in m.text]
        return posts if posts and "Delivery: 2 delivered" in posts[-1] else None
    posts = wait_until(posted_and_delivered, what="the notice in the channel", timeout_s=30,
                       poll_s=0.1)
    assert len(posts) == 1
    assert "> Shelters open &lt;!here&gt;." in posts[0] and "Spanish 1, Vietnamese 1" in posts[0]


def test_a_closed_incident_gets_no_notice(live):
    channel = channel_of(live)
    _, url = live.command("close", user=COORDINATOR, channel=channel)
    live.wait_response(url)
    url = live.emulator.new_response_url()
    live.post(live.requests.block_action(CLOSE_CONFIRM_ACTION, "INC-2026-0001",
                                         user_id=COORDINATOR, channel_id=channel,
                                         response_url=url))
    assert "is closed" in live.wait_response(url)["text"]
    _, url = live.command("notify Shelters open.", user=COORDINATOR, channel=channel)
    assert "is closed: reopen it before sending notices" in live.wait_response(url)["text"]
    assert notices_and_sms(live) == (0, 0) and live.twilio.messages == []
