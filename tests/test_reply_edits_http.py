"""Over HTTP: a reply says "queued", then Slack sees it replaced once with the post's link."""

from __future__ import annotations

import pytest

from bot.sandbox.harness import live_app
from tests.conftest import COORDINATOR
from tests.support.waiting import wait_until

DECLARE = 'declare hurricane "Hurricane Xavier" FL,GA severity=high'


@pytest.fixture
def live(settings):
    with live_app(settings, coordinators=[COORDINATOR]) as running:
        yield running


def test_a_replayed_update_is_answered_queued_then_edited_once_with_its_link(live):
    _, url = live.command(DECLARE, user=COORDINATOR)
    declared = wait_until(lambda: len(live.responses_to(url)) == 2 and live.responses_to(url),
                          what="the declare reply and its edit")
    assert "queued to be created" in declared[0]["text"]
    assert declared[1]["replace_original"] is True and "is ready: <#C" in declared[1]["text"]
    with live.container.db.unit_of_work(read_only=True) as uow:
        channel = uow.incidents.by_key("INC-2026-0001").channel_id

    url = live.emulator.new_response_url()
    request = live.requests.command("update Shelters open in Valdosta", user_id=COORDINATOR,
                                    channel_id=channel, response_url=url)
    assert [live.post(request).status_code for _ in range(3)] == [200, 200, 200]
    first, edit = wait_until(lambda: len(live.responses_to(url)) == 2 and live.responses_to(url),
                             what="the update's reply and its edit")
    assert f"queued for <#{channel}>" in first["text"] and not first.get("replace_original")
    post = next(m for m in live.emulator.channels[channel].messages if "Valdosta" in m.text)
    assert edit["replace_original"] is True
    assert f"is posted in <#{channel}>" in edit["text"]
    assert f"/archives/{channel}/p{post.ts.replace('.', '')}" in edit["text"]

    _, later = live.command("list all", user=COORDINATOR)  # everything before it has run
    live.wait_response(later)
    with live.container.db.unit_of_work(read_only=True) as uow:
        edits = [m for m in uow.outbox.list() if m.purpose == "reply_edit"
                 and m.payload["response_url"] == url]
        assert [m.status for m in edits] == ["sent"]
    assert len(live.responses_to(url)) == 2
