"""Slack names in documents read outside Slack: the chair and reviewers of call notes."""

from __future__ import annotations

from bot.directory.service.people import SlackNames
from bot.dispatch.grammar import Invocation
from bot.notes.service import review as notes_review
from bot.notes.service import versions
from bot.ports import DeliveryError
from tests.conftest import COORDINATOR, OFFICIAL
from tests.support.scenario import declared_with_contacts
from tests.support.slash import Slash


def test_the_chair_and_approver_are_named_as_slack_shows_them(container, slack):
    slack.users.update({COORDINATOR: "Cora Coordinator", OFFICIAL: "Odette Official"})
    commands = declared_with_contacts(container, [])
    commands.run(Invocation("call", key="INC-2026-0001", text="schedule 2026-11-27 11:00 EST"),
                 user=COORDINATOR, channel=None)
    with container.db.unit_of_work() as uow:
        notes = notes_review.draft_for_call(uow, uow.calls.get(1), now=container.clock.now(),
                                            settings=container.settings)
        uow.commit()
        notes_id = notes.id
    Slash(container).approve(notes_id, 1, user=OFFICIAL)
    with container.db.unit_of_work(read_only=True) as uow:
        text = uow.notes.version(notes_id, 1).text
        banner = versions.banner(uow, uow.notes.get(notes_id), settings=container.settings)
    assert "- Chair: Cora Coordinator" in text
    assert "Odette Official" in banner and OFFICIAL not in banner


def test_a_name_slack_cannot_give_leaves_the_id_and_is_asked_again_later(clock, slack):
    names = SlackNames(slack, clock)
    slack.fail("user_name", DeliveryError("ratelimited", permanent=False))
    assert names.lookup("U0NEW0001") is None
    slack.users["U0NEW0001"] = "Nia New"
    assert names.lookup("U0NEW0001") == "Nia New"
    assert names.lookup("U0NEW0001") == "Nia New"
    assert [c for c, _ in slack.calls if c == "user_name"] == ["user_name", "user_name"]
    assert names.lookup("C0CHANNEL") is None and names.lookup(None) is None
