"""SIGKILL ``coordbot serve`` (or only its worker child) while commands are in flight: after a
restart, every command that got HTTP 200 ran exactly once, and none ran twice.

The commands are ``/incident update`` with a distinct text each, so the timeline counts them.
``COORDBOT_CRASH_COMMANDS`` raises the number of commands (200 by default).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from bot.db.unit_of_work import Database
from bot.sandbox.server import free_port
from bot.sandbox.slack import SlackEmulator, SlackRequests
from tests.conftest import COORDINATOR
from tests.support.processes import Worker, clean_env, worker_children
from tests.support.waiting import wait_until

COMMANDS = int(os.environ.get("COORDBOT_CRASH_COMMANDS", "200"))
SECRET = "crash-test-signing-secret"
TOKEN = "xoxb-crash-test"
KEY = "INC-2026-0001"


def write_config(path: Path, *, database_url: str, emulator: SlackEmulator, port: int) -> Path:
    q = json.dumps
    path.write_text(
        f"[database]\nurl = {q(database_url)}\n\n"
        f"[server]\nhost = \"127.0.0.1\"\nport = {port}\n"
        f"public_base_url = {q(f'http://127.0.0.1:{port}')}\n\n"
        f"[slack]\nbot_token = {q(TOKEN)}\nsigning_secret = {q(SECRET)}\n"
        f"api_base_url = {q(emulator.base_url)}\n\n"
        f"[roles]\ncoordinators = [{q(COORDINATOR)}]\n\n"
        "[outbox]\npoll_interval_s = 0.2\n")
    return path


class Service:
    def __init__(self, tmp_path: Path, database_url: str, emulator: SlackEmulator):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = write_config(tmp_path / "coordbot.toml", database_url=database_url,
                                   emulator=emulator, port=self.port)
        self.log_path = tmp_path / "serve.log"
        self.emulator, self.requests = emulator, SlackRequests(SECRET)
        self.process: Worker | None = None

    def start(self) -> None:
        self.process = Worker("--config", str(self.config), "--no-scheduler", "--upgrade", command="serve",
                              log_path=self.log_path, env=clean_env())
        wait_until(self._healthy, timeout_s=60, what=f"coordbot serve to answer\n{self._log()}")

    def _healthy(self) -> bool:
        self.process.check_alive()
        try:
            return httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def _log(self) -> str:
        return self.process.log() if self.process else ""

    def command(self, text: str) -> bool:
        """True when the command was acknowledged with HTTP 200."""
        request = self.requests.command(text, user_id=COORDINATOR, channel_id="CGENERAL1",
                                        response_url=self.emulator.new_response_url())
        try:
            response = httpx.post(f"{self.url}/slack/events", content=request.body,
                                  headers=request.headers, timeout=10)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    def worker_child(self) -> int:
        """The command worker child (not ``multiprocessing``'s resource tracker, also a child)."""
        found = worker_children(self.process.pid)
        assert len(found) == 1, f"serve's worker children: {found}\n{self._log()}"
        return found[0]


def updates(db: Database) -> Counter:
    with db.unit_of_work(read_only=True) as uow:
        incident = uow.incidents.by_key(KEY)
        return Counter(e.text for e in incident.timeline if e.text.startswith("crash-"))


@pytest.fixture
def service(tmp_path, database_url):
    with SlackEmulator(bot_token=TOKEN) as emulator:
        emulator.add_channel("incident-announcements")
        running = Service(tmp_path, database_url, emulator)
        running.start()
        try:
            yield running
        finally:
            if running.process is not None:
                running.process.kill_group()


def burst_with_a_kill(service: Service, kill) -> set[str]:
    """Sends the commands from 16 threads and calls ``kill`` after a third were acknowledged."""
    acked: set[str] = set()
    texts = [f"crash-{i:04d}" for i in range(COMMANDS)]
    killed = False

    def send(text: str) -> None:
        nonlocal killed
        if service.command(f"update {KEY} {text}"):
            acked.add(text)
        if not killed and len(acked) >= COMMANDS // 3:
            killed = True
            kill()

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(send, texts))
    return acked


def declared(service: Service) -> None:
    assert service.command('declare hurricane "Hurricane Xavier" FL,GA')
    db = Database(_db_url(service))
    try:
        wait_until(lambda: _incident_exists(db), timeout_s=30, what="the incident")
    finally:
        db.dispose()


def _db_url(service: Service) -> str:
    return json.loads(service.config.read_text().split("url = ", 1)[1].split("\n", 1)[0])


def _incident_exists(db: Database) -> bool:
    with db.unit_of_work(read_only=True) as uow:
        return uow.incidents.by_key(KEY) is not None


def check_each_acked_ran_once(service: Service, acked: set[str]) -> None:
    db = Database(_db_url(service))
    try:
        wait_until(lambda: acked <= set(updates(db)), timeout_s=120,
                   what="every acknowledged command to run")
        seen = updates(db)
    finally:
        db.dispose()
    twice = {text: n for text, n in seen.items() if n > 1}
    assert not twice, f"ran more than once: {twice}"
    print(f"\n{len(acked)} of {COMMANDS} acknowledged; {len(seen)} ran; none twice")


def test_a_killed_service_runs_every_acknowledged_command_once_after_restart(service):
    declared(service)
    acked = burst_with_a_kill(service, service.process.kill_group)
    assert acked, "nothing was acknowledged before the kill"
    service.start()
    check_each_acked_ran_once(service, acked)


def test_a_killed_worker_child_loses_no_acknowledged_command(service):
    declared(service)
    acked = burst_with_a_kill(service, lambda: os.kill(service.worker_child(), 9))
    assert len(acked) == COMMANDS, "the web process answers while its worker restarts"
    check_each_acked_ran_once(service, acked)
    assert service.process.lines_with("the command worker process stopped"), "nothing was killed"
