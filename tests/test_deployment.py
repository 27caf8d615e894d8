"""The deployment of ``compose.yaml``, as real processes on PostgreSQL.

The migration step runs twice at once; then two web replicas (``serve --no-scheduler``) and two
``worker --scheduler`` processes start, all with ``--log-format json``. A coordinator's day goes
through signed Slack requests alternating between the replicas, with the contacts' answers as
signed Twilio webhooks (signed over the public URL, as Twilio signs them, and posted to either
replica, as a load balancer forwards them): declare, an SMS notice, a call scheduled, an RSVP
"no", the first reminder. Then the scheduler's leader is killed (its standby paused, so that
``/readyz`` has a moment with no leader to report), and the worker child of one replica too:
``/readyz`` names both, the standby takes over, the child comes back, and the second reminder
still goes once.

Checked: one scheduler leader at a time; every SMS row reached Twilio exactly once, none went to
the contact who said no after the "no"; ``/readyz`` green on both replicas; the replicas' and
the workers' ``/metrics`` parse, their sends add up to the texts sent and one process says it
leads; every log line of every process (the migration jobs' too) parses as JSON with the
context fields and names no phone number in any format.

Time runs 40 times faster than the wall clock for the bot (``sandbox_clock``), so the call "in 12
minutes" is 18 s away and its reminders (10 and 3 minutes before) come 3 s and 13.5 s after it
is scheduled: the leader is lost in between. Every wait polls with a deadline.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.db.unit_of_work import Database
from bot.directory.rules.contacts import ContactRecord
from bot.directory.service import contacts as directory
from bot.logs import CONTEXT_FIELDS
from bot.sandbox.server import free_port
from bot.sandbox.slack import SlackEmulator, SlackRequests
from bot.sandbox.twilio import TwilioEmulator
from tests.conftest import COORDINATOR
from tests.support.hostile import twilio_signature
from tests.support.processes import COORDBOT, Worker, clean_env, worker_children
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]

SECRET, TOKEN = "deployment-test-signing-secret", "xoxb-deployment-test"
SMS_NUMBER = "+12025550100"
SPEED = 40.0
ANA, MINH, JOE = "+12025550131", "+12025550132", "+12025550133"
PEOPLE = [ContactRecord(name="Ana Ruiz", phone=ANA, language="es", regions=("FL",)),
          ContactRecord(name="Minh Tran", phone=MINH, language="vi", regions=("FL",)),
          ContactRecord(name="Joe Park", phone=JOE, language="en", regions=("FL",))]
LEADER_LINE = "this process now runs the scheduler"
LOG_FIELDS = ("time", "level", "logger", "process", "message", *CONTEXT_FIELDS)


def phone_forms(phone: str) -> list[str]:
    """Every way a log line could spell ``phone`` (E.164 +1NPANXXXXXX)."""
    digits = phone.removeprefix("+1")
    a, b, c = digits[:3], digits[3:6], digits[6:]
    return [phone, "1" + digits, digits, f"({a}) {b}-{c}", f"({a}){b}-{c}", f"{a}-{b}-{c}",
            f"{a}.{b}.{c}", f"{a} {b} {c}", f"+1 {a} {b} {c}", f"+1-{a}-{b}-{c}",
            f"1-{a}-{b}-{c}", f"+1 ({a}) {b}-{c}"]


# ----- the deployment ------------------------------------------------------------------------
def write_config(path: Path, *, url: str, slack: SlackEmulator, twilio: TwilioEmulator,
                 announcements: str, public: str) -> Path:
    q = json.dumps
    path.write_text(
        f"[database]\nurl = {q(url)}\n\n"
        f"[server]\nhost = \"127.0.0.1\"\npublic_base_url = {q(public)}\n\n"
        f"[slack]\nbot_token = {q(TOKEN)}\nsigning_secret = {q(SECRET)}\n"
        f"api_base_url = {q(slack.base_url)}\nannouncements_channel = {q(announcements)}\n\n"
        f"[twilio]\naccount_sid = {q(twilio.account_sid)}\nauth_token = {q(twilio.auth_token)}\n"
        f"api_base_url = {q(twilio.base_url)}\nfrom_number = {q(SMS_NUMBER)}\n\n"
        f"[roles]\ncoordinators = [{q(COORDINATOR)}]\n\n"
        "[sms]\nrate_per_s = 0\nsmall_send_hold_s = 0\nconfirm_threshold = 10\n\n"
        "[calls]\nreminder_offsets_min = [10, 3]\n\n"
        f"[scheduler]\ntick_s = 0.1\nlock_key = {random.randrange(1, 2**62)}\n\n"
        # Leases and thresholds are on the compressed clock: long enough not to fire here.
        "[outbox]\npoll_interval_s = 0.1\nlease_s = 1200\n\n"
        "[health]\noutbox_stuck_s = 3600\nscheduler_late_s = 3600\n\n"
        f"[sandbox_clock]\norigin = {datetime.now(UTC).isoformat()}\nspeed = {SPEED}\n")
    return path


@dataclass
class Web:
    process: Worker
    url: str

    def readyz(self) -> httpx.Response:
        return httpx.get(f"{self.url}/readyz", timeout=10)


@dataclass
class Deployment:
    tmp: Path
    config: Path
    db: Database
    slack: SlackEmulator
    twilio: TwilioEmulator
    public: str
    webs: list[Web]
    workers: list[Worker]
    metrics: dict[str, str]  # worker name -> its /metrics URL
    requests: SlackRequests
    killed: list[Worker] = field(default_factory=list)

    @property
    def processes(self) -> list[Worker]:
        return [web.process for web in self.webs] + self.workers

    def logs(self) -> str:
        return "\n".join(f"--- {p.name} (alive={p.alive()}) ---\n{p.log(3000)}"
                         for p in self.processes)

    def command(self, web: Web, text: str, *, channel: str = "CGENERAL1") -> dict:
        """A slash command to ``web``; the answer the worker sent to its response URL."""
        response_url = self.slack.new_response_url()
        request = self.requests.command(text, user_id=COORDINATOR, channel_id=channel,
                                        response_url=response_url)
        answer = httpx.post(f"{web.url}/slack/events", content=request.body,
                            headers=request.headers, timeout=10)
        assert answer.status_code == 200, answer.text
        return wait_until(lambda: [b for target, b in self.slack.responses
                                   if target == response_url],
                          timeout_s=20, what=f"the answer to {text!r}", describe=self.logs)[-1]

    def text_in(self, web: Web, sender: str, body: str) -> httpx.Response:
        """An SMS from ``sender``: signed over the public URL, as Twilio signs it, and posted
        to ``web``, as the load balancer forwards it."""
        params = {"MessageSid": "SM" + os.urandom(16).hex(), "AccountSid": self.twilio.account_sid,
                  "From": sender, "To": SMS_NUMBER, "Body": body, "NumMedia": "0"}
        signature = twilio_signature(self.twilio.auth_token, f"{self.public}/twilio/sms", params)
        return httpx.post(f"{web.url}/twilio/sms", data=params, timeout=10,
                          headers={"X-Twilio-Signature": signature})

    def all_ready(self) -> bool:
        for process in self.processes:
            if process not in self.killed:
                process.check_alive()
        return all(_status(web.readyz) == 200 for web in self.webs)

    def sms_rows(self) -> list[tuple[str, str, str, str | None]]:
        """(key, recipient, status, provider id) of every SMS row."""
        with self.db.unit_of_work(read_only=True) as uow:
            return [(r.idempotency_key, r.recipient, r.status, r.provider_id)
                    for r in uow.outbox.list() if r.kind == "sms"]

    def drained(self) -> bool:
        with self.db.unit_of_work(read_only=True) as uow:
            counts = uow.outbox.count_by_status()
        return not any(counts.get(s) for s in ("pending", "sending", "unknown"))

    def texts(self) -> Counter:
        with self.twilio.lock:
            return Counter(m.to for m in self.twilio.messages)

    def reminders(self) -> list[str]:
        return sorted(key for key, _, _, _ in self.sms_rows() if key.startswith("reminder:"))

    def leaders(self) -> list[Worker]:
        return [w for w in self.workers if w.alive() and w.lines_with(LEADER_LINE)]


def migrate_twice_at_once(tmp: Path, env: dict[str, str]) -> None:
    """Two migration jobs at once on the empty schema: both succeed (one waits for the other's
    lock) and log JSON; the schema is at head."""
    jobs = [subprocess.Popen([str(COORDBOT), "db", "upgrade", "--log-format", "json"], cwd=tmp,
                             env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            for _ in range(2)]
    outputs = [job.communicate(timeout=60)[0] for job in jobs]
    assert [job.returncode for job in jobs] == [0, 0], outputs
    for output in outputs:
        lines = [json.loads(line) for line in output.splitlines() if line.strip()]
        assert all(set(LOG_FIELDS) <= set(line) for line in lines), output
        assert any(line["message"].startswith("database schema is up to date at revision")
                   for line in lines), output


@pytest.fixture
def deployment(postgresql_url, tmp_path) -> Iterator[Deployment]:
    with SlackEmulator(bot_token=TOKEN) as slack, TwilioEmulator() as twilio:
        slack.add_channel("general", members=[COORDINATOR])
        announcements = slack.add_channel("incident-announcements").id
        ports = [free_port(), free_port()]
        public = f"http://127.0.0.1:{ports[0]}"  # Twilio's callbacks reach the first replica
        config = write_config(tmp_path / "coordbot.toml", url=postgresql_url, slack=slack,
                              twilio=twilio, announcements=announcements, public=public)
        env = clean_env()
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        migrate_twice_at_once(tmp_path, {**env, "COORDBOT_DATABASE__URL": postgresql_url})
        common = ("--config", str(config), "--log-format", "json")
        webs = [Web(Worker(*common, "--no-scheduler", "--port", str(port), command="serve",
                           log_path=tmp_path / f"web-{n}.log", env=env),
                    f"http://127.0.0.1:{port}") for n, port in zip("ab", ports, strict=True)]
        metrics_ports = {"worker-1": free_port(), "worker-2": free_port()}
        workers = [Worker(*common, "--scheduler", "--metrics-port", str(port),
                          log_path=tmp_path / f"{name}.log", env=env)
                   for name, port in metrics_ports.items()]
        db = Database(postgresql_url)
        running = Deployment(tmp_path, config, db, slack, twilio, public, webs, workers,
                             {name: f"http://127.0.0.1:{port}/metrics"
                              for name, port in metrics_ports.items()},
                             SlackRequests(SECRET))
        try:
            yield running
        finally:
            for process in running.processes:
                process.kill_group()
            db.dispose()


# ----- the test ------------------------------------------------------------------------------
def test_two_replicas_and_two_workers_run_a_day_and_survive_losing_the_leader(deployment):
    d = deployment
    a, b = d.webs
    wait_until(d.all_ready, timeout_s=60, poll_s=0.1, what="every replica ready",
               describe=lambda: f"{[_body(w.readyz) for w in d.webs]}\n{d.logs()}")
    assert len(d.leaders()) == 1, d.logs()
    with d.db.unit_of_work() as uow:
        directory.import_records(uow, PEOPLE, source="deployment-test", actor="t",
                                 now=datetime.now(UTC))
        uow.commit()

    # Declare on one replica, the notice on the other.
    assert "INC-" in json.dumps(d.command(a, 'declare hurricane "Hurricane Xavier" FL'))
    channel = wait_until(lambda: _incident_channel(d.db), timeout_s=20, what="the channel",
                         describe=d.logs)
    notice = d.command(b, "notify Shelters open at Lincoln High.\nes: Refugios abiertos.",
                       channel=channel)
    assert "3 recipients" in json.dumps(notice), notice
    wait_until(lambda: d.texts() == Counter({ANA: 1, MINH: 1, JOE: 1}), timeout_s=20,
               what="the notice to each contact once", describe=lambda: f"{d.texts()}")
    wait_until(d.drained, timeout_s=20, what="the notice's rows done", describe=d.logs)
    _check_metrics_add_up(d, sent=3)

    # The call, scheduled on the first replica; Joe says no through the second.
    scheduled = d.command(a, "call schedule in 12 minutes for 30m", channel=channel)
    assert "call" in json.dumps(scheduled).lower(), scheduled
    answer = d.text_in(b, JOE, "NO")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(
        "application/xml"), answer.text
    wait_until(lambda: len(d.reminders()) == 2, timeout_s=30, what="the first reminder",
               describe=lambda: f"{d.reminders()}\n{d.logs()}")
    wait_until(d.drained, timeout_s=20, what="the first reminders sent", describe=d.logs)
    first = d.reminders()
    assert {key.rsplit(":", 2)[-2] for key in first} == {"10"}, first
    assert d.texts() == Counter({ANA: 3, MINH: 3, JOE: 2}), d.texts()  # notice, invite, reminder
    assert d.all_ready()

    # Lose the leader (its standby paused), then one replica's worker child.
    (leader,) = d.leaders()
    standby = next(w for w in d.workers if w is not leader)
    os.kill(standby.pid, signal.SIGSTOP)
    try:
        d.killed.append(leader)
        leader.kill()
        for web in d.webs:
            leaderless = wait_until(lambda web=web: _problem(web, "scheduler"), timeout_s=10,
                                    poll_s=0.05, what=f"{web.url}/readyz to name no leader")
            assert leaderless.startswith("no leader"), leaderless
        (child,) = worker_children(b.process.pid)
        os.kill(child, signal.SIGKILL)
        down = wait_until(lambda: _problem(b, "command_worker"), timeout_s=10, poll_s=0.02,
                          what="the replica's /readyz to name its dead worker child")
        assert down == "down: the command worker process is not running"
        assert len(d.reminders()) == 2, "the second reminder came before the leader was lost"
    finally:
        os.kill(standby.pid, signal.SIGCONT)
    wait_until(lambda: standby.lines_with(LEADER_LINE), timeout_s=10, what="the standby to lead",
               describe=d.logs)
    wait_until(d.all_ready, timeout_s=30, poll_s=0.1, what="every replica ready again",
               describe=lambda: f"{[_body(w.readyz) for w in d.webs]}\n{d.logs()}")
    assert worker_children(b.process.pid) not in ([], [child])

    # The second reminder, fired by the standby, once.
    wait_until(lambda: len(d.reminders()) == 4, timeout_s=30, what="the second reminder",
               describe=lambda: f"{d.reminders()}\n{d.logs()}")
    wait_until(d.drained, timeout_s=20, what="every row done", describe=d.logs)
    assert {key.rsplit(":", 2)[-2] for key in d.reminders()} == {"10", "3"}
    assert d.texts() == Counter({ANA: 4, MINH: 4, JOE: 2}), d.texts()
    _check_each_row_once(d)
    assert len(d.leaders()) == 1 and d.leaders()[0] is standby
    live = [f"{web.url}/metrics" for web in d.webs] + [d.metrics[standby.name]]
    assert [_total(_scrape(url), "coordbot_scheduler_leader") for url in live] == [0, 0, 1]
    assert d.all_ready()

    for process in d.processes:  # all at once: each stops its worker child first
        if process.alive():
            process.process.send_signal(signal.SIGTERM)
    for process in d.processes:
        process.process.wait(timeout=30)
    _check_logs(d)


# ----- checks --------------------------------------------------------------------------------
def _check_each_row_once(d: Deployment) -> None:
    """Every SMS row went out and Twilio has exactly one message for it, to its recipient."""
    rows = d.sms_rows()
    with d.twilio.lock:
        by_sid = {m.sid: m.to for m in d.twilio.messages}
        count = len(d.twilio.messages)
    assert count == len(rows) == len(by_sid), (count, rows)
    for key, recipient, status, sid in rows:
        assert status in ("sent", "delivered"), (key, status)
        assert by_sid.get(sid) == recipient, key


def _check_metrics_add_up(d: Deployment, *, sent: int) -> None:
    """Each replica's /metrics (its worker child's sends included) and each worker's parse;
    the SMS sends they count add up to ``sent``, one process says it leads the scheduler, and
    the queue gauges agree everywhere."""
    urls = [f"{web.url}/metrics" for web in d.webs] + list(d.metrics.values())
    scraped = [_scrape(url) for url in urls]
    sends = sum(_total(s, "coordbot_outbox_sends_total", kind="sms", outcome="sent")
                for s in scraped)
    assert sends == sent, sends
    leaders = sum(_total(s, "coordbot_scheduler_leader") for s in scraped)
    assert leaders == 1, leaders  # one of the four processes leads
    for samples in scraped:
        done = (_total(samples, "coordbot_outbox_messages", kind="sms", status="sent")
                + _total(samples, "coordbot_outbox_messages", kind="sms", status="delivered"))
        assert done == sent
        assert _total(samples, "coordbot_outbox_messages", kind="sms", status="pending") == 0


def _check_logs(d: Deployment) -> None:
    forms = [form for phone in (ANA, MINH, JOE) for form in phone_forms(phone)]
    digits = re.compile("|".join(re.escape(p.removeprefix("+1")) for p in (ANA, MINH, JOE)))
    seen = 0
    for process in d.processes:
        for number, line in enumerate(process.log_path.read_text().splitlines(), 1):
            if not line.strip():
                continue
            try:
                parsed = json.loads(line)
            except json.JSONDecodeError:
                raise AssertionError(f"{process.name}:{number} is not JSON: {line!r}") from None
            assert set(LOG_FIELDS) <= set(parsed), (process.name, number, line)
            leaked = [form for form in forms if form in line]
            assert not leaked and not digits.search(line), (process.name, number, line)
            seen += 1
    assert seen > 50, seen


# ----- helpers -------------------------------------------------------------------------------
def _status(get) -> int | None:
    try:
        return get().status_code
    except httpx.HTTPError:
        return None


def _body(get) -> object:
    try:
        return get().json()
    except (httpx.HTTPError, ValueError) as error:
        return type(error).__name__


def _problem(web: Web, check: str) -> str | None:
    try:
        return web.readyz().json()["problems"].get(check)
    except (httpx.HTTPError, ValueError):
        return None


def _incident_channel(db: Database) -> str | None:
    with db.unit_of_work(read_only=True) as uow:
        incidents = uow.incidents.list(status=None)
        return incidents[0].channel_id if incidents and incidents[0].channel_id else None


def _scrape(url: str) -> dict[tuple[str, tuple], float]:
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200, url
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.text) for s in family.samples}


def _total(samples: dict, name: str, **labels: str) -> float:
    return sum(value for (sample, pairs), value in samples.items()
               if sample == name and labels.items() <= dict(pairs).items())
