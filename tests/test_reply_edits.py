"""Replies say "queued" until the post exists, then are edited in place, once, to say where it is."""

from __future__ import annotations

import pytest

from bot.dispatch.dispatcher import Actor
from bot.dispatch.grammar import parse_invocation
from bot.dispatch.inbox import InboxRunner, Work, record
from bot.dispatch.slash import command_for
from bot.outbox import follow_ups
from bot.ports import DeliveryError
from tests.conftest import COORDINATOR
from tests.support.scenario import declared_with_contacts

URL = "https://hooks.slack.example/commands/T1/1/abc"
KEY = "INC-2026-0001"


@pytest.fixture
def commands(container):
    return declared_with_contacts(container, [])


@pytest.fixture
def runner(container):
    return InboxRunner(db=container.db, inbox=container.inbox_db,
                       dispatcher=container.dispatcher, clock=container.clock,
                       wakeup=container.wakeup)


def channel_of(container) -> str:
    with container.db.unit_of_work(read_only=True) as uow:
        return uow.incidents.by_key(KEY).channel_id


def slash(container, runner, text: str, *, dedupe: str = "req-1",
          reply_to: dict | None = None, times: int = 1) -> None:
    """``text`` typed by the coordinator, acknowledged ``times`` (a replay), run by the worker."""
    work = Work(command_for(parse_invocation(text)), Actor(COORDINATOR, "CGENERAL1"),
                {"response_url": URL} if reply_to is None else reply_to)
    appender = container.inbox_db.inbox_appender()
    for _ in range(times):
        record(appender, container.clock, [(dedupe, work)])
    runner.drain_once()


def responses(slack) -> list[dict]:
    return [r for r in slack.responses if r["url"] == URL]


def edit_rows(container) -> list[tuple[str, str]]:
    """(key, status) of every queued edit of a reply."""
    with container.db.unit_of_work(read_only=True) as uow:
        return [(m.idempotency_key, m.status) for m in uow.outbox.list()
                if m.idempotency_key.startswith(follow_ups.EDIT_PREFIX)]


def test_an_update_reply_says_queued_then_is_edited_once_with_the_link(container, commands,
                                                                      runner, slack):
    channel = channel_of(container)
    slash(container, runner, f"update {KEY} Shelter at Lincoln High is open", times=3)
    container.worker.drain()
    first, edit = responses(slack)
    assert f"queued for <#{channel}>" in first["text"] and "posted in" not in first["text"]
    assert follow_ups.EDITABLE_SUFFIX in first["text"] and not first["replace_original"]
    post = next(p for p in slack.posts if "Lincoln High" in p["text"])
    assert edit["replace_original"] is True
    assert f"is posted in <#{channel}>" in edit["text"]
    assert f"archives/{channel}/p{post['ts'].replace('.', '')}" in edit["text"]
    container.worker.drain()
    assert len(responses(slack)) == 2 and len(edit_rows(container)) == 1


def test_a_lost_answer_of_the_post_still_edits_the_reply_once(container, commands, runner,
                                                             slack, clock):
    slack.lose_answer("post")
    slash(container, runner, f"update {KEY} Buses leave at noon")
    container.worker.drain()
    assert len(responses(slack)) == 1  # the post's outcome is unknown: no edit yet
    clock.advance(minutes=5)
    container.worker.drain()
    assert sum("Buses leave" in p["text"] for p in slack.posts) == 1
    edits = [r for r in responses(slack) if r["replace_original"]]
    assert len(edits) == 1 and "is posted in" in edits[0]["text"]
    with container.db.unit_of_work() as uow:  # the worker recording that row again changes nothing
        row = uow.outbox.by_key(edit_rows(container)[0][0].split(":", 2)[2])
        follow_ups.queue_edits(uow, [(row, None)], clock.now())
        uow.commit()
    container.worker.drain()
    assert len(edit_rows(container)) == 1 and len(responses(slack)) == 2


def test_declare_says_the_channel_is_queued_then_names_it(container, runner, slack):
    slash(container, runner, 'declare hurricane "Hurricane Xavier" FL,GA severity=high')
    container.worker.drain()
    first, edit = responses(slack)
    assert "queued to be created" in first["text"] and not first["replace_original"]
    assert edit["replace_original"] and f"is ready: <#{channel_of(container)}>" in edit["text"]


def test_an_update_before_the_channel_exists_says_it_waits_for_it(container, runner, slack):
    slash(container, runner, 'declare hurricane "Hurricane Xavier" FL,GA severity=high',
          dedupe="req-0", reply_to={"response_url": f"{URL}-declare"})
    slash(container, runner, f"update {KEY} Roads closed")
    container.worker.drain()
    container.clock.advance(seconds=5)  # the post that waited for the channel
    container.worker.drain()
    first, edit = responses(slack)
    assert "as soon as it is created" in first["text"]
    assert edit["replace_original"] and "Update added" in edit["text"]
    assert f"posted in <#{channel_of(container)}>" in edit["text"]


def test_a_refused_post_edits_the_reply_to_say_so(container, commands, runner, slack):
    slack.fail("post", DeliveryError("is_archived", "archived", permanent=True))
    slash(container, runner, f"update {KEY} Curfew at 9pm")
    container.worker.drain()
    edit = responses(slack)[-1]
    assert edit["replace_original"]
    assert "could not be posted: the channel is archived" in edit["text"]
    assert "posted in" not in edit["text"]


def test_no_edit_once_the_response_url_has_expired(container, commands, runner, slack, clock):
    slash(container, runner, f"update {KEY} Water at the depot", dedupe="req-late")
    clock.advance(minutes=31)
    container.worker.drain()
    assert [r["replace_original"] for r in responses(slack)] == [False]
    assert edit_rows(container) == []


def test_an_edit_held_back_past_the_deadline_is_not_sent(container, commands, runner, slack,
                                                         clock):
    slash(container, runner, f"update {KEY} Generators arrive")
    container.worker.drain_once()  # the reply and the post go; the edit is queued
    clock.advance(minutes=30)
    container.worker.drain()
    assert [r["replace_original"] for r in responses(slack)] == [False]
    assert [status for _, status in edit_rows(container)] == ["suppressed"]


def test_an_edit_waits_for_the_reply_it_replaces(container, commands, runner, slack):
    slack.fail("respond", DeliveryError("timeout", "slow", permanent=False))
    slash(container, runner, f"update {KEY} Clinic moved")
    container.worker.drain_once()  # the reply failed for now; the post went, the edit is queued
    assert responses(slack) == []
    container.worker.drain_once()  # the edit is not sent before the reply
    assert responses(slack) == []
    for _ in range(2):  # the reply goes, then the edit that waited for it
        container.clock.advance(minutes=1)
        container.worker.drain()
    assert [r["replace_original"] for r in responses(slack)] == [False, True]


@pytest.mark.parametrize("reply_to", [{"channel": "CGENERAL1", "user": COORDINATOR},
                                      {"response_url": URL, "replace_original": False}])
def test_a_reply_that_cannot_be_replaced_says_where_to_look(container, commands, runner, slack,
                                                           reply_to):
    slash(container, runner, f"update {KEY} Hotline open", reply_to=reply_to)
    container.worker.drain()
    said = [r["text"] for r in slack.responses + slack.ephemerals]
    assert len(said) == 1 and follow_ups.NOT_EDITABLE_SUFFIX in said[0]
    assert edit_rows(container) == []
