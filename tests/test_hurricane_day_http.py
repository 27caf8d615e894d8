"""Issue 12's hurricane day over real HTTP, for the items no other HTTP test covers: signed
``/incident`` requests and Twilio webhooks into the real app, the Slack and Twilio emulators'
records out. Each test names the items it covers (several share one app: starting it is most of
a test's time)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.directory.rules.contacts import ContactRecord
from bot.i18n.catalog import render
from bot.incidents.blocks import CLOSE_CONFIRM_ACTION
from bot.sandbox.harness import live_app
from tests.conftest import COORDINATOR
from tests.support.scenario import import_people
from tests.support.waiting import wait_until

OFFICE = "Civil Rights Coordination Office"
ANA, MIGUEL, ROSA = "+12025550101", "+12025550102", "+12025550103"
PEOPLE = [ContactRecord(name="Ana Ruiz", phone=ANA, language="es", regions=("FL",)),
          ContactRecord(name="Miguel Ángel Torres", phone=MIGUEL, language="es", regions=("FL",)),
          ContactRecord(name="Rosa Martínez", phone=ROSA, language="en", regions=("FL",))]
KEY = "INC-2026-0001"


@pytest.fixture
def live(settings):
    quick = settings.model_copy(update={"sms": settings.sms.model_copy(
        update={"small_send_hold_s": 0, "confirm_threshold": 25})})
    with live_app(quick, coordinators=[COORDINATOR]) as running:
        running.emulator.add_user(COORDINATOR, name="maria.coordinator", real_name="Maria Alvarez")
        import_people(running.container, PEOPLE)
        _, url = running.command('declare hurricane "Hurricane Xavier" FL', user=COORDINATOR)
        running.wait_response(url)
        yield running


def ask(live, text: str) -> str:
    """``/incident {text}`` by the coordinator; the worker's answer."""
    _, url = live.command(text, user=COORDINATOR)
    return live.wait_response(url, timeout_s=20)["text"]


def texts_to(live, phone: str) -> list[str]:
    return [m.body for m in live.twilio.messages_to(phone)]


def office_day(live, days: int) -> str:
    zone = ZoneInfo(live.container.settings.timezone)
    return f"{(live.container.clock.now().astimezone(zone) + timedelta(days=days)).date()}"


def test_items_3_9_10_directory_names_owners_and_answers_by_hand(live):
    """9: a name typed without its accents is found. 10: a reassigned owner is told, a day
    without a time is accepted. 3: a revocation sentence opts out and is confirmed; a
    coordinator records an RSVP and an opt-out taken by phone."""
    assert "Miguel Ángel Torres" in ask(live, f"contacts {KEY} why miguel angel torres")
    assert "Rosa Martínez" in ask(live, f"contacts {KEY} why Rosa Martinez")

    assert "A-1" in ask(live, f'action {KEY} add {ANA} "Confirm shelter capacity" due thursday')
    wait_until(lambda: texts_to(live, ANA), what="Ana's action item text")
    ask(live, f"action {KEY} reassign 1 Miguel Angel Torres")
    told = wait_until(lambda: texts_to(live, ANA)[1:], what="Ana told it is no longer hers")
    assert told == [render("action_reassigned", "es", office=OFFICE, number="A-1",
                           text="Confirm shelter capacity")]
    wait_until(lambda: texts_to(live, MIGUEL), what="Miguel's action item text")

    reply = live.text_in("Please stop texting me", sender=ROSA)
    assert ElementTree.fromstring(reply.text).find("Message").text == render(
        "stop_confirmation", "en", office=OFFICE)
    assert "Scheduled call 1" in ask(live, f"call {KEY} schedule tomorrow 3pm ET")
    assert "yes" in ask(live, f"rsvp {KEY} Ana Ruiz yes call 1")
    ask(live, "optout +1 202 555 0102")
    with live.container.db.unit_of_work(read_only=True) as uow:
        ana = uow.contacts.by_phone(ANA)
        assert next(i.rsvp for i in uow.calls.invitations(1) if i.contact_id == ana.id) == "yes"
        assert uow.sms.opted_out_among([ROSA, MIGUEL]) == {ROSA, MIGUEL}


def test_item_4_a_daily_series_texts_one_invitation_per_contact_with_its_one_pin(live):
    reply = ask(live, f"call {KEY} schedule tomorrow 3pm ET every day until {office_day(live, 4)}")
    assert "3 more in the series" in reply
    pin = re.search(r"PIN (\d{6})", reply)[1]
    for phone in (ANA, MIGUEL, ROSA):
        wait_until(lambda phone=phone: texts_to(live, phone), what=f"the invitation to {phone}")
    live.twilio.wait_for_callbacks(5)
    for phone in (ANA, MIGUEL, ROSA):
        [invitation] = texts_to(live, phone)
        assert pin in invitation
    with live.container.db.unit_of_work(read_only=True) as uow:
        assert {c.pin for c in uow.calls.for_incident(1)} == {pin}


def test_items_5_7_calls_numbered_by_time_and_closing_cancels_them(live):
    """5: a call scheduled before another takes its number. 7: closing cancels the upcoming
    calls, says which, and their invitees are told once."""
    assert "Scheduled call 1" in ask(live, f"call {KEY} schedule {office_day(live, 6)} 10am ET")
    reply = ask(live, f"call {KEY} schedule tomorrow 3pm ET")
    assert "Scheduled call 1" in reply and "call 1 is now call 2" in reply
    listing = ask(live, f"call {KEY} list")
    assert listing.index("Call 1:") < listing.index("Call 2:")
    with live.container.db.unit_of_work(read_only=True) as uow:
        first, second = (uow.calls.by_number(1, n) for n in (1, 2))
        assert first.starts_at < second.starts_at
    wait_until(lambda: len(texts_to(live, ANA)) == 2, what="Ana's two invitations")

    _, url = live.command(f"close {KEY}", user=COORDINATOR)
    button = live.wait_response(url)["blocks"][1]["elements"][0]
    click = live.emulator.new_response_url()
    live.post(live.requests.block_action(CLOSE_CONFIRM_ACTION, button["value"],
                                         user_id=COORDINATOR, channel_id="CGENERAL1",
                                         response_url=click))
    answer = live.wait_response(click, timeout_s=20)["text"].lower()
    assert "call 1" in answer and "call 2" in answer and "cancel" in answer
    wait_until(lambda: len(texts_to(live, ANA)) == 4, what="Ana's two cancellations")
    live.twilio.wait_for_callbacks(5)
    assert len(texts_to(live, ANA)) == 4
    with live.container.db.unit_of_work(read_only=True) as uow:
        assert {c.status for c in uow.calls.for_incident(1)} == {"cancelled"}
        assert [j for c in (1, 2) for j in uow.calls.jobs(c) if j.status == "pending"] == []



def test_item_8_a_failed_text_is_reported_by_name_with_its_reason(live):
    live.twilio.mark_invalid(MIGUEL)
    ask(live, f"notify {KEY} Shelters open.\nes: Refugios abiertos.")

    def reports():
        with live.container.db.unit_of_work() as uow:
            rows = uow.outbox.with_key_prefix("failed:sms:notice:1:")
            for row in rows:  # the report waits a minute for more failures: skip the wait
                row.next_attempt_at = live.container.clock.now()
            uow.commit()
            return len(rows) == 2
    wait_until(reports, what="the failure report queued")
    with live.container.db.unit_of_work(read_only=True) as uow:
        channel = uow.incidents.by_key(KEY).channel_id
    messages = live.emulator.channels[channel].messages
    report = wait_until(lambda: next((m.text for m in messages if ":warning:" in m.text), None),
                        what="the failure report in the channel", timeout_s=20)
    assert "Miguel Ángel Torres (+1 ••• ••• 0102): not a valid number" in report
    assert MIGUEL not in report and "Ana Ruiz" not in report
