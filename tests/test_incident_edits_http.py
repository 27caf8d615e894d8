"""Editing and closing over real HTTP: signed ``/incident`` requests in, the Slack emulator's
pinned summary out (edited by ``chat.update``)."""

from __future__ import annotations

import time

import pytest

from bot.incidents.blocks import CLOSE_CONFIRM_ACTION
from tests.conftest import COORDINATOR
from tests.support.waiting import wait_until

DECLARE = 'declare hurricane "Hurricane Xavier" FL,GA severity=high summary="Landfall expected 2am"'


@pytest.fixture
def live(live_coordinated):
    return live_coordinated


def declared(live):
    _, url = live.command(DECLARE, user=COORDINATOR)
    live.wait_response(url)
    channel = wait_until(lambda: live.emulator.channel_by_name(
        f"inc-{time.gmtime().tm_year}-0001-hurricane-xavier"), what="the incident channel")
    wait_until(lambda: channel.pins, what="the pinned summary")
    return channel


def pinned_text(channel) -> str:
    ts = channel.pins[0]
    message = next(m for m in channel.messages if m.ts == ts)
    return " ".join(str(block) for block in message.blocks or [])


def test_edit_by_text_updates_the_pinned_summary_and_announces_it(live):
    channel = declared(live)
    _, url = live.command('edit severity=critical summary="Landfall near Apalachicola"',
                          user=COORDINATOR, channel=channel.id)
    assert "Severity high → critical" in live.wait_response(url)["text"]
    wait_until(lambda: "Landfall near Apalachicola" in pinned_text(channel), what="card edit")
    assert "Critical" in pinned_text(channel) and "Landfall expected" not in pinned_text(channel)
    assert live.emulator.calls_to("chat.update")
    wait_until(lambda: any(m.text.startswith("INC-2026-0001: Severity high → critical; ")
                                and m.text.endswith("by Maria Alvarez.") for m in channel.messages),
               what="the announcement of the change",
               describe=lambda: str([m.text for m in channel.messages]))


def test_a_bad_edit_is_answered_in_the_ack_and_changes_nothing(live):
    channel = declared(live)
    response, _ = live.command("edit colour=red", user=COORDINATOR, channel=channel.id)
    assert "Unknown field 'colour'" in response.json()["text"]
    assert live.emulator.calls_to("chat.update") == []


def test_the_edit_form_shows_the_facts_then_edits(live):
    channel = declared(live)
    live.command("edit", user=COORDINATOR, channel=channel.id)
    opened = wait_until(lambda: [v for v in live.emulator.views
                                 if v["callback_id"] == "incident_edit"], what="the form")[0]
    regions = next(b for b in opened["blocks"] if b["block_id"] == "regions")
    assert regions["element"]["initial_value"] == "FL, GA"
    values = {"severity": "high", "summary": "Landfall expected 2am", "type": "hurricane"}
    bad = live.requests.view_submission(opened, {**values, "regions": "FL, XX"},
                                        user_id=COORDINATOR)
    answer = live.post(bad).json()
    assert answer["response_action"] == "errors" and "XX" in answer["errors"]["regions"]
    good = live.requests.view_submission(opened, {**values, "regions": "FL, GA, AL"},
                                         user_id=COORDINATOR)
    assert live.post(good).status_code == 200
    wait_until(lambda: "AL (Alabama)" in pinned_text(channel), what="card edit from the form")


def test_closing_by_its_button_marks_the_pinned_summary_closed(live):
    channel = declared(live)
    _, url = live.command("close", user=COORDINATOR, channel=channel.id)
    button = live.wait_response(url)["blocks"][1]["elements"][0]
    click_url = live.emulator.new_response_url()
    assert live.post(live.requests.block_action(
        CLOSE_CONFIRM_ACTION, button["value"], user_id=COORDINATOR, channel_id=channel.id,
        response_url=click_url)).status_code == 200
    assert "No upcoming calls were scheduled" in live.wait_response(click_url)["text"]
    wait_until(lambda: "(closed)" in pinned_text(channel), what="the card closed")
    assert "*Status*\\nClosed" in pinned_text(channel)
