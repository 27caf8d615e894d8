"""Twilio webhooks and SMS notices over real HTTP, against the Twilio and Slack emulators."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import httpx
import pytest

from bot.directory.rules.contacts import ContactRecord
from bot.i18n.catalog import render
from bot.sandbox.harness import live_app
from bot.sandbox.twilio import TwilioEmulator
from tests.conftest import COORDINATOR
from tests.support.outbox import summary_refreshes_due
from tests.support.scenario import import_people
from tests.support.waiting import wait_until

ANA, MINH = "+12025550101", "+12025550102"
PEOPLE = [ContactRecord(name="Ana Ruiz", phone=ANA, language="es", regions=("FL",)),
          ContactRecord(name="Minh Tran", phone=MINH, language="vi", regions=("FL",))]
OFFICE = "Civil Rights Coordination Office"


@pytest.fixture
def live(settings):
    # A one-second undo window on the real clock: a small notice still waits it out, briefly
    # (the default window and its Cancel are tested in test_notices_http and test_notice_undo).
    settings.sms.small_send_hold_s = 1
    with live_app(settings, coordinators=[COORDINATOR]) as running:
        import_people(running.container, PEOPLE)
        yield running


def reply_text(response: httpx.Response) -> str | None:
    root = ElementTree.fromstring(response.text)
    assert root.tag == "Response"
    message = root.find("Message")
    return None if message is None else message.text


def test_inbound_keywords_get_twiml_replies_in_the_contacts_language(live):
    response = live.text_in("Ayuda", sender=ANA)
    assert response.status_code == 200 and response.headers["content-type"].startswith(
        "application/xml")
    assert reply_text(response) == render("help", "es", office=OFFICE)
    assert reply_text(live.text_in("stop", sender=ANA)) == \
        render("stop_confirmation", "es", office=OFFICE)
    with live.container.db.unit_of_work() as uow:
        assert uow.sms.is_opted_out(ANA)
    assert reply_text(live.text_in(" START ", sender=ANA)) == \
        render("start_confirmation", "es", office=OFFICE)


@pytest.mark.parametrize("path", ["/twilio/sms", "/twilio/sms/status", "/twilio/voice",
                                  "/twilio/voice/pin", "/twilio/voice/conference-events"])
def test_unsigned_or_forged_webhooks_get_401_and_change_nothing(live, path):
    url = f"{live.server.url}{path}"
    form = {"MessageSid": "SM" + "1" * 32, "From": ANA, "To": "+12025550100", "Body": "STOP",
            "MessageStatus": "delivered"}
    assert live.http.post(url, data=form).status_code == 401
    assert live.http.post(url, data=form,
                          headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}).status_code == 401
    with TwilioEmulator(auth_token="some-other-token") as impostor:
        forged = impostor.send_inbound(webhook_url=f"{live.server.url}/twilio/sms", from_=ANA,
                                       to="+12025550100", body="STOP")
    assert forged.status_code == 401
    with live.container.db.unit_of_work() as uow:
        assert not uow.sms.is_opted_out(ANA)


def test_a_notice_goes_out_by_sms_and_callbacks_update_the_summary(live):
    _, url = live.command('declare hurricane "Hurricane Xavier" FL', user=COORDINATOR)
    live.wait_response(url)
    channel = wait_until(lambda: _channel(live), what="the incident channel")
    _, url = live.command("notify Shelters open.\nes: Refugios abiertos.", user=COORDINATOR,
                          channel=channel)
    assert "2 recipients" in live.wait_response(url)["text"]
    wait_until(lambda: len(live.twilio.messages) == 2, what="two SMS", timeout_s=20)
    assert live.twilio.messages_to(ANA)[0].body == render(
        "incident_notice", "es", office=OFFICE, title="Hurricane Xavier",
        text="Refugios abiertos.")
    assert live.twilio.wait_for_callbacks(10)
    messages = live.emulator.channels[channel].messages

    def summary_says_delivered():
        summary_refreshes_due(live.container.db, live.container.clock.now())
        return any(m.text.startswith("SMS notice") and "2 delivered" in m.text for m in messages)
    wait_until(summary_says_delivered, what="the delivery summary", timeout_s=30, poll_s=0.1)
    assert len([m for m in messages if m.text.startswith("SMS notice")]) == 1

    live.text_in("Necesitamos agua en Lake City", sender=ANA)
    wait_until(lambda: any("Necesitamos agua" in m.text for m in messages),
               what="the reply forwarded to the channel", timeout_s=20)


def _channel(live):
    with live.container.db.unit_of_work() as uow:
        found = uow.incidents.list(status=None)
        return found[0].channel_id if found and found[0].channel_id else None


def test_a_caller_enters_the_pin_joins_and_is_counted(live):
    from datetime import timedelta

    from bot.calls.rules.when import ScheduleRequest
    from bot.calls.service import calls

    now = live.container.clock.now()
    with live.container.db.unit_of_work() as uow:
        from bot.dispatch.grammar import parse_declare
        from bot.incidents import service as incidents
        incident = incidents.declare(uow, actor=COORDINATOR, now=now,
                                     draft=parse_declare('flood "River" FL'))
        scheduled = calls.schedule(uow, incident=incident, actor=COORDINATOR, now=now,
                                   settings=live.container.settings,
                                   request=ScheduleRequest(starts_at=now + timedelta(minutes=5),
                                                           duration=timedelta(minutes=30),
                                                           agenda="", bridge="twilio",
                                                           recurrence=None,
                                                           zone="America/New_York"))
        pin, conference = scheduled[0].pin, scheduled[0].conference_name
        uow.commit()
    base = live.server.url
    caller = live.twilio.place_call(voice_url=f"{base}/twilio/voice", from_=ANA, to="+12025550100")
    gather = ElementTree.fromstring(caller.twiml[-1]).find("Gather")
    assert gather is not None and gather.get("numDigits") == "6"
    assert gather.find("Say").get("language") == "es-US"
    caller.press("000000")
    assert "PIN" in ElementTree.fromstring(caller.twiml[-1]).find("Gather").find("Say").text
    caller.press(pin)
    assert caller.conference == conference
    caller.hang_up()
    live.twilio.wait_for_voice_callbacks(10)
    from bot.access.links import calendar_url
    ics = live.http.get(calendar_url(live.container.settings, scheduled[0].id).replace(
        live.container.settings.server.public_base_url, base))
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in ics.text and pin in ics.text
    with live.container.db.unit_of_work() as uow:
        rows = uow.calls.attendance(scheduled[0].id)
        assert len(rows) == 1 and rows[0].phone == ANA and rows[0].left_at is not None
        # The caller hung up before the start: the bridge stays open for the call's slot.
        assert uow.calls.get(scheduled[0].id).status == "scheduled"


def test_the_calendar_link_needs_its_token(live):
    with live.container.db.unit_of_work() as uow:
        from bot.dispatch.grammar import parse_declare
        from bot.incidents import service as incidents
        incidents.declare(uow, actor=COORDINATOR, now=live.container.clock.now(),
                          draft=parse_declare('flood "River" FL'))
        uow.commit()
    assert live.http.get(f"{live.server.url}/calls/1.ics?t=nope").status_code == 404
