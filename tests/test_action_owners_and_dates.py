"""Action items: one name per owner, the old owner told of a reassignment, dates without a time.

Service level through the dispatcher, with the recording Slack and SMS fakes. The clock starts
on Friday 27 Nov 2026, 10:00 AM in New York (15:00 UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.actions.rules import parse_due
from bot.db.models import ActionItem
from bot.directory.rules.contacts import ContactRecord
from bot.dispatch.grammar import Invocation
from bot.errors import InvalidInput
from tests.conftest import COORDINATOR
from tests.support.scenario import declared_with_contacts

KEY = "INC-2026-0001"
ANA, MINH = "+12025550101", "+12025550102"
OWNER, OTHER = "UOWNER001", "UOTHER001"
PEOPLE = [
    ContactRecord(name="Ana Ruiz", phone=ANA, language="es", regions=("FL",),
                  timezone="America/Chicago"),
    ContactRecord(name="Minh Tran", phone=MINH, language="vi", regions=("GA",),
                  timezone="America/New_York", organisation="Viet Aid"),
    ContactRecord(name="Dana Directory", slack_user_id="UNONAME01", regions=("FL",)),
]
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # the FakeClock's start


@pytest.fixture
def commands(container, slack):
    slack.users.update({OWNER: "Olu Owner", OTHER: "Oto Other", COORDINATOR: "Maria Alvarez"})
    slack.timezones.update({OWNER: "America/Los_Angeles", COORDINATOR: "America/New_York"})
    return declared_with_contacts(container, PEOPLE)


def action(commands, text):
    return commands.run(Invocation("action", key=KEY, text=text), user=COORDINATOR).text


def stored(container, number=1) -> tuple[str, datetime | None]:
    with container.db.unit_of_work(read_only=True) as uow:
        row: ActionItem = uow.actions.by_number(uow.incidents.by_key(KEY).id, number)
        return row.owner_label, row.due_at


def texts(sms, number):
    return [m["body"] for m in sms.sent if m["to"] == number]


# ----- names ---------------------------------------------------------------------------------
def test_a_slack_owner_is_named_as_slack_shows_them_not_by_the_mention_label(commands, container):
    reply = action(commands, f'add <@{OWNER}|olu.handle> "Confirm shelter capacity"')
    assert "for Olu Owner" in reply and "olu.handle" not in reply
    assert stored(container)[0] == "Olu Owner"


def test_a_slack_owner_slack_has_no_name_for_is_named_as_the_directory_knows_them(commands,
                                                                                  container):
    action(commands, 'add <@UNONAME01|dd> "Count cots"')
    assert stored(container)[0] == "Dana Directory"


def test_one_name_for_a_person_in_slack_and_in_the_directory(container, slack):
    """Slack's profile name wins over the directory's, in the owner column and as the chair."""
    from bot.notes.service import review as notes_review

    slack.users[COORDINATOR] = "Maria Alvarez"
    commands = declared_with_contacts(container, [ContactRecord(
        name="M. Alvarez (office)", slack_user_id=COORDINATOR, regions=("FL",))])
    commands.run(Invocation("call", key=KEY, text="schedule 2026-11-27 11:00 EST"),
                 user=COORDINATOR)
    reply = action(commands, f'add <@{COORDINATOR}|maria.coordinator> "Book interpreters"')
    assert "for Maria Alvarez" in reply
    with container.db.unit_of_work() as uow:
        notes = notes_review.draft_for_call(uow, uow.calls.get(1), now=container.clock.now(),
                                            settings=container.settings)
        text = uow.notes.version(notes.id, 1).text
    assert "- Chair: Maria Alvarez" in text and "| Maria Alvarez |" in text
    assert "maria.coordinator" not in text and "M. Alvarez" not in text


# ----- the old owner is told -----------------------------------------------------------------
def test_the_old_slack_owner_gets_a_direct_message_once(commands, container, slack):
    action(commands, f'add <@{OWNER}> "Confirm shelter capacity"')
    container.worker.drain()
    action(commands, f"reassign 1 <@{OTHER}>")
    container.worker.drain()
    dms = [p["text"] for p in slack.posts if p["channel"] == OWNER]
    assert len(dms) == 2 and "now belongs to Oto Other. You no longer own it." in dms[1]
    assert [p for p in slack.posts if p["channel"] == OTHER]


def test_the_old_contact_owner_gets_an_sms_in_their_language(commands, container, sms):
    action(commands, 'add "Ana Ruiz" "Llamar a las familias"')
    container.worker.drain()
    action(commands, 'reassign 1 "Minh Tran"')
    container.worker.drain()
    ana = texts(sms, ANA)
    assert len(ana) == 2 and "se asignó a otra persona" in ana[1] and "A-1" in ana[1]
    assert len(texts(sms, MINH)) == 1  # the new owner: their assignment


def test_an_organisation_that_loses_an_item_is_told_nothing(commands, container, slack, sms):
    action(commands, 'add "Viet Aid" "Open the intake line"')
    container.worker.drain()
    before = (len(sms.sent), len(slack.posts))
    action(commands, f"reassign 1 <@{OWNER}>")
    container.worker.drain()
    with container.db.unit_of_work(read_only=True) as uow:
        keys = [m.idempotency_key for m in uow.outbox.list()]
    assert not [k for k in keys if k.startswith("action-unassigned:")]
    assert len(sms.sent) == before[0]


# ----- dates without a time ------------------------------------------------------------------
@pytest.mark.parametrize("text, due", [
    ("thursday", datetime(2026, 12, 3, 22, 0, tzinfo=UTC)),  # 5 PM in New York
    ("next tuesday", datetime(2026, 12, 1, 22, 0, tzinfo=UTC)),
    ("next friday", datetime(2026, 12, 4, 22, 0, tzinfo=UTC)),  # today is a Friday
    ("next tuesday 9am", datetime(2026, 12, 1, 14, 0, tzinfo=UTC)),
    ("friday 3pm", datetime(2026, 11, 27, 20, 0, tzinfo=UTC)),
    ("tomorrow", datetime(2026, 11, 28, 22, 0, tzinfo=UTC)),
    ("in 2 days", datetime(2026, 11, 29, 15, 0, tzinfo=UTC)),
])
def test_due_dates_read_as_the_end_of_that_day(text, due):
    assert parse_due(text, now=NOW, zone="America/New_York", owner_zone="America/New_York",
                     end_of_day=time(17)) == due


def test_a_day_without_a_time_is_on_the_owners_clocks_a_time_on_the_coordinators():
    chicago = dict(now=NOW, zone="America/New_York", owner_zone="America/Chicago",
                   end_of_day=time(17))
    assert parse_due("thursday", **chicago) == datetime(2026, 12, 3, 23, 0, tzinfo=UTC)
    assert parse_due("thursday 5pm", **chicago) == datetime(2026, 12, 3, 22, 0, tzinfo=UTC)


@pytest.mark.parametrize("text, problem", [
    ("blursday", "I could not read “blursday”"),
    ("yesterday 5pm", "could not read"),
    ("2026-11-26", "That time has passed"),
])
def test_unreadable_or_past_due_dates_are_refused(text, problem):
    with pytest.raises(InvalidInput, match=problem):
        parse_due(text, now=NOW, zone="America/New_York", owner_zone="America/New_York",
                  end_of_day=time(17))


def test_due_thursday_is_the_configured_time_in_a_slack_owners_zone(commands, container):
    container.settings.actions.default_due_time = time(18, 30)
    reply = action(commands, f'add <@{OWNER}> "Confirm shelter capacity" due thursday')
    assert "due Thu 3 Dec 2026, 9:30 PM EST" in reply  # on the coordinator's clocks
    assert stored(container)[1] == datetime(2026, 12, 4, 2, 30, tzinfo=UTC)  # 6:30 PM in LA


def test_due_next_tuesday_for_a_contact_is_on_their_clocks(commands, container):
    action(commands, 'add "Ana Ruiz" "Llamar a las familias" due next tuesday')
    assert stored(container)[1] == datetime(2026, 12, 1, 23, 0, tzinfo=UTC)  # 5 PM in Chicago
    action(commands, "due 1 thursday")
    assert stored(container)[1] == datetime(2026, 12, 3, 23, 0, tzinfo=UTC)
