"""SMS fan-out throughput: the outbox worker against the bare ``twilio`` client, same emulator.

One process, one :class:`TwilioEmulator` (no status callbacks), two phases:

(a) baseline: the bare SDK ``Client(account_sid, auth_token, http_client=...)`` with the SDK's
    own ``TwilioHttpClient``, only its URLs rewritten to the emulator (``BareHttpClient``), sends
    the N messages (distinct recipients, the bodies and parameters the bot sends) from a
    ``ThreadPoolExecutor`` of ``--concurrency`` threads: ``raw_client_msgs_per_s``. It runs
    before and again after phase (b), and the mean time of both runs is used, so that drift in
    machine load (a shared host) does not skew the ratio; ``raw_s`` lists both times. The same
    baseline with the product's HTTP client (``BaseUrlHttpClient``: the environment's proxy and
    CA settings read once per host, not per request) gives ``same_transport_msgs_per_s`` and
    ``ratio_same_transport``: what the outbox's own bookkeeping costs, apart from the transport.
(b) the product: a fresh database (a temporary SQLite file, or a new schema on the local
    PostgreSQL that is dropped afterwards), the real container from ``bot.bootstrap.bootstrap``
    with the real ``TwilioSms`` gateway pointed at the emulator (``sms.rate_per_s = 0``,
    ``outbox.concurrency = --concurrency``, ``outbox.batch_size = --batch-size``). N SMS outbox rows
    are bulk-inserted in one transaction (as a notice queues them); that time is reported
    separately as ``queue_s``. Then ``container.worker.drain()`` runs until nothing is due:
    ``msgs_per_s`` = N / the sending phase only (``send_s``).

The emulator's lists are cleared between the phases; phase (b)'s messages are then compared with
the expected recipients: ``duplicates`` (extra messages to a recipient) and ``lost`` (recipients
with none). ``sent`` counts outbox rows whose status is ``sent``. ``ratio`` = msgs_per_s /
raw_client_msgs_per_s. ``cpu_ms_per_msg`` / ``raw_cpu_ms_per_msg`` are this process's CPU time
per message in phase (b)'s sending and in the baseline (SDK, emulator and, in (b), the worker;
not the PostgreSQL server's): less sensitive than the rates to other load on a shared host.

Everything runs in one process, so the emulator, the SDK and the worker share one GIL: the
worker's own Python work (SQLAlchemy, bookkeeping) takes time the sends would otherwise have.
Its database work overlaps the sends (the next batch is claimed, and the last recorded, while a
batch is being sent), so what separates msgs_per_s from the baseline is mostly that CPU time:
compare cpu_ms_per_msg with raw_cpu_ms_per_msg. Prints one JSON line on stdout; progress goes
to stderr. Exits 1 if any message was lost or duplicated or a row did not end ``sent``.

    .venv/bin/python bench/fanout.py --contacts 10000 --db postgresql --concurrency 4
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from _common import add_database_options, emit, fresh_database, log
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from bot.bootstrap import bootstrap
from bot.config import Settings
from bot.gateways.twilio_http import TWILIO_API_BASE_URL, BaseUrlHttpClient
from bot.sandbox.twilio import TwilioEmulator

FROM_NUMBER = "+12025550100"
PUBLIC_BASE_URL = "https://coordbot.example.org"
STATUS_CALLBACK = PUBLIC_BASE_URL + "/twilio/sms/status"  # what bootstrap gives SmsSender


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=10000, help="messages (one per recipient)")
    parser.add_argument("--concurrency", type=int, default=4,
                        help="baseline threads and outbox.concurrency")
    parser.add_argument("--batch-size", type=int, default=200, help="outbox.batch_size")
    parser.add_argument("--latency", type=float, default=0.0,
                        help="seconds the emulator waits before answering each request")
    parser.add_argument("--no-second-baseline", action="store_true",
                        help="measure the bare client only before the product, not also after")
    add_database_options(parser)
    return parser.parse_args()


def recipient(i: int) -> str:
    return f"+1415{5000000 + i:07d}"  # distinct valid E.164 numbers for up to 5,000,000 contacts


def body(i: int) -> str:
    return (f"Civil Rights Coordination Office: Flooding on Route {i % 97}. Shelter open at "
            "Lincoln High School, 400 Elm St. Reply STOP to opt out.")


# ----- phase (a): the bare SDK ---------------------------------------------------------------
class BareHttpClient(TwilioHttpClient):
    """The SDK's own HTTP client with nothing changed but where its requests go."""

    def __init__(self, base_url: str):
        super().__init__()
        self.base_url = base_url.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        return super().request(method, url.replace(TWILIO_API_BASE_URL, self.base_url, 1),
                               *args, **kwargs)


def baseline(emu: TwilioEmulator, count: int, concurrency: int, *,
             product_transport: bool = False) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process: SDK and emulator) to send ``count``, with the
    bare SDK's HTTP client or (``product_transport``) the product's."""
    http = BaseUrlHttpClient(emu.base_url) if product_transport else BareHttpClient(emu.base_url)
    client = Client(emu.account_sid, emu.auth_token, http_client=http)

    def send(i: int) -> str:
        return client.messages.create(to=recipient(i), from_=FROM_NUMBER, body=body(i),
                                      status_callback=STATUS_CALLBACK).sid

    with ThreadPoolExecutor(concurrency, thread_name_prefix="baseline") as pool:
        started, cpu = time.perf_counter(), time.process_time()
        sids = list(pool.map(send, range(count)))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert len(set(sids)) == count
    return elapsed, cpu


# ----- phase (b): the product ----------------------------------------------------------------
def product(emu: TwilioEmulator, database_url: str, count: int, concurrency: int,
            batch_size: int) -> tuple[float, float, float, dict[str, int]]:
    """(queue_s, send_s, send CPU s, outbox status counts) for the container sending ``count``."""
    settings = Settings(
        database={"url": database_url},
        server={"public_base_url": PUBLIC_BASE_URL},
        slack={"bot_token": "xoxb-unused", "signing_secret": "unused",
               "api_base_url": "http://127.0.0.1:9/api/"},
        twilio={"account_sid": emu.account_sid, "auth_token": emu.auth_token,
                "api_base_url": emu.base_url, "from_number": FROM_NUMBER},
        sms={"rate_per_s": 0},
        outbox={"concurrency": concurrency, "batch_size": batch_size},
    )
    container = bootstrap(settings)
    try:
        now = datetime.now(UTC)
        started = time.perf_counter()
        with container.db.unit_of_work() as uow:
            uow.outbox.add_new([
                {"idempotency_key": f"fanout:{i}", "kind": "sms", "purpose": "bench",
                 "recipient": recipient(i), "language": "en", "payload": {"body": body(i)},
                 "segments": 1, "status": "pending", "attempts": 0, "next_attempt_at": now,
                 "created_at": now}
                for i in range(count)])
            uow.commit()
        queue_s = time.perf_counter() - started

        started, cpu = time.perf_counter(), time.process_time()
        # Until nothing is due: a claim may be smaller than batch_size (a budget, a slow sender).
        handled = container.worker.drain(max_rounds=count + 10)
        send_s, cpu = time.perf_counter() - started, time.process_time() - cpu
        with container.db.unit_of_work(read_only=True) as uow:
            counts = uow.outbox.count_by_status()
        if handled != count:
            log(f"the worker handled {handled} of {count} rows; outbox: {counts}")
        return queue_s, send_s, cpu, counts
    finally:
        container.stop()


def clear(emu: TwilioEmulator) -> None:
    with emu.lock:
        emu.messages.clear()
        emu.requests.clear()


def baselines(emu: TwilioEmulator, count: int, concurrency: int,
              runs: dict[str, list[tuple[float, float]]], label: str) -> None:
    """One run of each baseline (bare, then the product's transport), appended to ``runs``."""
    for name, product_transport in (("bare", False), ("same_transport", True)):
        runs[name].append(baseline(emu, count, concurrency, product_transport=product_transport))
        clear(emu)
        log(f"baseline {name}{label}: {runs[name][-1][0]:.2f}s, "
            f"{count / runs[name][-1][0]:.0f} msgs/s")


def mean(pairs: list[tuple[float, float]], index: int) -> float:
    return sum(pair[index] for pair in pairs) / len(pairs)


def run(args: argparse.Namespace) -> dict:
    count, concurrency = args.contacts, args.concurrency
    runs: dict[str, list[tuple[float, float]]] = {"bare": [], "same_transport": []}
    with TwilioEmulator(deliver_callbacks=False) as emu:
        emu.set_latency(args.latency)
        log(f"baselines: twilio Client, {count} messages, {concurrency} threads")
        baselines(emu, count, concurrency, runs, "")
        with fresh_database(args.db, args.pg_url, name="fanout") as url:
            log(f"product: outbox worker on {args.db}, batch_size {args.batch_size}")
            queue_s, send_s, send_cpu, counts = product(emu, url, count, concurrency, args.batch_size)
        log(f"product: queued in {queue_s:.2f}s, sent in {send_s:.2f}s, "
            f"{count / send_s:.0f} msgs/s; outbox {counts}")
        with emu.lock:
            sent_to = Counter(message.to for message in emu.messages)
        clear(emu)
        if not args.no_second_baseline:
            baselines(emu, count, concurrency, runs, " again")
    expected = {recipient(i) for i in range(count)}
    msgs_per_s = count / send_s
    raw_per_s = count / mean(runs["bare"], 0)
    same_per_s = count / mean(runs["same_transport"], 0)
    return {
        "contacts": count,
        "sent": counts.get("sent", 0),
        "duplicates": sum(n - 1 for n in sent_to.values() if n > 1),
        "lost": len(expected - set(sent_to)),
        "msgs_per_s": round(msgs_per_s, 1),
        "raw_client_msgs_per_s": round(raw_per_s, 1),
        "ratio": round(msgs_per_s / raw_per_s, 3),
        "same_transport_msgs_per_s": round(same_per_s, 1),
        "ratio_same_transport": round(msgs_per_s / same_per_s, 3),
        "db": args.db,
        "concurrency": concurrency,
        "batch_size": args.batch_size,
        "queue_s": round(queue_s, 3),
        "send_s": round(send_s, 3),
        "raw_s": [round(wall, 3) for wall, _ in runs["bare"]],
        "same_transport_s": [round(wall, 3) for wall, _ in runs["same_transport"]],
        "cpu_ms_per_msg": round(1000 * send_cpu / count, 3),
        "raw_cpu_ms_per_msg": round(1000 * mean(runs["bare"], 1) / count, 3),
        "same_transport_cpu_ms_per_msg": round(1000 * mean(runs["same_transport"], 1) / count, 3),
    }


def main() -> None:
    result = run(parse_args())
    emit(result)
    if result["duplicates"] or result["lost"] or result["sent"] != result["contacts"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
