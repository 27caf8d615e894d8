"""Conversations with people who text in, at the service layer with recording fakes: one Slack
thread per number, claimed, handled and reopened, answered by SMS, added to the directory, and
the number revealed only to coordinators, on the record."""

from __future__ import annotations

import pytest

from bot.directory.rules.contacts import ContactRecord
from bot.errors import InvalidInput, PermissionDenied
from bot.i18n.catalog import render
from bot.sms.commands import (
    AddConversationContact,
    ClaimConversation,
    MarkConversationHandled,
    ReplyToConversation,
    RevealConversationNumber,
)
from bot.sms.forms import add_contact_problems
from bot.sms.service.inbound import unknown_sender_reply
from tests.conftest import BYSTANDER, COORDINATOR
from tests.support.scenario import declared_with_contacts
from tests.support.slash import Slash
from tests.support.sms import sms_in

OFFICE = "Civil Rights Coordination Office"
STRANGER = "+17875550199"
ANA = "+12025550101"
QUESTION = "Hola, ¿dónde está el refugio más cercano a Guayama?"
ANNOUNCEMENTS = "CANNOUNCE1"


@pytest.fixture
def staff(container):
    declared_with_contacts(container, [ContactRecord(name="Ana Ruiz", phone=ANA, language="es",
                                                     regions=("FL",))])
    container.worker.drain()
    return Slash(container)


def card(slack):
    cards = [p for p in slack.posts if p["key"] and p["key"].startswith("conversation-card:")]
    assert len(cards) == 1, cards
    return cards[0]


def thread(slack, ts):
    return [p["text"] for p in slack.posts if p["thread_ts"] == ts]


def buttons(post):
    return {e["action_id"]: e["value"] for b in post["blocks"] if b["type"] == "actions"
            for e in b["elements"]}


def events(container, action):
    """(actor, at, details) of each audit event ``action``."""
    with container.db.unit_of_work(read_only=True) as uow:
        return [(e.actor, e.at, e.details) for e in uow.audit.list() if e.action == action]


def conversation_id(post) -> int:
    return int(buttons(post)["conversation_claim"])


def test_an_unknown_spanish_texter_gets_a_card_in_announcements_and_an_answer_in_spanish(
        staff, container, slack):
    assert sms_in(container, QUESTION, STRANGER) == render("unknown_sender_reply", "es",
                                                           office=OFFICE)
    container.worker.drain()
    post = card(slack)
    assert post["channel"] == ANNOUNCEMENTS and post["thread_ts"] is None
    assert "an unknown number" in post["text"] and "(in Spanish)" in post["text"]
    assert STRANGER not in post["text"] and "0199" in post["text"]
    assert list(buttons(post)) == ["conversation_reply", "conversation_claim",
                                   "conversation_handled", "conversation_add_contact",
                                   "conversation_reveal"]
    assert buttons(post)["conversation_reply"].endswith(":es")


def test_an_answer_that_cannot_tell_the_language_is_in_english_and_spanish():
    assert unknown_sender_reply("ok 123", OFFICE) == "\n".join(
        render("unknown_sender_reply", tag, office=OFFICE) for tag in ("en", "es"))
    assert unknown_sender_reply("Mwen bezwen dlo ak manje", OFFICE) == render(
        "unknown_sender_reply", "ht", office=OFFICE)


def test_later_messages_join_the_thread_without_another_automatic_answer(staff, container,
                                                                         slack, clock):
    sms_in(container, QUESTION, STRANGER)
    container.worker.drain()
    clock.advance(minutes=5)
    assert sms_in(container, "Somos cuatro, con @channel <!here> un bebé", STRANGER) is None
    container.worker.drain()
    post = card(slack)
    [reply] = thread(slack, post["ts"])
    assert "un bebé" in reply and "<!here>" not in reply and "&lt;!here&gt;" in reply
    assert "@\u2060channel" in reply and STRANGER not in reply


def test_a_message_after_handled_reopens_the_same_thread(staff, container, slack, clock):
    sms_in(container, QUESTION, STRANGER)
    container.worker.drain()
    cid = conversation_id(card(slack))
    reply = staff.send(MarkConversationHandled(cid), user=BYSTANDER)
    assert "Marked handled" in reply.text
    container.worker.drain()
    assert "Handled by" in card(slack)["text"]
    assert "conversation_handled" not in buttons(card(slack))
    assert "already" in staff.send(MarkConversationHandled(cid), user=BYSTANDER).text
    clock.advance(days=2)
    answer = sms_in(container, "Gracias, ¿y mañana?", STRANGER)
    assert answer == render("unknown_sender_reply", "es", office=OFFICE)  # reopened: told again
    container.worker.drain()
    post = card(slack)  # still one card, edited back to open
    assert "Open" in post["text"] and "conversation_handled" in buttons(post)
    assert any("mañana" in text for text in thread(slack, post["ts"]))
    assert [actor for actor, _, _ in events(container, "conversation.handled")] == [BYSTANDER]
    assert len(events(container, "conversation.reopened")) == 1


def test_a_week_after_the_last_message_a_handled_conversation_starts_a_new_thread(
        staff, container, slack, clock):
    sms_in(container, QUESTION, STRANGER)
    container.worker.drain()
    staff.send(MarkConversationHandled(conversation_id(card(slack))), user=BYSTANDER)
    clock.advance(days=8)
    sms_in(container, "Hola otra vez", STRANGER)
    container.worker.drain()
    cards = [p for p in slack.posts if (p["key"] or "").startswith("conversation-card:")]
    assert len(cards) == 2 and cards[1]["thread_ts"] is None


def test_claim_edits_the_card_with_the_name(staff, container, slack):
    slack.users[BYSTANDER] = "Sam Guest"
    sms_in(container, QUESTION, STRANGER)
    container.worker.drain()
    cid = conversation_id(card(slack))
    assert "You claimed" in staff.send(ClaimConversation(cid), user=BYSTANDER).text
    assert "already" in staff.send(ClaimConversation(cid), user=BYSTANDER).text
    container.worker.drain()
    post = card(slack)
    assert "claimed by Sam Guest" in post["text"] and "conversation_claim" not in buttons(post)
    assert [actor for actor, _, _ in events(container, "conversation.claimed")] == [BYSTANDER]


def test_a_reply_goes_by_sms_as_typed_and_shows_in_the_thread(staff, container, slack, sms):
    slack.users[BYSTANDER] = "Sam Guest"
    sms_in(container, QUESTION, STRANGER)
    container.worker.drain()
    cid = conversation_id(card(slack))
    text = "El refugio más cercano está en la Escuela Genaro Cautiño, calle 3."
    reply = staff.send(ReplyToConversation(cid, text), user=BYSTANDER)
    assert "queued" in reply.text and STRANGER not in reply.text
    container.worker.drain()
    assert sms.to(STRANGER) == [text]
    [echo] = thread(slack, card(slack)["ts"])
    assert echo.startswith(":outbox_tray: Replied by Sam Guest:") and "Cautiño" in echo
    staff.send(ReplyToConversation(cid, text), user=BYSTANDER)  # a second reply is its own SMS
    container.worker.drain()
    assert sms.to(STRANGER) == [text, text]


def test_a_reply_to_a_number_that_texted_stop_is_refused(staff, container, slack, sms):
    sms_in(container, QUESTION, STRANGER)
    container.worker.drain()
    cid = conversation_id(card(slack))
    sms_in(container, "STOP", STRANGER)
    with pytest.raises(InvalidInput, match="texted STOP"):
        staff.send(ReplyToConversation(cid, "¿Sigue ahí?"), user=BYSTANDER)
    container.worker.drain()
    assert sms.to(STRANGER) == []


def test_a_stop_after_the_reply_was_queued_suppresses_it(staff, container, slack, sms):
    sms_in(container, QUESTION, STRANGER)
    container.worker.drain()
    staff.send(ReplyToConversation(conversation_id(card(slack)), "Hola"), user=BYSTANDER)
    sms_in(container, "ALTO", STRANGER)
    container.worker.drain()
    assert sms.to(STRANGER) == []


def test_a_reply_over_the_segment_budget_is_refused(staff, container, slack, sms):
    sms_in(container, QUESTION, STRANGER)
    container.worker.drain()
    cid = conversation_id(card(slack))
    with pytest.raises(InvalidInput, match="too long for SMS"):
        staff.send(ReplyToConversation(cid, "Información " * 60), user=BYSTANDER)
    with pytest.raises(InvalidInput, match="empty"):
        staff.send(ReplyToConversation(cid, "   "), user=BYSTANDER)
    container.worker.drain()
    assert sms.to(STRANGER) == [] and thread(slack, card(slack)["ts"]) == []


def test_add_to_directory_makes_a_contact_and_the_card_names_them(staff, container, slack):
    sms_in(container, QUESTION, STRANGER)
    container.worker.drain()
    cid = conversation_id(card(slack))
    reply = staff.send(AddConversationContact(cid, "Lucía Ortiz", "es", "Iglesia San José",
                                              "PR"), user=COORDINATOR)
    assert "Lucía Ortiz" in reply.text and "texts in Spanish" in reply.text
    with container.db.unit_of_work(read_only=True) as uow:
        contact = uow.contacts.by_phone(STRANGER)
        contact_id = contact.id
        assert (contact.name, contact.language, contact.organisation, contact.regions) == (
            "Lucía Ortiz", "es", "Iglesia San José", ["PR"])
    [(actor, _, details)] = events(container, "conversation.contact_added")
    assert actor == COORDINATOR and details["contact_id"] == contact_id
    container.worker.drain()
    post = card(slack)
    assert "Lucía Ortiz (Iglesia San José, es," in post["text"]
    assert "conversation_add_contact" not in buttons(post) and "opt_out_by_hand" in buttons(post)
    with pytest.raises(InvalidInput, match="in the directory already"):
        staff.send(AddConversationContact(cid, "Otra", "es"), user=COORDINATOR)


def test_add_to_directory_refuses_bad_fields_and_bystanders(staff, container, slack):
    sms_in(container, QUESTION, STRANGER)
    container.worker.drain()
    cid = conversation_id(card(slack))
    with pytest.raises(InvalidInput, match="unknown region"):
        staff.send(AddConversationContact(cid, "Lucía", "es", "", "XX"), user=COORDINATOR)
    with pytest.raises(PermissionDenied):
        staff.send(AddConversationContact(cid, "Lucía", "es"), user=BYSTANDER)
    with container.db.unit_of_work(read_only=True) as uow:
        assert uow.contacts.by_phone(STRANGER) is None


def test_the_number_is_revealed_to_a_coordinator_on_the_record_and_to_nobody_else(
        staff, container, slack, clock):
    sms_in(container, QUESTION, STRANGER)
    container.worker.drain()
    cid = conversation_id(card(slack))
    with pytest.raises(PermissionDenied, match="Only coordinators"):
        staff.send(RevealConversationNumber(cid), user=BYSTANDER)
    assert events(container, "conversation.number_revealed") == []
    reply = staff.send(RevealConversationNumber(cid), user=COORDINATOR)
    assert STRANGER in reply.text and "recorded" in reply.text
    [(actor, at, details)] = events(container, "conversation.number_revealed")
    assert (actor, at, details["conversation_id"]) == (COORDINATOR, clock.now(), cid)
    assert all(STRANGER not in p["text"] for p in slack.posts)


def test_a_known_contact_in_an_incident_gets_a_thread_in_its_channel(staff, container, slack,
                                                                     clock):
    staff.run("notify INC-2026-0001 Roads closed.", user=COORDINATOR)
    container.worker.drain()
    assert sms_in(container, "No tengo agua", ANA) == render("reply_received", "es", office=OFFICE)
    assert sms_in(container, "Somos tres", ANA) is None
    container.worker.drain()
    clock.advance(seconds=3)  # a thread post queued with its card waits for it (Deferred)
    container.worker.drain()
    post = card(slack)
    assert post["channel"] != ANNOUNCEMENTS and "Ana Ruiz" in post["text"]
    assert any("Ana Ruiz" in text and "Somos tres" in text for text in thread(slack, post["ts"]))


def test_a_thread_message_waits_for_its_card(staff, container, slack, clock):
    sms_in(container, QUESTION, STRANGER)
    sms_in(container, "¿Hola?", STRANGER)  # before any worker ran: the card is not posted yet
    container.worker.drain()
    clock.advance(seconds=3)
    container.worker.drain()
    post = card(slack)
    assert any("¿Hola?" in text for text in thread(slack, post["ts"]))


def test_the_add_to_directory_form_shows_its_mistakes_under_the_fields():
    assert add_contact_problems({"name": "", "language": "", "organisation": "",
                                 "regions": ""}) == {"name": "Give their name.",
                                                     "language": "Say which language they speak."}
    errors = add_contact_problems({"name": "Lucía", "language": "klingonish", "organisation": "",
                                   "regions": "PR, XX"})
    assert set(errors) == {"language", "regions"} and "XX" in errors["regions"]
    assert add_contact_problems({"name": "Lucía", "language": "Spanish", "organisation": "",
                                 "regions": "PR"}) == {}
