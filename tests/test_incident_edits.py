"""Editing an incident's facts, and closing it: the pinned summary follows, calls are cancelled.

Service level, through the dispatcher with the recording Slack and SMS fakes.
"""

from __future__ import annotations

import pytest

from bot.directory.rules.contacts import ContactRecord
from bot.dispatch.grammar import Invocation
from bot.errors import InvalidInput, PermissionDenied
from tests.conftest import BYSTANDER, COORDINATOR
from tests.support.scenario import declared_with_contacts

KEY = "INC-2026-0001"
CHANNEL = "C00000001"
ANA = "+12025550101"
PEOPLE = [ContactRecord(name="Ana Ruiz", phone=ANA, language="es", regions=("FL",)),
          ContactRecord(name="Staff Member", slack_user_id="USTAFF001", regions=("FL",))]
DECLARE = 'hurricane "Hurricane Xavier" FL,GA severity=high summary="Landfall expected 2am"'


@pytest.fixture
def commands(container, slack):
    slack.users[COORDINATOR] = "Maria Alvarez"
    return declared_with_contacts(container, PEOPLE, DECLARE)


def run(commands, text, user=COORDINATOR, channel=CHANNEL):
    return commands.run(text, user=user, channel=channel)


def pinned(slack):
    """The pinned summary as Slack shows it now (edits applied): its text and its blocks."""
    channel, ts = slack.pins[0]
    return next(p for p in slack.posts if (p["channel"], p["ts"]) == (channel, ts))


def card_fields(slack) -> str:
    return " ".join(str(block) for block in pinned(slack)["blocks"])


def audit(container, action):
    """The details of each audit event ``action``."""
    with container.db.unit_of_work() as uow:
        return [dict(e.details) for e in uow.audit.list() if e.action == action]


def outbox_keys(container, prefix):
    with container.db.unit_of_work() as uow:
        return [m.idempotency_key for m in uow.outbox.list()
                if m.idempotency_key.startswith(prefix)]


def test_edit_updates_the_pinned_card_and_announces_the_change(commands, container, slack):
    reply = run(commands, 'edit severity=critical summary="Landfall near Apalachicola at 2am"')
    container.worker.drain()

    assert "Severity high → critical" in reply.text
    assert "Critical" in card_fields(slack) and "Landfall near Apalachicola" in card_fields(slack)
    assert "Landfall expected 2am" not in card_fields(slack)
    assert [c for c in slack.calls if c[0] == "update"], "the card is edited, not posted again"
    announced = slack.posts_to(CHANNEL)[-1]
    assert announced.startswith(f"{KEY}: Severity high → critical")
    assert announced.endswith("by Maria Alvarez.")
    [event] = audit(container, "incident.edited")
    assert event["changes"]["severity"] == ["high", "critical"]
    status = run(commands, "status", user=BYSTANDER).text
    assert "severity critical" in status and "Severity high → critical" in status  # timeline


def test_each_edit_is_one_card_row_per_incident_version(commands, container, slack):
    run(commands, "edit regions=FL,GA,AL")
    run(commands, "edit type=flood")
    container.worker.drain()
    assert len(outbox_keys(container, "incident-card:")) == 2
    assert len(set(outbox_keys(container, "incident-card:"))) == 2
    fields = card_fields(slack)
    assert "AL (Alabama)" in fields and "Flood" in fields
    updates = [c for c in slack.calls if c[0] == "update"]
    assert len(updates) == 2


@pytest.mark.parametrize("text, problem", [
    ("edit severity=critical colour=red", "Unknown field 'colour'"),
    ("edit summary=Later severity=extreme", "Unknown severity 'extreme'"),
    ("edit severity=critical regions=FL,XX", "Unknown region code(s): XX"),
    ("edit severity=critical type=tornado", "Unknown incident type 'tornado'"),
    ("edit severity=critical summary", "Write each change as field=value"),
    ("edit severity=critical severity=low", "Give severity= once"),
    ('edit severity=critical summary="unclosed', "quotation mark is not closed"),
])
def test_bad_edits_are_named_and_change_nothing(commands, container, slack, text, problem):
    with pytest.raises(InvalidInput) as raised:
        run(commands, text)
    assert problem in raised.value.problem and "Example:" in str(raised.value)
    container.worker.drain()
    assert "High" in card_fields(slack) and "Critical" not in card_fields(slack)
    with container.db.unit_of_work() as uow:
        assert uow.incidents.by_key(KEY).severity == "high"
    assert audit(container, "incident.edited") == []


def test_an_edit_that_changes_nothing_is_refused(commands, container):
    with pytest.raises(InvalidInput, match="Nothing to change"):
        run(commands, "edit severity=high regions=FL,GA")
    assert outbox_keys(container, "incident-card:") == []


def test_only_coordinators_edit(commands, container):
    with pytest.raises(PermissionDenied, match="Only coordinators can edit incidents"):
        run(commands, "edit severity=low", user=BYSTANDER)
    assert audit(container, "incident.edited") == []


def test_edit_names_the_incident_outside_its_channel(commands, container, slack):
    reply = commands.run(Invocation("edit", key=KEY, text="severity=low"), user=COORDINATOR)
    container.worker.drain()
    assert "Severity high → low" in reply.text and "Low" in card_fields(slack)


def test_close_marks_the_card_closed_and_cancels_upcoming_calls_once(commands, container, slack,
                                                                     sms):
    run(commands, "call schedule 2026-11-28 15:00 America/New_York")
    run(commands, "call schedule 2026-11-29 15:00 America/New_York")
    container.worker.drain()
    invitations = len([m for m in sms.sent if m["to"] == ANA])

    reply = commands.confirm_close(KEY, user=COORDINATOR)
    container.worker.drain()

    assert "Cancelled 2 upcoming calls" in reply.text
    assert "call 1 on Sat 28 Nov 2026" in reply.text and "call 2 on Sun 29 Nov 2026" in reply.text
    card = card_fields(slack)
    assert "*Status*\\nClosed" in card
    assert "(closed)" in card
    closed_post = next(t for t in slack.posts_to(CHANNEL) if "was closed by" in t)
    assert "by Maria Alvarez" in closed_post and "call 2 on Sun 29 Nov 2026" in closed_post
    told = [m["body"] for m in sms.sent if m["to"] == ANA][invitations:]
    assert len(told) == 2 and all("se canceló" in body for body in told)
    with container.db.unit_of_work() as uow:
        incident = uow.incidents.by_key(KEY)
        calls = uow.calls.for_incident(incident.id)
        assert [c.status for c in calls] == ["cancelled", "cancelled"]
        jobs = [job for call in calls for job in uow.calls.jobs(call.id)]
        assert jobs and not [job for job in jobs if job.status == "pending"], "reminders too"
    assert audit(container, "incident.closed")[0]["cancelled_calls"]


def test_close_with_no_calls_says_so_and_reopen_shows_active(commands, container, slack):
    reply = commands.confirm_close(KEY, user=COORDINATOR)
    assert "No upcoming calls were scheduled" in reply.text
    container.worker.drain()
    assert "Closed" in card_fields(slack)
    run(commands, "reopen")
    container.worker.drain()
    assert "Active" in card_fields(slack) and "(closed)" not in card_fields(slack)


def test_an_edit_before_the_summary_is_posted_waits_for_it(container, slack, clock):
    from bot.dispatch.grammar import parse_declare
    from bot.ports import DeliveryError
    from tests.support.slash import Slash

    commands = Slash(container)
    commands.declare(parse_declare(DECLARE), user=COORDINATOR)
    slack.fail("create_channel", DeliveryError("ratelimited", permanent=False, retry_after=30))
    commands.run(f"edit {KEY} severity=critical", user=COORDINATOR)
    container.worker.drain()
    assert slack.posts == []
    for _ in range(3):
        clock.advance(seconds=31)
        container.worker.drain()
    assert "Critical" in card_fields(slack)
