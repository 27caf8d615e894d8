"""Ack latency of ``/incident`` under load: the real ``coordbot serve`` against a bare-Bolt floor.

Both servers run as subprocesses on free local ports, get the same signed slash commands
(``/incident list`` and ``/incident declare …``, alternating) from the same loader (wrk when
installed, else a Python asyncio loader) at the same concurrency, floor first. Prints one JSON
line on stdout; progress goes to stderr. Exits 1 if more than 1% of requests fail.

``--during-fanout N`` measures coordbot while its worker sends N SMS: ``coordbot serve`` gets a
Twilio emulator too (niced like the Slack one: the carrier is not on this machine either), and
just before the measured phase N SMS rows are queued in its outbox, as a notice queues them. The
line then adds ``max_ms`` (Slack gives up after 3 s), ``sms_sent_during`` (how many of the N went
out while the commands were measured, so the fan-out did run meanwhile) and ``sms_queued``; the
burst starts once the first ``FANOUT_STARTED`` SMS are out. The worker sends replies to people
before bulk texts, so a burst of commands holds the fan-out back while it lasts. Slack's
deadline, not the floor, is the goal there::

    .venv/bin/python bench/ack_latency.py --concurrency 400 --during-fanout 10000
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import httpx
from _common import COORDBOT, add_database_options, emit, fresh_database, log

from bot.bootstrap import bootstrap
from bot.config import Settings
from bot.sandbox.server import free_port
from bot.sandbox.slack import SignedRequest, SlackEmulator, SlackRequests
from bot.sandbox.twilio import TwilioEmulator

BENCH = Path(__file__).resolve().parent
TOKEN, SECRET, USER, CHANNEL = "xoxb-bench", "bench-signing-secret", "UBENCH001", "CBENCH001"
FROM_NUMBER = "+12025550100"
FANOUT_STARTED = 200  # SMS out before the measured burst starts, so the fan-out is under way
# coordbot serve gives its command worker 30 s to finish (then 5 s after SIGTERM): killed
# sooner, it left the worker running for a moment, and dropping the bench's schema deadlocked
# with the worker's last writes.
WARMUP_S, READY_TIMEOUT_S, STOP_TIMEOUT_S, MAX_FAILED = 2.0, 30.0, 45.0, 0.01
_titles = itertools.count(1)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per server")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--during-fanout", type=int, default=0, metavar="N",
                        help="queue N SMS in coordbot's outbox just before measuring it")
    parser.add_argument("--port", type=int, default=0,
                        help="coordbot's port (the floor gets PORT+1); default: free ports")
    add_database_options(parser)
    return parser.parse_args()


# ----- requests ------------------------------------------------------------------------------
def signed_commands(count: int, response_url: str) -> list[SignedRequest]:
    """Half ``list``, half ``declare`` (each with a new title), signed with the current time."""
    slack = SlackRequests(SECRET)
    texts = (f'declare hurricane "Bench Storm {next(_titles)}" FL severity=high' if i % 2
             else "list" for i in range(count))
    return [slack.command(text, user_id=USER, channel_id=CHANNEL, response_url=response_url)
            for text in texts]


def write_request_file(path: Path, requests: list[SignedRequest]) -> Path:
    with path.open("w") as out:
        for request in requests:
            ts = request.headers["X-Slack-Request-Timestamp"]
            out.write(f"{ts}\t{request.headers['X-Slack-Signature']}\t{request.body}\n")
    return path


# ----- servers -------------------------------------------------------------------------------
def write_config(tmp: Path, api_base_url: str, database_url: str,
                 twilio: TwilioEmulator | None = None) -> Path:
    config = tmp / "config.toml"
    text = (f'[database]\nurl = "{database_url}"\n\n'
            f'[slack]\nbot_token = "{TOKEN}"\nsigning_secret = "{SECRET}"\n'
            f'api_base_url = "{api_base_url}"\n\n'
            f'[roles]\ncoordinators = ["{USER}"]\n')
    if twilio is not None:
        text += (f'\n[twilio]\naccount_sid = "{twilio.account_sid}"\n'
                 f'auth_token = "{twilio.auth_token}"\napi_base_url = "{twilio.base_url}"\n'
                 f'from_number = "{FROM_NUMBER}"\n\n[sms]\nrate_per_s = 0\n\n'
                 '[server]\npublic_base_url = "https://coordbot.example.org"\n')
    config.write_text(text)
    return config


def spawn(argv: list[str], log_path: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    with log_path.open("wb") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                env={**os.environ, **(env or {})})


def wait_ready(proc: subprocess.Popen, check, what: str, log_path: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not check():
        if proc.poll() is not None or time.monotonic() > deadline:
            tail = log_path.read_text(errors="replace")[-2000:]
            stop(proc)
            raise RuntimeError(f"{what} did not become ready; its log ends:\n{tail}")
        time.sleep(0.1)


def healthz_ok(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def start_coordbot(tmp: Path, port: int, api_base_url: str, database_url: str,
                   twilio: TwilioEmulator | None = None) -> subprocess.Popen:
    config, log_path = write_config(tmp, api_base_url, database_url, twilio), tmp / "coordbot.log"
    proc = spawn([str(COORDBOT), "serve", "--upgrade", "--config", str(config),
                  "--host", "127.0.0.1",
                  "--port", str(port)], log_path)
    wait_ready(proc, lambda: healthz_ok(f"http://127.0.0.1:{port}"), "coordbot serve", log_path)
    return proc


def start_floor(tmp: Path, port: int, api_base_url: str, database_url: str,
                twilio: TwilioEmulator | None = None) -> subprocess.Popen:
    log_path = tmp / "floor.log"
    proc = spawn([sys.executable, str(BENCH / "floor_app.py"), "--port", str(port),
                  "--api-base-url", api_base_url], log_path,
                 env={"BENCH_SIGNING_SECRET": SECRET, "BENCH_BOT_TOKEN": TOKEN})
    wait_ready(proc, lambda: port_open(port), "the floor app", log_path)
    return proc


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ----- loaders: each returns {"p50_ms", "p99_ms", "rps", "completed", "ok", "non2xx", "errors"}
def run_wrk(url: str, request_file: Path, duration: float, concurrency: int,
            threads: int) -> dict:
    argv = ["wrk", "--latency", "--timeout", "30s", f"-t{threads}", f"-c{concurrency}",
            f"-d{max(1, round(duration))}s", "-s", str(BENCH / "wrk_signed.lua"), url,
            "--", str(request_file)]
    done = subprocess.run(argv, capture_output=True, text=True, check=True)
    match = re.search(r"^BENCH_RESULT (.*)$", done.stdout, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")
    r = {key: int(value) for key, value in (p.split("=") for p in match.group(1).split())}
    return {"p50_ms": r["p50_us"] / 1000, "p99_ms": r["p99_us"] / 1000,
            "max_ms": r["max_us"] / 1000, "rps": r["requests"] / (r["duration_us"] / 1e6),
            "completed": r["requests"],
            "ok": r["ok"], "non2xx": r["non2xx"],
            "errors": r["connect"] + r["read"] + r["write"] + r["timeout"]}


def percentile_ms(latencies: list[float], q: float) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


async def _python_load(url: str, requests: list[SignedRequest], duration: float,
                       concurrency: int) -> dict:
    latencies: list[float] = []
    counts = {"ok": 0, "non2xx": 0, "errors": 0}
    cycle = itertools.cycle(requests)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency),
                                     timeout=aiohttp.ClientTimeout(total=30)) as session:
        start = time.perf_counter()
        deadline = start + duration

        async def worker() -> None:
            while time.perf_counter() < deadline:
                request = next(cycle)
                sent = time.perf_counter()
                try:
                    async with session.post(url, data=request.body.encode(),
                                            headers=request.headers) as response:
                        await response.read()
                except (aiohttp.ClientError, TimeoutError):
                    counts["errors"] += 1
                    continue
                latencies.append(time.perf_counter() - sent)
                counts["ok" if 200 <= response.status < 300 else "non2xx"] += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    return {"p50_ms": percentile_ms(latencies, 0.50), "p99_ms": percentile_ms(latencies, 0.99),
            "max_ms": max(latencies, default=0.0) * 1000, "rps": len(latencies) / elapsed,
            "completed": len(latencies), **counts}


# ----- phases --------------------------------------------------------------------------------
def load(loader: str, url: str, tmp: Path, response_url: str, args, duration: float) -> dict:
    """One load phase with freshly signed requests (Slack rejects timestamps over 5 min old)."""
    requests = signed_commands(max(500, int(duration * 1500)), response_url)
    if loader == "wrk":
        request_file = write_request_file(tmp / "requests.tsv", requests)
        return run_wrk(url, request_file, duration, args.concurrency, args.threads)
    return asyncio.run(_python_load(url, requests, duration, args.concurrency))


def measure(name: str, loader: str, port: int, tmp: Path, response_url: str, args,
            before=lambda: None) -> dict:
    url = f"http://127.0.0.1:{port}/slack/events"
    log(f"{name}: warm-up {WARMUP_S:g}s")  # the results are thrown away
    load(loader, url, tmp, response_url, args, WARMUP_S)
    before()
    log(f"{name}: measuring {args.duration:g}s at concurrency {args.concurrency}")
    result = load(loader, url, tmp, response_url, args, args.duration)
    attempts, failed = result["completed"] + result["errors"], result["non2xx"] + result["errors"]
    log(f"{name}: {result['completed']} responses, {result['non2xx']} non-2xx, "
        f"{result['errors']} socket errors; p50 {result['p50_ms']:.2f} ms, "
        f"p99 {result['p99_ms']:.2f} ms, {result['rps']:.1f} req/s")
    if attempts == 0 or failed > MAX_FAILED * attempts:
        raise SystemExit(f"[bench] {name}: {failed} of {attempts} requests failed")
    return result


def lower_priority(emulator: SlackEmulator | TwilioEmulator) -> None:
    """The emulator stands in for Slack's (or Twilio's) servers, which are not on this machine
    in production: its threads (handler threads inherit the server thread's niceness) run at a
    lower CPU priority, the same for both servers measured, so that it does not compete with
    them."""
    os.setpriority(os.PRIO_PROCESS, emulator.thread_id, 10)


def queue_sms(database_url: str, count: int) -> None:
    """``count`` SMS rows in coordbot's outbox in one transaction, as a notice queues them (the
    running worker picks them up at its next poll)."""
    settings = Settings(database={"url": database_url},
                        slack={"bot_token": TOKEN, "signing_secret": SECRET})
    container = bootstrap(settings)
    try:
        now = datetime.now(UTC)
        with container.db.unit_of_work() as uow:
            uow.outbox.add_new([
                {"idempotency_key": f"bench-fanout:{i}", "kind": "sms", "purpose": "bench",
                 "recipient": f"+1415{5000000 + i:07d}", "language": "en",
                 "payload": {"body": f"Civil Rights Coordination Office: shelter update {i}. "
                                     "Reply STOP to opt out."},
                 "segments": 1, "status": "pending", "attempts": 0, "next_attempt_at": now,
                 "created_at": now}
                for i in range(count)])
            uow.commit()
    finally:
        container.stop()


def sent_count(twilio: TwilioEmulator | None) -> int:
    if twilio is None:
        return 0
    with twilio.lock:
        return len(twilio.messages)


def run(args: argparse.Namespace) -> dict:
    loader = "wrk" if shutil.which("wrk") else "python"
    log(f"loader: {loader}")
    coordbot_port, floor_port = (args.port, args.port + 1) if args.port else (free_port(), free_port())
    emulator = SlackEmulator(bot_token=TOKEN).start()
    lower_priority(emulator)
    twilio = TwilioEmulator(deliver_callbacks=False).start() if args.during_fanout else None
    if twilio is not None:
        lower_priority(twilio)
    sms: dict[str, int] = {}
    try:
        response_url = emulator.new_response_url()
        with tempfile.TemporaryDirectory(prefix="coordbot-bench-") as tmp_name, \
                fresh_database(args.db, args.pg_url, workdir=Path(tmp_name)) as database_url:
            tmp = Path(tmp_name)
            results = {}
            for name, start, port in (("floor", start_floor, floor_port),
                                      ("coordbot", start_coordbot, coordbot_port)):
                log(f"{name}: starting on port {port}")
                fanout = twilio if name == "coordbot" else None
                proc = start(tmp, port, emulator.base_url, database_url, fanout)

                def queue(fanout=fanout, proc=proc) -> None:
                    if fanout is not None:
                        started = sent_count(fanout)
                        queue_sms(database_url, args.during_fanout)
                        wait_ready(proc, lambda: sent_count(fanout) - started >= FANOUT_STARTED,
                                   "the fan-out", tmp / "coordbot.log")
                        sms["before"] = sent_count(fanout)
                        log(f"coordbot: {args.during_fanout} SMS queued, "
                            f"{sms['before'] - started} already sent when the burst starts")
                try:
                    results[name] = measure(name, loader, port, tmp, response_url, args, queue)
                    sms["after"] = sent_count(fanout)
                finally:
                    stop(proc)
    finally:
        emulator.stop()
        if twilio is not None:
            twilio.stop()
    bot, floor = results["coordbot"], results["floor"]
    return {"loader": loader, "db": args.db, "commands": bot["ok"], "concurrency": args.concurrency,
            "p50_ms": round(bot["p50_ms"], 2), "p99_ms": round(bot["p99_ms"], 2),
            "rps": round(bot["rps"], 1), "floor_p50_ms": round(floor["p50_ms"], 2),
            "floor_p99_ms": round(floor["p99_ms"], 2), "floor_rps": round(floor["rps"], 1),
            "ratio_p99": round(bot["p99_ms"] / floor["p99_ms"], 2),
            **({"max_ms": round(bot["max_ms"], 1), "sms_queued": args.during_fanout,
                "sms_sent_during": sms["after"] - sms["before"]} if twilio is not None else {})}


def main() -> None:
    emit(run(parse_args()))


if __name__ == "__main__":
    main()
