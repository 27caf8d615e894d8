"""One sender's send budget, shared by N ``coordbot worker`` processes, against the Twilio emulator.

A fresh PostgreSQL schema (or SQLite file with ``--db sqlite``), one in-process
:class:`TwilioEmulator` (no status callbacks) and ``--workers`` real ``coordbot worker``
subprocesses whose settings (by environment) give the one sender a budget of ``--budget``
segments per second (``sms.segments_per_s``). ``--messages`` SMS outbox rows of 1, 2 or 3
GSM-7 segments (in turn) are bulk-inserted as a notice queues them (priority bulk); the workers
are already running and are woken by the insert's NOTIFY. When half of them are at the emulator
one reminder (priority time-bound) is queued; ``reminder_delay_s`` is the time from its commit to
its arrival at the emulator.

The emulator records each message's arrival (``date_created``, microseconds) and its segments
(``num_segments``, its own count). From those:

* ``worst_window_ratio``: the most segments that arrived within one whole second (the emulator's
  clock, which is this machine's) ÷ budget; ``worst_sliding_ratio`` the same over any window of
  one second starting at an arrival.
* ``achieved_ratio``: the segments that arrived in the whole seconds between the first and the
  last ÷ (those seconds × budget): the rate the workers together reached while the queue was full.
* ``duplicates`` (extra messages to one recipient) and ``lost`` (rows with no message at the
  emulator, or not ``sent``).

Prints one JSON line on stdout; progress goes to stderr. Exits 1 if any message was lost or
duplicated. The default (2 workers, 20,000 messages, a budget of 150) runs about 4.5 minutes:

    .venv/bin/python bench/sender_budget.py --db postgresql --workers 2
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
import uuid
from bisect import bisect_left
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from _common import add_database_options, emit, fresh_database, log

from bot.db.unit_of_work import Database
from bot.outbox.kinds import BULK, Kind
from bot.outbox.queue import enqueue
from bot.sandbox.harness import wait_until
from bot.sandbox.twilio import TwilioEmulator
from bot.sms.rules.segments import segments

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.support.processes import Worker, clean_env, logs, running  # noqa: E402

FROM_NUMBER = "+12025550100"
# GSM-7 bodies of exactly 1, 2 and 3 segments.
BODIES = {1: "Shelters are open at the high school and the library. Reply STOP to stop texts.",
          2: "Notice: " + "Roads north of the river are closed until further notice. " * 4,
          3: "Notice: " + "Boil water before drinking it; the county will say when it is safe. " * 5}
REMINDER = "Reminder: the coordination call starts at 3 pm. Call +1 202 555 0100, PIN 123456."


def say(line: str) -> None:
    log(line, tag="sender_budget")


def queue_notice(db: Database, count: int) -> int:
    """The notice's rows in one transaction; returns their segments in all."""
    now = datetime.now(UTC)
    rows, total = [], 0
    for n in range(count):
        size = 1 + n % 3
        total += size
        rows.append({"idempotency_key": f"notice:1:{n}", "kind": Kind.SMS.value,
                     "purpose": "incident_notice", "recipient": f"+1415{2000000 + n:07d}",
                     "language": "en", "payload": {"body": BODIES[size]}, "segments": size,
                     "priority": BULK, "status": "pending", "attempts": 0,
                     "next_attempt_at": now, "created_at": now})
    with db.unit_of_work() as uow:
        uow.outbox.add_new(rows)
        uow.commit()
    return total


def queue_reminder(db: Database) -> datetime:
    with db.unit_of_work() as uow:
        enqueue(uow, key="reminder:1:v1:60:1", kind=Kind.SMS, purpose="reminder",
                payload={"body": REMINDER}, recipient="+14159999999", now=datetime.now(UTC))
        uow.commit()
    return datetime.now(UTC)


def windows(arrivals: list[tuple[float, int]], budget: float) -> dict:
    """The worst whole second, the worst sliding second, and the rate between first and last."""
    per_second: Counter[int] = Counter()
    for at, size in arrivals:
        per_second[math.floor(at)] += size
    times = [at for at, _ in arrivals]
    cumulative = [0]
    for _, size in arrivals:
        cumulative.append(cumulative[-1] + size)
    sliding = max((cumulative[bisect_left(times, at + 1.0)] - cumulative[i]
                   for i, at in enumerate(times)), default=0)
    first, last = min(per_second), max(per_second)
    inner = [per_second[s] for s in range(first + 1, last)]
    return {"worst_window_ratio": round(max(per_second.values()) / budget, 3),
            "worst_sliding_ratio": round(sliding / budget, 3),
            "achieved_ratio": round(sum(inner) / (len(inner) * budget), 3) if inner else None,
            "seconds": last - first + 1}


def run(args: argparse.Namespace, workdir: Path, url: str) -> dict:
    db = Database(url)
    db.upgrade()
    emu = TwilioEmulator(deliver_callbacks=False).start()
    env = clean_env(**{f"COORDBOT_{name}": value for name, value in {
        "DATABASE__URL": url, "SMS__SEGMENTS_PER_S": str(args.budget),
        "OUTBOX__CONCURRENCY": str(args.concurrency),
        "SCHEDULER__LOCK_KEY": str(uuid.uuid4().int >> 66),
        "TWILIO__ACCOUNT_SID": emu.account_sid, "TWILIO__AUTH_TOKEN": emu.auth_token,
        "TWILIO__API_BASE_URL": emu.base_url, "TWILIO__FROM_NUMBER": FROM_NUMBER,
        "SLACK__BOT_TOKEN": "xoxb-unused", "SLACK__SIGNING_SECRET": "unused",
        "SLACK__API_BASE_URL": "http://127.0.0.1:9/api/"}.items()})
    workers: list[Worker] = []
    try:
        workers = [Worker(log_path=workdir / f"worker-{n}.log", env=env)
                   for n in range(args.workers)]
        wait_until(running(workers, lambda: all(w.lines_with("outbox worker started")
                                                for w in workers)),
                   timeout_s=60, what="the workers", describe=lambda: logs(workers))
        total = queue_notice(db, args.messages)
        queued = time.monotonic()
        say(f"{args.messages} texts, {total} segments queued for {args.workers} workers at "
            f"{args.budget:g} segments/s (about {total / args.budget:.0f} s)")
        wait_until(running(workers, lambda: len(emu.messages) >= args.messages // 2),
                   timeout_s=total / args.budget + 120, what="half the texts", poll_s=0.05,
                   describe=lambda: logs(workers))
        reminder_queued = queue_reminder(db)
        wait_until(running(workers, lambda: len(emu.messages) >= args.messages + 1),
                   timeout_s=total / args.budget + 120, what="every text", poll_s=0.2,
                   describe=lambda: f"{len(emu.messages)} at the emulator\n" + logs(workers))
        drained_s = time.monotonic() - queued
        with db.unit_of_work(read_only=True) as uow:
            statuses = uow.outbox.count_by_status()
        for worker in workers:
            worker.terminate()
        with emu.lock:
            arrivals = sorted((m.date_created.timestamp(), m.num_segments, m.to)
                              for m in emu.messages)
    finally:
        for worker in workers:
            worker.kill()
        emu.stop()
        db.dispose()
    per_recipient = Counter(to for _, _, to in arrivals)
    expected = {f"+1415{2000000 + n:07d}" for n in range(args.messages)} | {"+14159999999"}
    reminder_at = next(at for at, _, to in arrivals if to == "+14159999999")
    counted = sum(size for _, size, _ in arrivals)
    assert counted == total + segments(REMINDER).segments, "the emulator counts segments as we do"
    return {"workers": args.workers, "db": args.db, "budget": args.budget,
            "messages": args.messages, "segments": counted,
            **windows([(at, size) for at, size, _ in arrivals], args.budget),
            "reminder_delay_s": round(reminder_at - reminder_queued.timestamp(), 3),
            "duplicates": sum(n - 1 for n in per_recipient.values()),
            "lost": len(expected - set(per_recipient)) + sum(
                n for status, n in statuses.items() if status != "sent"),
            "drained_s": round(drained_s, 1), "concurrency": args.concurrency}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_options(parser)
    parser.set_defaults(db="postgresql")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--budget", type=float, default=150.0, help="segments per second")
    parser.add_argument("--concurrency", type=int, default=4, help="outbox.concurrency per worker")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="coordbot-budget-") as tmp, \
            fresh_database(args.db, args.pg_url, workdir=Path(tmp)) as url:
        result = run(args, Path(tmp), url)
    emit(result)
    sys.exit(1 if result["duplicates"] or result["lost"] else 0)


if __name__ == "__main__":
    main()
