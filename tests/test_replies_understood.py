"""Replies people write are understood, at the service layer with recording fakes: sentence
RSVPs and requests to stop in every language, answers and opt-outs recorded by hand, and staff's
direct messages to the bot."""

from __future__ import annotations

import pytest

from bot.calls.text import rsvp_confirmation
from bot.directory.rules.contacts import Consent, ContactRecord
from bot.directory.service import contacts as directory
from bot.dispatch.grammar import parse_invocation
from bot.dispatch.slash import command_for
from bot.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from bot.i18n.catalog import render
from bot.incidents.blocks import help_text
from bot.sms.commands import DirectMessage, OptOutById, RecordRsvpByHand, RecordRsvpById
from tests.conftest import BYSTANDER, COORDINATOR
from tests.support.scenario import declared_with_contacts
from tests.support.sms import sms_in
from tests.test_revocation import SENTENCES as REVOCATIONS
from tests.test_rsvp_sentences import SENTENCES as RSVPS

OFFICE = "Civil Rights Coordination Office"
STAFF = "USTAFF001"
PHONES = {tag: f"+120255502{n:02d}" for n, tag in enumerate(sorted(RSVPS))}
PEOPLE = [ContactRecord(name=f"Person {tag}", phone=phone, language=tag, regions=("FL",))
          for tag, phone in PHONES.items()]
PEOPLE += [ContactRecord(name="Ana Ruiz", phone="+12025550301", language="es", regions=("FL",)),
           ContactRecord(name="Ana Ruiz", phone="+12025550302", language="es", regions=("GA",)),
           ContactRecord(name="Tex Far", phone="+12025550303", language="en", regions=("TX",)),
           ContactRecord(name="Staff Member", slack_user_id=STAFF, regions=("FL",))]
ANA = "+12025550301"


@pytest.fixture
def commands(container):
    return declared_with_contacts(container, PEOPLE)


def run(commands, text, user=COORDINATOR):
    return commands.run(text, user=user, channel=None).text


def scheduled(commands, container):
    run(commands, "call INC-2026-0001 schedule 2026-11-28 15:00 America/New_York")
    container.worker.drain()


def answers(container) -> dict[str, str]:
    with container.db.unit_of_work(read_only=True) as uow:
        invitations = uow.calls.invitations(1)
        names = uow.contacts.load(i.contact_id for i in invitations)
        return {names[i.contact_id].phone or names[i.contact_id].slack_user_id: i.rsvp
                for i in invitations}


def forwarded(slack) -> list[dict]:
    return [p for p in slack.posts if "SMS from" in p["text"]]


def confirmation(container, answer, *, phone=None, user=None) -> str:
    """The thank-you the contact gets for ``answer`` to call 1."""
    with container.db.unit_of_work(read_only=True) as uow:
        contact = uow.contacts.by_phone(phone) if phone else uow.contacts.by_slack_user(user)
        return rsvp_confirmation(answer, uow.calls.get(1), contact)


@pytest.mark.parametrize("tag", sorted(RSVPS))
def test_sentence_rsvps_in_every_language(commands, container, slack, tag):
    scheduled(commands, container)
    phone = PHONES[tag]
    for sentence, answer in zip(RSVPS[tag], ("yes", "no", "maybe"), strict=True):
        assert sms_in(container, sentence, phone) == confirmation(container, answer, phone=phone)
        assert answers(container)[phone] == answer, sentence
    container.worker.drain()
    assert forwarded(slack) == []


@pytest.mark.parametrize("body", ["Hola, ¿dónde está el refugio más cercano?", "Sí, pero no puedo",
                                  "No tengo agua", "Yes, I need water at the shelter and insulin"])
def test_sentences_that_are_not_answers_are_forwarded(commands, container, slack, body):
    scheduled(commands, container)
    assert sms_in(container, body, ANA) == render("reply_received", "es", office=OFFICE)
    assert answers(container)[ANA] == "pending"
    container.worker.drain()
    posts = forwarded(slack)
    assert len(posts) == 1 and "Ana Ruiz" in posts[0]["text"]
    buttons = [e["action_id"] for b in posts[0]["blocks"] if b["type"] == "actions"
               for e in b["elements"]]
    assert buttons == ["conversation_reply", "conversation_claim", "conversation_handled",
                       "rsvp_by_hand_yes", "rsvp_by_hand_no", "rsvp_by_hand_maybe",
                       "opt_out_by_hand", "conversation_reveal"]


@pytest.mark.parametrize("tag", sorted(REVOCATIONS))
def test_revocations_in_every_language_opt_out_and_confirm(commands, container, sms, tag):
    phone = PHONES[tag]
    for body in REVOCATIONS[tag]:
        assert sms_in(container, body, phone) == render("stop_confirmation", tag, office=OFFICE)
        with container.db.unit_of_work() as uow:
            assert uow.sms.is_opted_out(phone), body
            assert uow.contacts.by_phone(phone).sms_consent == "opted_out"
        sms_in(container, "START", phone)


def test_after_please_stop_texting_me_no_action_item_text_goes(commands, container, sms):
    phone = PHONES["en"]
    assert sms_in(container, "Please stop texting me", phone) == render(
        "stop_confirmation", "en", office=OFFICE)
    run(commands, 'action INC-2026-0001 add +12025550203 "Check the shelter"')
    container.worker.drain()
    assert [m for m in sms.sent if m["to"] == phone] == []


def test_an_rsvp_recorded_by_hand(commands, container, sms):
    scheduled(commands, container)
    reply = run(commands, "rsvp INC-2026-0001 +1 202 555 0301 no")
    assert "Ana Ruiz" in reply and "*no*" in reply and "call 1" in reply
    assert answers(container)[ANA] == "no"
    run(commands, 'rsvp INC-2026-0001 "Person fr" maybe call 1')
    assert answers(container)[PHONES["fr"]] == "maybe"
    with container.db.unit_of_work(read_only=True) as uow:
        events = [e for e in uow.audit.list() if e.action == "call.rsvp"]
        assert events[-1].actor == COORDINATOR and events[-1].details["by_hand"] is True


def test_an_rsvp_by_hand_refuses_bad_input(commands, container):
    scheduled(commands, container)
    with pytest.raises(InvalidInput, match="yes, no or maybe"):
        parse_invocation("rsvp Ana Ruiz perhaps")
    with pytest.raises(InvalidInput, match="whose answer"):
        parse_invocation("rsvp yes")
    with pytest.raises(InvalidInput, match="2 contacts are named 'Ana Ruiz'.*0301.*0302"):
        run(commands, "rsvp INC-2026-0001 Ana Ruiz yes")
    with pytest.raises(NotFound, match="No contact is named 'Nobody'"):
        run(commands, "rsvp INC-2026-0001 Nobody yes")
    with pytest.raises(NotFound, match="has no call 7"):
        run(commands, "rsvp INC-2026-0001 +12025550301 yes call 7")
    with pytest.raises(NotFound, match="Tex Far is not invited to call 1"):
        run(commands, "rsvp INC-2026-0001 Tex Far yes")  # Texas: not in the FL,GA audience
    with pytest.raises(PermissionDenied):
        run(commands, "rsvp INC-2026-0001 +12025550301 yes", user=BYSTANDER)
    run(commands, "call INC-2026-0001 cancel 1")
    with pytest.raises(InvalidTransition, match="cancelled"):
        run(commands, "rsvp INC-2026-0001 +12025550301 yes call 1")


def test_an_opt_out_by_hand_holds_until_the_person_texts_start(commands, container, sms):
    reply = run(commands, "optout +1 202 555 0301")
    assert "opted out" in reply and "START" in reply and ANA not in reply
    assert "already" in run(commands, "optout +12025550301")
    with container.db.unit_of_work() as uow:
        assert uow.sms.is_opted_out(ANA)
        # A directory re-import that says "opted in" does not undo it.
        directory.import_records(uow, [ContactRecord(name="Ana Ruiz", phone=ANA, language="es",
                                                     regions=("FL",), sms_consent=Consent.OPTED_IN)],
                                 source="again", actor="t", now=container.clock.now())
        uow.commit()
    with container.db.unit_of_work(read_only=True) as uow:
        assert uow.sms.is_opted_out(ANA)
        assert uow.contacts.by_phone(ANA).sms_consent == "opted_out"
        event = [e for e in uow.audit.list() if e.action == "consent.opted_out"][-1]
        assert event.actor == COORDINATOR
    run(commands, "notify INC-2026-0001 Roads closed.")
    commands.wait_out_undo_window()
    container.worker.drain()
    assert [m for m in sms.sent if m["to"] == ANA] == []
    assert sms_in(container, "START", ANA) == render("start_confirmation", "es", office=OFFICE)
    with container.db.unit_of_work(read_only=True) as uow:
        assert not uow.sms.is_opted_out(ANA)


def test_an_opt_out_by_hand_refuses_bad_input(commands):
    with pytest.raises(InvalidInput, match="who to stop texting"):
        parse_invocation("optout")
    with pytest.raises(InvalidInput, match="2 contacts are named"):
        run(commands, "optout Ana Ruiz")
    with pytest.raises(InvalidInput, match="no phone number"):
        run(commands, "optout Staff Member")
    with pytest.raises(PermissionDenied):
        run(commands, "optout +12025550301", user=BYSTANDER)


def test_the_buttons_under_a_forwarded_sms(commands, container):
    scheduled(commands, container)
    with container.db.unit_of_work(read_only=True) as uow:
        ana = uow.contacts.by_phone(ANA).id
    assert "*yes*" in commands.send(RecordRsvpById(1, ana, "yes"), user=COORDINATOR).text
    assert answers(container)[ANA] == "yes"
    assert "opted out" in commands.send(OptOutById(ana), user=COORDINATOR).text
    with pytest.raises(NotFound):
        commands.send(OptOutById(99999), user=COORDINATOR)
    with pytest.raises(PermissionDenied):
        commands.send(OptOutById(ana), user=BYSTANDER)


def test_the_help_lists_the_new_commands():
    assert "rsvp [KEY] CONTACT yes|no|maybe [call N]" in help_text()
    assert "optout CONTACT" in help_text()
    assert command_for(parse_invocation("rsvp Ana Ruiz maybe call 2")) == RecordRsvpByHand(
        None, "Ana Ruiz", "maybe", "2")


def dm(commands, text, user=STAFF, ts="1700000000.000100"):
    return commands.send(DirectMessage("D0STAFF", ts, user, text), user=user, channel="D0STAFF")


def dm_answers(slack) -> list[str]:
    return [p["text"] for p in slack.posts if p["channel"] == "D0STAFF"]


def test_staff_answer_in_their_dm(commands, container, slack):
    scheduled(commands, container)
    invite = [p["text"] for p in slack.posts if p["channel"] == STAFF][0]
    assert "1 = yes" in invite and "STOP" not in invite
    dm(commands, "Yes, I'll be there")
    container.worker.drain()
    assert answers(container)[STAFF] == "yes"
    assert dm_answers(slack) == [confirmation(container, "yes", user=STAFF)]
    dm(commands, "What is the dial-in?", ts="1700000000.000200")
    container.worker.drain()
    assert answers(container)[STAFF] == "yes"
    assert "DONE N" in dm_answers(slack)[-1]


def test_staff_close_their_items_in_their_dm(commands, container, slack):
    run(commands, 'action INC-2026-0001 add "Staff Member" "Call the shelter"')
    run(commands, f'action INC-2026-0001 add <@{COORDINATOR}> "Book the room"')
    container.worker.drain()
    assert "reply `DONE 1` here" in [p["text"] for p in slack.posts if p["channel"] == STAFF][0]
    dm(commands, "DONE 1")
    dm(commands, "done 2", user=COORDINATOR, ts="1700000000.000300")
    dm(commands, "DONE 9", ts="1700000000.000400")
    container.worker.drain()
    with container.db.unit_of_work(read_only=True) as uow:
        incident = uow.incidents.by_key("INC-2026-0001")
        assert [uow.actions.by_number(incident.id, n).status for n in (1, 2)] == ["done", "done"]
    texts = dm_answers(slack)
    assert texts[0] == "Thank you. A-1 is marked done." and texts[1].startswith("Thank you. A-2")
    assert "no action item A-9" in texts[2]


def test_a_dm_from_someone_not_in_the_directory(commands, container, slack):
    scheduled(commands, container)
    dm(commands, "yes", user="UNOBODY01")
    dm(commands, "yes", user="UNOBODY01")  # a retried event: answered once
    container.worker.drain()
    assert len(dm_answers(slack)) == 1 and "directory" in dm_answers(slack)[0]
