"""Action items at the service layer: lifecycle, permissions, SMS DONE, reminders, digests."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from bot.actions import forms as action_forms
from bot.actions import service as actions
from bot.actions.blocks import DONE_ACTION, REASSIGN_ACTION
from bot.actions.rules import MAX_TEXT
from bot.bootstrap import bootstrap
from bot.db.models import ActionItem
from bot.directory.rules.contacts import ContactRecord
from bot.dispatch.grammar import Invocation, parse_declare
from bot.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from schedules.jobs import fire_due_work
from tests.conftest import BYSTANDER, COORDINATOR
from tests.support.scenario import declared_with_contacts
from tests.support.slash import Slash
from tests.support.sms import sms_in

KEY = "INC-2026-0001"
ANA, MINH, WEI = "+12025550101", "+12025550102", "+12025550104"
OWNER = "UOWNER001"
PEOPLE = [
    ContactRecord(name="Ana Ruiz", phone=ANA, language="es", organisation="Comunidad Unida",
                  regions=("FL",), timezone="America/Chicago"),
    ContactRecord(name="Minh Tran", phone=MINH, language="vi", organisation="Viet Aid",
                  regions=("GA",)),
    ContactRecord(name="Wei Chen", phone=WEI, language="zh", regions=("FL",)),
    ContactRecord(name="Staff Member", phone="+12025550105", slack_user_id="USTAFF001",
                  regions=("FL",)),
]


@pytest.fixture
def commands(container, slack):
    slack.users.update({OWNER: "Olu Owner", COORDINATOR: "Cora Coordinator"})
    return declared_with_contacts(container, PEOPLE)


def action(commands, text, user=COORDINATOR, key=KEY):
    return commands.run(Invocation("action", key=key, text=text), user=user, channel=None).text


def listing(commands, text="", user=COORDINATOR):
    return commands.run(Invocation("actions", key=KEY, text=text), user=user, channel=None).text


def item(container, number, key=KEY) -> SimpleNamespace:
    """A snapshot of the item's columns (rows are expired when their unit of work ends)."""
    with container.db.unit_of_work(read_only=True) as uow:
        row = uow.actions.by_number(uow.incidents.by_key(key).id, number)
        return SimpleNamespace(**{c.key: getattr(row, c.key) for c in ActionItem.__table__.columns})


def texts(sms, number):
    return [m["body"] for m in sms.sent if m["to"] == number]


def cards(slack, number):
    return [p for p in slack.posts if p["text"].startswith(f"Action item A-{number}")]


def test_an_item_is_numbered_posted_with_buttons_and_its_slack_owner_told(commands, container,
                                                                         slack):
    reply = action(commands, f'add <@{OWNER}|olu> "Confirm shelter capacity" due 2026-11-30 17:00')
    assert reply.startswith("Added *A-1* for Olu Owner, due Mon 30 Nov 2026, 5:00 PM EST")
    container.worker.drain()
    [card] = cards(slack, 1)
    with container.db.unit_of_work(read_only=True) as uow:
        channel = uow.incidents.by_key(KEY).channel_id
    assert card["channel"] == channel
    buttons = [e["action_id"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == [DONE_ACTION, REASSIGN_ACTION]
    [dm] = [p for p in slack.posts if p["channel"] == OWNER]
    assert "A-1" in dm["text"] and "Confirm shelter capacity" in dm["text"]
    second = action(commands, 'add "Comunidad Unida" Open the intake line')
    assert second.startswith("Added *A-2* for Comunidad Unida")
    assert item(container, 2).owner_kind == "organisation"


def test_numbers_are_per_incident(commands, container):
    commands.declare(parse_declare('flood "River flood" GA'), user=COORDINATOR)
    action(commands, 'add "Ana Ruiz" "Check the levee"')
    action(commands, 'add "Ana Ruiz" "Check the levee"', key="INC-2026-0002")
    assert item(container, 1).text == item(container, 1, key="INC-2026-0002").text


def test_only_coordinators_add_and_only_owners_or_coordinators_mark_done(commands, container):
    with pytest.raises(PermissionDenied):
        action(commands, f'add <@{OWNER}> "Anything"', user=BYSTANDER)
    action(commands, f'add <@{OWNER}> "Call the county"')
    with pytest.raises(PermissionDenied):
        action(commands, "done 1", user=BYSTANDER)
    assert action(commands, "done A-1", user=OWNER) == "A-1 is done."
    assert action(commands, "done 1") == "A-1 was already done."
    with pytest.raises(InvalidTransition):
        action(commands, f"reassign 1 <@{COORDINATOR}>")
    with pytest.raises(PermissionDenied):
        action(commands, "due 1 tomorrow 5pm", user=OWNER)


def test_bad_input_is_answered_clearly(commands, container):
    with pytest.raises(NotFound, match="No contact is named 'Nobody'.*No organisation"):
        action(commands, 'add Nobody "Do it"')
    with pytest.raises(NotFound, match="no action item A-9"):
        action(commands, "done 9")
    with pytest.raises(InvalidInput, match="Due date: That time has passed"):
        action(commands, 'add "Ana Ruiz" "Do it" due 2026-11-01 10:00')
    with pytest.raises(InvalidInput, match="Say what needs doing"):
        action(commands, 'add "Ana Ruiz"')
    with pytest.raises(InvalidInput, match="not an action item number"):
        action(commands, "done x")
    commands.confirm_close(KEY, user=COORDINATOR)
    with pytest.raises(InvalidTransition, match="closed"):
        action(commands, 'add "Ana Ruiz" "Do it"')


@pytest.mark.parametrize(("owner", "phone", "reply_in", "expected"), [
    ("Ana Ruiz", ANA, "LISTO 1", "Gracias"),
    ("Minh Tran", MINH, "xong a-1", None),
    ("Wei Chen", WEI, "完成#1", None),
    ("Ana Ruiz", ANA, "DONE A-1", "Gracias"),
])
def test_a_contact_owner_gets_an_sms_in_their_language_and_closes_it_by_reply(
        commands, container, sms, slack, owner, phone, reply_in, expected):
    action(commands, f'add "{owner}" "Send the shelter list" due 2026-11-30 12:00')
    container.worker.drain()
    [assigned] = texts(sms, phone)
    assert "A-1" in assigned and "Send the shelter list" in assigned and "DONE A-1" in assigned
    reply = sms_in(container, reply_in, phone)
    assert reply is not None and "A-1" in reply
    if expected:
        assert expected in reply
    assert item(container, 1).status == "done"
    container.worker.drain()
    [card] = cards(slack, 1)
    assert "Done by" in card["text"] and not any(b["type"] == "actions" for b in card["blocks"])
    assert sms_in(container, reply_in + " ", phone) is not None  # a repeat is answered again
    assert item(container, 1).status == "done"


def test_done_for_a_task_the_sender_does_not_own_goes_to_a_person(commands, container, slack):
    action(commands, 'add "Ana Ruiz" "Send the list"')
    reply = sms_in(container, "DONE 1", MINH)
    assert reply is not None and item(container, 1).status == "open"
    container.worker.drain()
    assert any("DONE 1" in p["text"] for p in slack.posts if p["text"].startswith(":speech"))


def test_reassign_and_new_due_date_tell_the_new_owner_and_replace_reminders(commands, container,
                                                                            sms, clock):
    action(commands, 'add "Ana Ruiz" "Count cots" due 2026-11-29 15:00')
    assert "now belongs to Minh Tran" in action(commands, 'reassign 1 "Minh Tran"')
    assert "due" in action(commands, "due 1 2026-12-02 15:00")
    container.worker.drain()
    assert len(texts(sms, MINH)) == 1
    clock.current = datetime(2026, 11, 28, 20, 5, tzinfo=UTC)  # a day before the first due date
    fire_due_work(container)
    container.worker.drain()
    assert len(texts(sms, MINH)) == 1  # the old reminders are void; Ana is told it is not hers
    assert len(texts(sms, ANA)) == 2 and "se asignó a otra persona" in texts(sms, ANA)[1]
    clock.current = datetime(2026, 12, 1, 20, 1, tzinfo=UTC)
    fire_due_work(container)
    container.worker.drain()
    assert len(texts(sms, MINH)) == 2 and "Count cots" in texts(sms, MINH)[-1]


def test_reminders_fire_once_each_across_a_restart(commands, container, sms, settings, clock,
                                                   slack):
    action(commands, 'add "Ana Ruiz" "Count cots" due 2026-11-29 15:00')
    container.worker.drain()
    clock.current = datetime(2026, 11, 28, 20, 1, tzinfo=UTC)
    assert fire_due_work(container) >= 1
    container.worker.drain()
    restarted = bootstrap(settings, clock=clock, slack=slack, sms=sms)
    try:
        fire_due_work(restarted)
        restarted.worker.drain()
        assert len(texts(sms, ANA)) == 2  # assigned + the day-before reminder
        clock.current = datetime(2026, 11, 29, 20, 1, tzinfo=UTC)
        fire_due_work(restarted)
        fire_due_work(container)
        restarted.worker.drain()
        container.worker.drain()
        assert len(texts(sms, ANA)) == 3  # + overdue, once
        assert "Recordatorio" in texts(sms, ANA)[-1]
    finally:
        restarted.stop()


def test_overdue_items_are_listed_once_a_day_from_the_digest_hour(commands, container, slack,
                                                                  clock):
    action(commands, f'add <@{OWNER}> "Count cots" due 2026-11-27 18:00')
    action(commands, f'add <@{OWNER}> "Not late" due 2026-12-27 18:00')
    clock.current = datetime(2026, 11, 28, 13, 0, tzinfo=UTC)  # 8 am in New York
    fire_due_work(container)
    container.worker.drain()
    digests = lambda: [p for p in slack.posts if "Overdue action items" in p["text"]]  # noqa: E731
    assert digests() == []
    clock.current = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
    fire_due_work(container)
    fire_due_work(container)
    container.worker.drain()
    [digest] = digests()
    assert "A-1" in digest["text"] and "A-2" not in digest["text"]
    clock.current = datetime(2026, 11, 29, 14, 30, tzinfo=UTC)
    fire_due_work(container)
    container.worker.drain()
    assert len(digests()) == 2
    action(commands, "done 1")
    clock.current = datetime(2026, 11, 30, 14, 30, tzinfo=UTC)
    fire_due_work(container)
    container.worker.drain()
    assert len(digests()) == 2


def test_items_created_during_a_call_are_linked_to_it(commands, container, clock):
    commands.run(Invocation("call", key=KEY, text="schedule 2026-11-27 11:00 America/New_York"),
                 user=COORDINATOR, channel=None)
    clock.current = datetime(2026, 11, 27, 16, 10, tzinfo=UTC)
    action(commands, 'add "Ana Ruiz" "During the call"')
    clock.current = datetime(2026, 11, 27, 17, 30, tzinfo=UTC)
    action(commands, 'add "Ana Ruiz" "After the call"')
    with container.db.unit_of_work(read_only=True) as uow:
        call_id = uow.calls.by_number(uow.incidents.by_key(KEY).id, 1).id
    assert item(container, 1).call_id == call_id and item(container, 2).call_id is None


def test_lists_open_mine_and_all(commands, container):
    action(commands, f'add <@{OWNER}> "Mine"')
    action(commands, 'add "Ana Ruiz" "Hers"')
    action(commands, "done 2")
    assert "A-1" in listing(commands) and "A-2" not in listing(commands)
    mine = listing(commands, "mine", user=OWNER)
    assert "A-1" in mine and "A-2" not in mine
    assert "A-2" in listing(commands, "all")
    with pytest.raises(InvalidInput):
        listing(commands, "later")


def test_a_message_becomes_an_item_once(commands, container, slack):
    with container.db.unit_of_work(read_only=True) as uow:
        channel = uow.incidents.by_key(KEY).channel_id
    actions_ = Slash(container)
    reply = actions_.add_from_message(channel, "1800000000.000100", "Book interpreters", "Ana Ruiz",
                                      "", user=COORDINATOR)
    assert "A-1" in reply.text and item(container, 1).source == "message"
    with pytest.raises(InvalidInput, match="already action item A-1"):
        actions_.add_from_message(channel, "1800000000.000100", "Book interpreters", "Ana Ruiz",
                                  "", user=COORDINATOR)
    with pytest.raises(NotFound, match="incident's channel"):
        actions_.add_from_message("COTHER", "1.2", "x", "Ana Ruiz", "", user=COORDINATOR)
    assert "A-1 is done" in actions_.done_by_id(item(container, 1).id, user=COORDINATOR).text


def test_contacts_on_slack_get_a_dm_and_unreachable_owners_are_flagged_in_the_channel(
        commands, container, sms, slack):
    action(commands, 'add "Staff Member" "Staff the phone line"')
    assert sms_in(container, "STOP", WEI) is not None
    action(commands, 'add "Wei Chen" "Translate the flyer"')
    container.worker.drain()
    assert [p for p in slack.posts if p["channel"] == "USTAFF001" and "A-1" in p["text"]]
    assert texts(sms, "+12025550105") == [] and texts(sms, WEI) == []
    [warning] = [p["text"] for p in slack.posts if "cannot be reached" in p["text"]]
    assert "A-2" in warning and "Wei Chen" in warning


# --- limits the service holds every way in (command, shortcut form, anything else) -------------
def _add(container, owner, text):
    with container.db.unit_of_work() as uow:
        incident = uow.incidents.by_key(KEY)
        actions.add(uow, incident=incident, owner=owner, text=text, due_at=None,
                    actor=COORDINATOR, now=container.clock.now(), settings=container.settings,
                    source="shortcut", source_ts="1800000000.000001")
        uow.commit()


def _contact_owner(container, phone):
    with container.db.unit_of_work(read_only=True) as uow:
        return actions.directory_owner(uow, phone, default_region="US")


def test_the_service_refuses_an_item_text_over_the_limit(commands, container, sms):
    with pytest.raises(InvalidInput, match=f"keep it under {MAX_TEXT}"):
        _add(container, actions.slack_owner(OWNER, "Olu"), "x" * (MAX_TEXT + 1))
    container.worker.drain()
    assert listing(commands, "all").count("A-") == 0


def test_the_shortcut_form_takes_no_more_than_the_service_does():
    view = action_forms.view("C1|1800000000.000001", "DECISION: " + "y" * 5000)
    [text_block] = [b for b in view["blocks"] if b.get("block_id") == "text"]
    assert text_block["element"]["max_length"] == MAX_TEXT
    assert len(text_block["element"]["initial_value"]) == MAX_TEXT


def test_an_owner_reached_by_sms_is_never_sent_more_than_the_segment_limit(commands, container,
                                                                           sms):
    limit = container.settings.sms.max_segments
    too_long = "Confirm shelter capacity at the county fairgrounds and report back. " * 10
    with pytest.raises(InvalidInput, match=f"A-1's text to Ana Ruiz is too long for SMS .*"
                                           f"the limit is {limit}"):
        _add(container, _contact_owner(container, ANA), too_long[:MAX_TEXT])
    container.worker.drain()
    assert texts(sms, ANA) == []
    _add(container, _contact_owner(container, ANA), "Confirm shelter capacity")
    container.worker.drain()
    assert len(texts(sms, ANA)) == 1
