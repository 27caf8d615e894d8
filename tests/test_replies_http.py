"""Replies understood over real HTTP: a sentence RSVP through the Twilio webhook, and a staff
member's answer in their DM with the bot through a signed ``message.im`` event."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import pytest

from bot.calls.text import rsvp_confirmation
from bot.directory.rules.contacts import ContactRecord
from bot.sandbox.harness import live_app
from tests.conftest import COORDINATOR
from tests.support.scenario import import_people
from tests.support.waiting import wait_until

ANA, STAFF = "+12025550101", "USTAFF001"
PEOPLE = [ContactRecord(name="Ana Ruiz", phone=ANA, language="es", regions=("FL",)),
          ContactRecord(name="Staff Member", slack_user_id=STAFF, regions=("FL",))]
DECLARE = 'declare hurricane "Hurricane Xavier" FL,GA severity=high'


@pytest.fixture
def live(settings):
    with live_app(settings, coordinators=[COORDINATOR]) as running:
        import_people(running.container, PEOPLE)
        _, url = running.command(DECLARE, user=COORDINATOR)
        running.wait_response(url)
        _, url = running.command("call INC-2026-0001 schedule tomorrow 3pm ET", user=COORDINATOR)
        assert "Scheduled call 1" in running.wait_response(url)["text"]
        yield running


def rsvp(live, *, phone=None, user=None) -> tuple[str, str]:
    """The contact's answer to call 1, and the thank-you they get for a yes."""
    with live.container.db.unit_of_work(read_only=True) as uow:
        contact = uow.contacts.by_phone(phone) if phone else uow.contacts.by_slack_user(user)
        invitation = next(i for i in uow.calls.invitations(1) if i.contact_id == contact.id)
        return invitation.rsvp, rsvp_confirmation("yes", uow.calls.get(1), contact)


def test_a_sentence_rsvp_through_the_twilio_webhook(live):
    response = live.text_in("Sí, ahí estaré 🙏", sender=ANA)
    assert response.status_code == 200
    answer, thanks = rsvp(live, phone=ANA)
    assert answer == "yes"
    assert ElementTree.fromstring(response.text).find("Message").text == thanks


def test_a_staff_members_answer_in_their_dm(live):
    dm = wait_until(lambda: next((c for c in live.emulator.channels.values()
                                  if c.is_im and STAFF in c.members and c.messages), None),
                    what="the invitation DM")
    assert "1 = yes" in dm.messages[0].text and "STOP" not in dm.messages[0].text
    response = live.post(live.requests.message_event(dm.id, STAFF, "Yes, I'll be there",
                                                     "1700000000.000100", channel_type="im"))
    assert response.status_code == 200
    wait_until(lambda: len(dm.messages) == 2, what="the answer in the DM")
    answer, thanks = rsvp(live, user=STAFF)
    assert answer == "yes" and dm.messages[1].text == thanks
