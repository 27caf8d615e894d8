"""Acknowledged means durable: replays run once, retries run once, a dead worker loses nothing."""

from __future__ import annotations

import os
import signal

import pytest

from bot.sandbox.harness import live_app
from tests.conftest import COORDINATOR
from tests.support.waiting import wait_until

DECLARE = 'declare hurricane "Hurricane Xavier" FL,GA severity=high'


@pytest.fixture
def live(settings):
    with live_app(settings, coordinators=[COORDINATOR]) as running:
        _, url = running.command(DECLARE, user=COORDINATOR)
        running.wait_response(url)
        yield running


def updates(live, text: str) -> int:
    with live.container.db.unit_of_work(read_only=True) as uow:
        incident = uow.incidents.by_key("INC-2026-0001")
        return sum(1 for entry in incident.timeline if entry.text == text)


def barrier(live) -> None:
    """A later request's reply: everything acknowledged before it has run (one worker, in order)."""
    _, url = live.command("list all", user=COORDINATOR)
    live.wait_response(url)


def test_a_replayed_slash_command_runs_once(live):
    url = live.emulator.new_response_url()
    request = live.requests.command("update INC-2026-0001 Shelters open", user_id=COORDINATOR,
                                    channel_id="CGENERAL1", response_url=url)
    assert [live.post(request).status_code for _ in range(3)] == [200, 200, 200]
    live.wait_response(url)
    barrier(live)
    assert updates(live, "Shelters open") == 1
    replaced = [r.get("replace_original", False) for r in live.responses_to(url)]
    assert replaced in ([False], [False, True])  # the reply, and its edit once the post is out


def test_a_retried_event_runs_once(live):
    general = live.emulator.add_channel("general")
    event = {"type": "app_mention", "user": COORDINATOR, "text": "<@UBOT0001> help?",
             "ts": "1700000000.000100", "channel": general.id, "event_ts": "1700000000.000100"}
    first = live.requests.event(event, event_id="Ev0RETRY1")
    retry = live.requests.event(event, event_id="Ev0RETRY1")
    retry.headers["X-Slack-Retry-Num"] = "1"
    retry.headers["X-Slack-Retry-Reason"] = "http_timeout"
    assert live.post(first).status_code == 200 and live.post(retry).status_code == 200
    other = {**event, "ts": "1700000000.000200", "event_ts": "1700000000.000200"}
    assert live.post(live.requests.event(other, event_id="Ev0OTHER1")).status_code == 200
    replies = wait_until(lambda: len(general.messages) >= 2 and general.messages,
                         what="the two help replies")
    barrier(live)
    assert sorted(m.thread_ts for m in general.messages) == ["1700000000.000100",
                                                             "1700000000.000200"]
    assert len(replies) == 2


def test_a_dead_worker_is_reported_restarted_and_loses_nothing(live):
    worker = live.worker
    os.kill(worker.pid, signal.SIGKILL)
    health = wait_until(lambda: (r := live.http.get(f"{live.server.url}/healthz")).status_code == 503
                        and r, what="the health check to report the dead worker")
    assert health.json()["command_worker"] == "down"
    response, url = live.command("update INC-2026-0001 Buses at noon", user=COORDINATOR)
    assert response.status_code == 200
    assert "Queued" in response.json()["text"] and "Nothing was lost" in response.json()["text"]
    assert "Update added" in live.wait_response(url, timeout_s=60)["text"]
    wait_until(lambda: live.http.get(f"{live.server.url}/healthz").status_code == 200,
               timeout_s=30, what="the health check to recover")
    barrier(live)
    assert updates(live, "Buses at noon") == 1
    assert worker.restarts == 1
