"""Reminder lateness across a crash: N reminder SMS due over ~20 s, the worker SIGKILLed halfway.

With ``--restart rolling`` (the default, how an operator restarts a service) the replacement is
started before the old process is killed; ``--restart cold`` starts it only after the kill, so
the restart time adds to the lateness of what comes due meanwhile: the new process's start-up
up to its first tick (imports, settings, the database), the tick that fires what came due, and
the one batch it sends before it finishes starting (the README's benchmark table has the
figures; they grow with whatever else loads the two cores). Either way the rows
the killed worker had claimed are claimed again at once by the new one (it sees their worker is
gone) and looked up at the emulator before anything is sent again.

``--calls`` incidents (one state each) share ``--reminders`` SMS contacts; one call per incident,
reminded 60 minutes ahead, starts so that the reminders come due call after call between
``--lead-s`` and ``--lead-s + --span-s`` seconds from now. Invitations go to an in-process fake,
so the Twilio emulator (no status callbacks) sees only reminders. A real ``coordbot worker
--scheduler`` sends them (settings by environment: product defaults except ``sms.rate_per_s=0``,
``outbox.lease_s``/``scheduler.tick_s`` from the options and a lock key of our own); when the
emulator has half of them it is SIGKILLed and a new one started, then we wait until no reminder
job is pending and no reminder is queued. Lateness = the emulator's receive time
(``EmulatedMessage.date_created``: microseconds, this host's clock) minus the reminder's due time.
``down_s``: kill to the new process's "scheduler started", which it logs once it has fired what
came due, sent a batch of it and built the rest (so what came due can be sent before
``down_s``); ``headroom_s``: first due time minus the first worker's start. One JSON line on
stdout, progress on stderr.

    .venv/bin/python bench/reminders.py --reminders 1000 --db postgresql
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import add_database_options, emit, fresh_database, log

from bot.bootstrap import bootstrap
from bot.calls.rules.when import ScheduleRequest
from bot.calls.service import calls
from bot.calls.service.calls import REMINDER
from bot.config import Settings
from bot.db.models import DueJob
from bot.directory.rules.contacts import ContactRecord
from bot.directory.rules.regions import US_REGIONS
from bot.directory.service import contacts as directory
from bot.incidents import service as incidents
from bot.incidents.rules import IncidentDraft, IncidentType
from bot.sandbox.harness import wait_until
from bot.sandbox.twilio import TwilioEmulator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.support.fakes import FakeClock, FakeSlack, FakeSms  # noqa: E402
from tests.support.processes import Worker, clean_env, running  # noqa: E402


def say(line: str) -> None:
    log(line, tag="reminders")


def plan(container, *, reminders: int, n_calls: int, lead_s: float, span_s: float) -> dict[str, datetime]:
    """Contacts, incidents and calls; returns each recipient's reminder due time."""
    regions, now = sorted(US_REGIONS)[:n_calls], container.clock.now()
    phones = [f"+1415{2000000 + i:07d}" for i in range(reminders)]
    with container.db.unit_of_work() as uow:
        records = [ContactRecord(name=f"Contact {i}", phone=p, regions=(regions[i % n_calls],))
                   for i, p in enumerate(phones)]
        directory.import_records(uow, records, source="bench", actor="bench", now=now)
        made = [incidents.declare(uow, actor="UBENCH", now=now, draft=IncidentDraft(
            type=IncidentType.FLOOD, title=f"Flood in {region}", regions=(region,))) for region in regions]
        uow.commit()
    container.worker.drain()  # channels, to the fake Slack
    now = container.clock.current = datetime.now(UTC)
    dues = [now + timedelta(seconds=lead_s + span_s * i / max(n_calls - 1, 1)) for i in range(n_calls)]
    with container.db.unit_of_work() as uow:
        for incident, due in zip(made, dues, strict=True):
            calls.schedule(uow, incident=uow.incidents.get(incident.id), actor="UBENCH", now=now,
                           settings=container.settings,
                           request=ScheduleRequest(starts_at=due + timedelta(minutes=60), recurrence=None,
                                                   duration=timedelta(hours=1), agenda="", bridge=None,
                                                   zone="America/New_York"))
        uow.commit()
    container.worker.drain()  # invitations, to the fake SMS
    return {p: dues[i % n_calls] for i, p in enumerate(phones)}


def start_worker(env: dict[str, str], log_path: Path) -> Worker:
    return Worker("--scheduler", log_path=log_path, env=env)


def started_in(worker: Worker) -> bool:
    return bool(worker.lines_with("scheduler started"))


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str, poll_s: float,
             worker: Worker) -> None:
    """Polls ``condition`` (failing at once if ``worker`` exits) with the harness's deadline."""
    wait_until(running([worker], condition), timeout_s=timeout_s, what=what, poll_s=poll_s)


def run(args: argparse.Namespace, workdir: Path, url: str) -> dict:
    settings = Settings(database={"url": url}, sms={"rate_per_s": 0}, calls={"reminder_offsets_min": [60]})
    container = bootstrap(settings, clock=FakeClock(datetime.now(UTC)), slack=FakeSlack(), sms=FakeSms())
    emu = TwilioEmulator(deliver_callbacks=False).start()
    env = clean_env(**{f"COORDBOT_{name}": value for name, value in {
        "DATABASE__URL": url, "SMS__RATE_PER_S": "0", "OUTBOX__LEASE_S": str(args.lease_s),
        "SCHEDULER__TICK_S": str(args.tick_s),
        "SCHEDULER__LOCK_KEY": str(uuid.uuid4().int >> 66),  # our own: advisory locks are per database
        "TWILIO__ACCOUNT_SID": emu.account_sid, "TWILIO__AUTH_TOKEN": emu.auth_token,
        "TWILIO__API_BASE_URL": emu.base_url, "TWILIO__FROM_NUMBER": "+12025550100",
        "SLACK__BOT_TOKEN": "xoxb-unused", "SLACK__SIGNING_SECRET": "unused",
        "SLACK__API_BASE_URL": "http://127.0.0.1:9/api/"}.items()})
    workers: list[Worker] = []
    try:
        started = time.monotonic()
        due = plan(container, reminders=args.reminders, n_calls=args.calls, lead_s=args.lead_s,
                   span_s=args.span_s)
        say(f"{args.reminders} reminders, {args.calls} calls planned in {time.monotonic() - started:.1f}s")
        workers.append(start_worker(env, workdir / "worker-1.log"))
        wait_for(lambda: started_in(workers[0]), 60, "the first worker", 0.01, workers[0])
        headroom_s = (min(due.values()) - datetime.now(UTC)).total_seconds()
        if headroom_s < 0:
            say(f"WARNING: the first reminders were due {-headroom_s:.1f}s before the worker ran: "
                "raise --lead-s")
        wait_for(lambda: len(emu.messages) >= args.reminders // 2, 120 + args.lead_s, "half the reminders",
                 0.002, workers[0])
        if args.restart == "rolling":  # the replacement is up before the old process dies
            workers.append(start_worker(env, workdir / "worker-2.log"))
            wait_for(lambda: started_in(workers[1]), 60, "the new worker", 0.01, workers[1])
        workers[0].kill()
        killed, at_kill = time.monotonic(), len(emu.messages)
        if args.restart == "cold":
            workers.append(start_worker(env, workdir / "worker-2.log"))
            wait_for(lambda: started_in(workers[1]), 60, "the restart", 0.01, workers[1])
        down_s = time.monotonic() - killed
        say(f"killed with {at_kill} at the emulator; new scheduler up {down_s:.2f}s later")

        def finished() -> bool:
            with container.db.unit_of_work(read_only=True) as uow:
                pending = uow.session.query(DueJob).filter(DueJob.kind == REMINDER,
                                                           DueJob.status == "pending").count()
                queue = uow.outbox.count_by_status(key_prefix="reminder:")
            return not pending and not queue.get("pending") and not queue.get("sending")

        wait_for(finished, 120 + args.lead_s + args.span_s, "every reminder", 0.25, workers[1])
        clean_exit = workers[1].terminate() == 0
        with emu.lock:
            received = [(m.to, m.date_created) for m in emu.messages]
        with container.db.unit_of_work(read_only=True) as uow:
            jobs = Counter(j.status for j in uow.session.query(DueJob).filter(DueJob.kind == REMINDER))
            outbox = uow.outbox.count_by_status(key_prefix="reminder:")
    finally:
        for worker in workers:
            worker.kill()
        emu.stop()
        container.stop()
    per_recipient = Counter(to for to, _ in received)
    late = sorted((at - due[to]).total_seconds() for to, at in received if to in due)

    def pick(q: float) -> float | None:  # nearest rank
        return round(late[max(0, math.ceil(q * len(late)) - 1)], 3) if late else None

    return {"reminders": args.reminders, "fired": sum(1 for to in per_recipient if to in due),
            "duplicates": sum(n - 1 for n in per_recipient.values()), "late_p99_s": pick(0.99),
            "db": args.db, "restarted": len(workers) == 2,
            "late_p50_s": pick(0.5), "late_max_s": round(late[-1], 3) if late else None,
            "down_s": round(down_s, 3), "restart_mode": args.restart, "killed_at_sent": at_kill,
            "jobs": dict(jobs),
            "outbox": dict(outbox), "unexpected": sum(1 for to, _ in received if to not in due),
            "headroom_s": round(headroom_s, 2), "tick_s": args.tick_s, "lease_s": args.lease_s,
            "clean_exit": clean_exit}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=1000)
    add_database_options(parser)
    parser.add_argument("--calls", type=int, default=25, help="calls (and incidents); at most 56")
    parser.add_argument("--lead-s", type=float, default=20.0, help="first reminder due after this")
    parser.add_argument("--span-s", type=float, default=20.0, help="reminders come due over this")
    parser.add_argument("--lease-s", type=float, default=2.0, help="outbox.lease_s (default 120)")
    parser.add_argument("--tick-s", type=float, default=1.0, help="scheduler.tick_s (default 1.0)")
    parser.add_argument("--restart", choices=["rolling", "cold"], default="rolling",
                        help="rolling: start the new worker, then SIGKILL the old one; "
                             "cold: SIGKILL, then start the new one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="coordbot-reminders-") as tmp, \
            fresh_database(args.db, args.pg_url, workdir=Path(tmp)) as url:
        emit(run(args, Path(tmp), url))


if __name__ == "__main__":
    main()
