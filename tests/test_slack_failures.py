"""Slack messages that can never go, at the service level with the recording Slack fake: they fail
for good at once, rows that waited on them fail too, and the coordinator who caused each hears of
it exactly once."""

from __future__ import annotations

import pytest

from bot.directory.rules.contacts import ContactRecord
from bot.dispatch.grammar import Invocation, parse_declare
from bot.outbox.kinds import Kind
from bot.outbox.slack_senders import SlackDelivery
from bot.ports import DeliveryError
from tests.conftest import COORDINATOR
from tests.support.scenario import declared_with_contacts
from tests.support.slash import Slash
from tests.test_messages_cli import run_cli

DECLARE = 'hurricane "Hurricane Xavier" FL,GA'
LEAD = "ULEAD0001"  # a coordinator through the @incident-leads group
CHANNEL = "C00000001"


@pytest.fixture
def commands(container) -> Slash:
    return Slash(container)


def declared(commands, container) -> None:
    commands.declare(parse_declare(DECLARE), user=COORDINATOR)
    container.worker.drain()


def update(commands, text: str, user: str = LEAD, channel: str | None = CHANNEL) -> None:
    commands.run(Invocation("update", key="INC-2026-0001", text=text), user=user,
                 channel=channel)


def rows(container, prefix: str = "") -> list:
    with container.db.unit_of_work() as uow:
        found = [r for r in uow.outbox.list() if r.idempotency_key.startswith(prefix)]
        uow.session.expunge_all()
        return found


def drain_for_an_hour(container, clock) -> None:
    for _ in range(12):
        container.worker.drain()
        clock.advance(minutes=5)


def test_a_lost_post_answer_is_found_by_its_key_and_not_posted_again(commands, container,
                                                                      slack, clock):
    declared(commands, container)
    slack.lose_answer("post")
    update(commands, "Evacuations ordered")

    drain_for_an_hour(container, clock)

    assert len([t for t in slack.posts_to(CHANNEL) if "Evacuations ordered" in t]) == 1
    [row] = rows(container, "update:")
    assert row.status == "sent" and row.provider_id == slack.posts[-1]["ts"]


def test_a_lost_channel_creation_answer_adopts_the_channel(commands, container, slack, clock):
    slack.lose_answer("create_channel")
    commands.declare(parse_declare(DECLARE), user=COORDINATOR)

    drain_for_an_hour(container, clock)

    assert slack.channels == {CHANNEL: "inc-2026-0001-hurricane-xavier"}
    assert slack.posts_to(CHANNEL) and slack.pins
    [row] = rows(container, "provision:")
    assert row.status == "sent" and row.provider_id == CHANNEL


def test_reconcile_of_a_lost_channel_creation_adopts_without_creating(commands, container,
                                                                      slack):
    slack.lose_answer("create_channel")
    commands.declare(parse_declare(DECLARE), user=COORDINATOR)
    container.worker.drain()
    delivery = SlackDelivery(db=container.db, slack=slack, roles=container.roles,
                             settings=container.settings, clock=container.clock,
                             wakeup=container.wakeup)
    [row] = rows(container, "provision:")

    assert delivery.senders()[Kind.PROVISION_CHANNEL].reconcile(row).provider_id == CHANNEL
    assert [name for name, _ in slack.calls].count("create_channel") == 1
    with container.db.unit_of_work() as uow:
        assert uow.incidents.by_key("INC-2026-0001").channel_id == CHANNEL


@pytest.mark.parametrize("code", ["channel_not_found", "is_archived", "not_in_channel",
                                  "msg_too_long"])
def test_a_permanent_refusal_fails_at_once_and_the_coordinator_is_told_once(
        commands, container, slack, clock, code):
    declared(commands, container)
    slack.fail("post", DeliveryError(code, "refused", permanent=True),
               DeliveryError(code, "refused", permanent=True))
    update(commands, "Evacuations ordered")
    update(commands, "Shelters open")

    drain_for_an_hour(container, clock)

    assert [(r.status, r.attempts, r.error_code) for r in rows(container, "update:")] == [
        ("failed", 1, code), ("failed", 1, code)]
    told = slack.posts_to(LEAD)  # who ran the update, from the incident's audit trail
    channel_wide = code != "msg_too_long"  # the channel itself is broken: one report for both
    assert len(told) == (1 if channel_wide else 2)
    assert "refused" in told[0] and "coordbot messages list --status failed" in told[0]
    in_channel = [t for t in slack.posts_to(CHANNEL) if "Slack refused" in t]
    assert len(in_channel) == (0 if channel_wide else 2)  # never to the channel that is broken


def test_a_failed_report_is_not_reported(commands, container, slack, clock):
    declared(commands, container)
    slack.fail("post", *[DeliveryError("channel_not_found", permanent=True)] * 3)
    update(commands, "Evacuations ordered")

    drain_for_an_hour(container, clock)

    assert [r.status for r in rows(container, "failed:")] == ["failed"]
    assert rows(container, "failed:failed:") == []


def test_a_channel_that_cannot_be_created_fails_its_waiting_rows_and_tells_the_declarer_once(
        commands, container, slack, clock):
    slack.fail("create_channel", DeliveryError("restricted_action", permanent=True))
    commands.declare(parse_declare(DECLARE), user=COORDINATOR)
    update(commands, "Evacuations ordered", user=COORDINATOR, channel=None)

    drain_for_an_hour(container, clock)

    [provision] = rows(container, "provision:")
    assert (provision.status, provision.error_code) == ("failed", "restricted_action")
    [waiting] = rows(container, "update:")
    assert (waiting.status, waiting.error_code) == ("failed", "channel_not_created")
    [told] = slack.posts_to(COORDINATOR)
    assert "incident channel" in told and "does not allow" in told
    with container.db.unit_of_work() as uow:
        [event] = uow.audit.list(action="outbox.failed")
        assert event.details["told"] == COORDINATOR


def test_an_action_card_edit_gives_up_when_its_first_post_failed(container, slack, clock):
    commands = declared_with_contacts(container, [ContactRecord(
        name="Ana Ruiz", phone="+12025550101", organisation="Comunidad Unida", regions=("FL",))])
    slack.fail("post", DeliveryError("msg_too_long", permanent=True))
    commands.run(Invocation("action", key="INC-2026-0001",
                            text='add "Comunidad Unida" "Check the levee"'),
                 user=COORDINATOR, channel=CHANNEL)
    container.worker.drain()
    commands.run(Invocation("action", key="INC-2026-0001", text="done 1"),
                 user=COORDINATOR, channel=CHANNEL)

    drain_for_an_hour(container, clock)

    cards = {r.idempotency_key: (r.status, r.error_code) for r in rows(container, "action-card:")}
    assert cards == {"action-card:1:v1": ("failed", "msg_too_long"),
                     "action-card:1:v2": ("failed", "card_not_posted")}
    assert len(slack.posts_to(COORDINATOR)) == 1  # about the first post only


def test_messages_list_shows_the_failed_rows_and_the_ones_that_waited_on_them(
        commands, container, slack, clock, database_url):
    slack.fail("create_channel", DeliveryError("restricted_action", permanent=True))
    commands.declare(parse_declare(DECLARE), user=COORDINATOR)
    update(commands, "Evacuations ordered", user=COORDINATOR, channel=None)
    drain_for_an_hour(container, clock)

    listed = run_cli(database_url, "list", "--status", "failed")

    assert listed.returncode == 0, listed.stderr
    assert "provision:1" in listed.stdout and "restricted_action" in listed.stdout
    assert "update:1" in listed.stdout and "channel_not_created" in listed.stdout
