"""``/metrics`` and ``/readyz`` over real HTTP: in the app wired to the emulators, and in a real
``coordbot serve`` (its worker child's counters reach the web's ``/metrics``) with JSON logs."""

from __future__ import annotations

import json
import os
import random
import signal
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.directory.rules.contacts import ContactRecord
from bot.directory.service import contacts as directory
from bot.logs import CONTEXT_FIELDS
from bot.sandbox.harness import live_app
from bot.sandbox.server import free_port
from bot.sandbox.slack import SlackEmulator, SlackRequests
from tests.conftest import COORDINATOR
from tests.support.processes import Worker, clean_env
from tests.support.waiting import wait_until

ANA, MINH = "+12025550101", "+12025550102"
PEOPLE = [ContactRecord(name="Ana Ruiz", phone=ANA, language="es", regions=("FL",)),
          ContactRecord(name="Minh Tran", phone=MINH, language="vi", regions=("FL",))]
DECLARE = 'declare hurricane "Hurricane Xavier" FL'


def own_lock_key(settings):
    """A scheduler lock key of this test's own: other tests' schedulers share the server."""
    return settings.model_copy(update={"scheduler": settings.scheduler.model_copy(
        update={"lock_key": random.randrange(1, 2**62)})})


def scrape(url: str) -> dict[tuple[str, tuple], float]:
    response = httpx.get(f"{url}/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(response.text)
               for s in family.samples}
    # Ana's number, whole or its last digits, in no name or label (a value such as a latency
    # sum may hold the digits 0101 by chance).
    assert not any(ANA in str(key) or "0101" in str(key) for key in samples)
    assert ANA not in response.text
    return samples


def total(samples: dict, name: str, **labels: str) -> float:
    return sum(value for (sample, pairs), value in samples.items()
               if sample == name and labels.items() <= dict(pairs).items())


@pytest.fixture
def live(settings):
    settings.sms.small_send_hold_s = 0  # a small notice goes at once: no undo window to wait out
    with live_app(own_lock_key(settings), coordinators=[COORDINATOR]) as running:
        with running.container.db.unit_of_work() as uow:
            directory.import_records(uow, PEOPLE, source="t", actor="t",
                                     now=running.container.clock.now())
            uow.commit()
        _, url = running.command(DECLARE, user=COORDINATOR)
        running.wait_response(url)
        yield running


def incident_channel(live) -> str:
    def found():
        with live.container.db.unit_of_work() as uow:
            incidents = uow.incidents.list(status=None)
            return incidents[0].channel_id if incidents and incidents[0].channel_id else None
    return wait_until(found, what="the incident channel")


def test_after_a_notice_the_outbox_and_delivery_series_have_the_expected_values(live):
    channel = incident_channel(live)
    _, url = live.command("notify Shelters open.\nes: Refugios abiertos.", user=COORDINATOR,
                          channel=channel)
    assert "2 recipients" in live.wait_response(url)["text"]
    wait_until(lambda: len(live.twilio.messages) == 2, what="two SMS", timeout_s=20)
    assert live.twilio.wait_for_callbacks(10)

    def delivered():
        got = scrape(live.server.url)
        return got if total(got, "coordbot_outbox_messages", kind="sms",
                            status="delivered") == 2 else None
    got = wait_until(delivered, what="two delivered SMS in /metrics", timeout_s=30)
    assert total(got, "coordbot_outbox_messages", kind="sms") == 2
    assert total(got, "coordbot_outbox_messages_oldest_age_seconds", kind="sms") == 0
    assert got[("coordbot_database_up", ())] == 1
    # Acknowledged in this (the web) process: the declare and the notify, by kind of request.
    assert total(got, "coordbot_ack_seconds_count", request="DeclareIncident") >= 1
    assert total(got, "coordbot_ack_seconds_count", request="DraftNotice") >= 1
    assert total(got, "coordbot_ack_seconds_bucket", request="DraftNotice", le="+Inf") >= 1


def test_readyz_is_200_when_all_is_well_and_names_a_dead_worker(live):
    response = live.http.get(f"{live.server.url}/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["problems"] == {}
    os.kill(live.worker.pid, signal.SIGKILL)
    def named():
        response = live.http.get(f"{live.server.url}/readyz")
        return response.status_code == 503 and "command_worker" in response.json()["problems"] \
            and response
    # On PostgreSQL the scheduler's lock goes with the child, so "scheduler" may be named too.
    dead = wait_until(named, what="/readyz to name the dead worker")
    assert dead.json()["status"] == "error"
    assert dead.json()["problems"]["command_worker"] == (
        "down: the command worker process is not running")
    wait_until(lambda: live.http.get(f"{live.server.url}/readyz").status_code == 200,
               timeout_s=30, what="/readyz to recover once the worker is restarted")


def test_readyz_names_a_schema_behind_the_newest_migration(live):
    with live.container.db.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0009'")
    response = live.http.get(f"{live.server.url}/readyz")
    assert response.status_code == 503
    assert list(response.json()["problems"]) == ["migrations"]
    assert "coordbot db upgrade" in response.json()["problems"]["migrations"]


SECRET, TOKEN = "observe-test-signing-secret", "xoxb-observe-test"


def write_config(path: Path, *, database_url: str, emulator: SlackEmulator, port: int) -> Path:
    q = json.dumps
    path.write_text(
        'log_format = "json"\n\n'
        f"[database]\nurl = {q(database_url)}\n\n"
        f"[server]\nhost = \"127.0.0.1\"\nport = {port}\n"
        f"public_base_url = {q(f'http://127.0.0.1:{port}')}\n\n"
        f"[slack]\nbot_token = {q(TOKEN)}\nsigning_secret = {q(SECRET)}\n"
        f"api_base_url = {q(emulator.base_url)}\n\n"
        f"[roles]\ncoordinators = [{q(COORDINATOR)}]\n\n"
        f"[scheduler]\nlock_key = {random.randrange(1, 2**62)}\n\n"
        "[outbox]\npoll_interval_s = 0.2\n")
    return path


def test_coordbot_serve_adds_up_its_worker_childs_counters_and_logs_json(tmp_path, database_url):
    with SlackEmulator(bot_token=TOKEN) as emulator:
        emulator.add_channel("incident-announcements")
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        config = write_config(tmp_path / "coordbot.toml", database_url=database_url,
                              emulator=emulator, port=port)
        env = clean_env()
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        serve = Worker("--config", str(config), "--upgrade", command="serve",
                       log_path=tmp_path / "serve.log", env=env)
        try:
            wait_until(lambda: serve.check_alive() or _answers(url), timeout_s=60,
                       what=f"coordbot serve to answer\n{serve.log()}")
            request = SlackRequests(SECRET).command(
                DECLARE, user_id=COORDINATOR, channel_id="CGENERAL1",
                response_url=emulator.new_response_url())
            assert httpx.post(f"{url}/slack/events", content=request.body,
                              headers=request.headers, timeout=10).status_code == 200

            def posted():  # a send is counted as it is recorded, a moment before the commit
                got = scrape(url)
                return got if total(got, "coordbot_outbox_sends_total", outcome="sent") >= 2 \
                    and total(got, "coordbot_outbox_messages", status="sent") >= 2 else None
            got = wait_until(posted, timeout_s=30, what=f"sends counted\n{serve.log()}")
            assert total(got, "coordbot_outbox_messages", status="sent") >= 2
            assert total(got, "coordbot_ack_seconds_count", request="DeclareIncident") == 1
            assert total(got, "coordbot_scheduler_ticks_total", result="led") >= 1
            assert httpx.get(f"{url}/readyz", timeout=10).json()["problems"] == {}
        finally:
            serve.terminate()
    lines = [line for line in serve.log_path.read_text().splitlines() if line.strip()]
    parsed = [json.loads(line) for line in lines]  # every line, the worker child's included
    assert all(set(CONTEXT_FIELDS) <= set(line) for line in parsed)
    run = [line for line in parsed if line["request_kind"] == "DeclareIncident"]
    assert run and len({line["request_id"] for line in run}) == 1, run
    assert {line["process"] for line in parsed} >= {"MainProcess", "coordbot-worker"}


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
