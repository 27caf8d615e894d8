"""Incident use cases through the command service, with a recording Slack fake."""

from __future__ import annotations

import pytest

from bot.dispatch.grammar import Invocation, parse_declare
from bot.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from bot.ports import DeliveryError
from tests.conftest import BYSTANDER, COORDINATOR
from tests.support.slash import Slash

DECLARE = 'hurricane "Hurricane Xavier" FL,GA severity=high summary="Cat 3 landfall expected"'


@pytest.fixture
def commands(container):
    return Slash(container)


def declare(commands, container, text=DECLARE, user=COORDINATOR):
    reply = commands.declare(parse_declare(text), user=user)
    container.worker.drain()
    return reply


def audit_actions(container):
    with container.db.unit_of_work() as uow:
        return [event.action for event in uow.audit.list()]


def test_declare_creates_channel_invites_pins_and_announces(commands, container, slack):
    reply = declare(commands, container)

    assert "INC-2026-0001" in reply.text
    assert slack.channels == {"C00000001": "inc-2026-0001-hurricane-xavier"}
    assert slack.invites == [("C00000001", [COORDINATOR, "ULEAD0001"])]
    summary = slack.posts[0]
    assert summary["channel"] == "C00000001" and "Hurricane Xavier" in summary["text"]
    assert slack.pins == [("C00000001", summary["ts"])]
    announcement = slack.posts_to("CANNOUNCE1")
    assert len(announcement) == 1 and "<#C00000001>" in announcement[0]
    with container.db.unit_of_work() as uow:
        incident = uow.incidents.by_key("INC-2026-0001")
        assert incident.summary_ts == summary["ts"]
        assert incident.regions == ["FL", "GA"] and incident.severity == "high"
    assert audit_actions(container) == ["incident.declared", "incident.channel_created"]


def test_declared_incidents_are_numbered_per_year(commands, container, clock):
    declare(commands, container)
    declare(commands, container, 'flood "Red River" ND')
    clock.advance(days=40)
    declare(commands, container, 'wildfire "Canyon" CA')
    listed = commands.list("all").text
    assert "INC-2026-0001" in listed and "INC-2026-0002" in listed
    assert "INC-2027-0001" in listed


def test_channel_name_collision_takes_the_next_suffix(commands, container, slack):
    slack.taken_names.add("inc-2026-0001-hurricane-xavier")
    declare(commands, container)
    assert list(slack.channels.values()) == ["inc-2026-0001-hurricane-xavier-2"]


def test_only_coordinators_declare_update_close_and_nothing_is_written(commands, container):
    with pytest.raises(PermissionDenied, match="Only coordinators can declare"):
        commands.declare(parse_declare(DECLARE), user=BYSTANDER)
    declare(commands, container)
    for name, text in (("update", "hi"), ("close", ""), ("reopen", "")):
        with pytest.raises(PermissionDenied, match="Only coordinators"):
            commands.run(Invocation(name, key="INC-2026-0001", text=text), user=BYSTANDER,
                         channel=None)
    assert audit_actions(container) == ["incident.declared", "incident.channel_created"]


def test_group_members_are_coordinators(commands, container, slack):
    commands.declare(parse_declare(DECLARE), user="ULEAD0001")
    assert [c for c in slack.calls if c[0] == "usergroup_members"]


def test_update_in_channel_posts_to_the_channel_and_audits(commands, container, slack):
    declare(commands, container)
    reply = commands.run(Invocation("update", text="Shelters open in Tallahassee"),
                         user=COORDINATOR, channel="C00000001")
    container.worker.drain()
    assert "INC-2026-0001" in reply.text
    assert any("Shelters open in Tallahassee" in t for t in slack.posts_to("C00000001"))
    status = commands.run(Invocation("status"), user=BYSTANDER, channel="C00000001").text
    assert "Shelters open in Tallahassee" in status
    assert audit_actions(container)[-1] == "incident.updated"


def test_update_before_the_channel_exists_waits_for_it(commands, container, slack, clock):
    commands.declare(parse_declare(DECLARE), user=COORDINATOR)
    slack.fail("create_channel", DeliveryError("ratelimited", permanent=False, retry_after=30))
    commands.run(Invocation("update", key="INC-2026-0001", text="Evacuations ordered"),
                 user=COORDINATOR, channel=None)
    container.worker.drain()
    assert slack.posts == []
    clock.advance(seconds=31)
    container.worker.drain()
    clock.advance(seconds=5)
    container.worker.drain()
    assert any("Evacuations ordered" in t for t in slack.posts_to("C00000001"))


def test_close_asks_for_confirmation_then_closes_and_reopens(commands, container, slack):
    declare(commands, container)
    ask = commands.run(Invocation("close", key="INC-2026-0001"), user=COORDINATOR, channel=None)
    assert ask.blocks and ask.blocks[1]["elements"][0]["value"] == "INC-2026-0001"
    assert "incident.closed" not in audit_actions(container)

    commands.confirm_close("INC-2026-0001", user=COORDINATOR)
    with pytest.raises(InvalidTransition, match="already closed"):
        commands.confirm_close("INC-2026-0001", user=COORDINATOR)
    assert "closed" in commands.list("closed").text.lower()
    commands.run(Invocation("reopen", key="INC-2026-0001"), user=COORDINATOR, channel=None)
    container.worker.drain()
    texts = slack.posts_to("C00000001")
    assert any("was closed by" in t for t in texts) and any("was reopened by" in t for t in texts)
    assert audit_actions(container)[-2:] == ["incident.closed", "incident.reopened"]


def test_unknown_incident_and_non_incident_channel(commands, container):
    with pytest.raises(NotFound, match="no incident INC-2026-0042"):
        commands.run(Invocation("status", key="INC-2026-0042"), user=BYSTANDER, channel=None)
    with pytest.raises(InvalidInput, match="not an incident channel"):
        commands.run(Invocation("status"), user=BYSTANDER, channel="CRANDOM01")


def test_list_defaults_to_active(commands, container):
    assert "No active incidents" in commands.list("active").text
    declare(commands, container)
    commands.confirm_close("INC-2026-0001", user=COORDINATOR)
    assert "No active incidents" in commands.list("active").text
    assert "INC-2026-0001" in commands.list("all").text
