"""SMS fan-out throughput: the outbox worker against the bare ``twilio`` client, same emulator.

One process, one :class:`TwilioEmulator` (no status callbacks), and ``--rounds`` rounds (5), each
sending a share of the N messages three ways, one after the other, so that the machine's drift (a
shared host: the same loop's CPU time here varies by half from one minute to the next) falls on
all three alike; the times of the rounds are summed:

(a) baseline: the bare SDK ``Client(account_sid, auth_token, http_client=...)`` with the SDK's
    own ``TwilioHttpClient``, only its URLs rewritten to the emulator (``BareHttpClient``), sends
    the share (distinct recipients, the bodies and parameters the bot sends) from a
    ``ThreadPoolExecutor`` of ``--concurrency`` threads: ``raw_client_msgs_per_s``, ``raw_s``
    per round. The same baseline with the product's HTTP client (``BaseUrlHttpClient``: the
    environment's proxy and CA settings read once per host, not per request) gives
    ``same_transport_msgs_per_s`` and ``ratio_same_transport``: what the outbox's own
    bookkeeping costs, apart from the transport.
(b) the product: a fresh database (a temporary SQLite file, or a new schema on the local
    PostgreSQL that is dropped afterwards), the real container built as ``coordbot worker``
    builds it (``bot.bootstrap.bootstrap``, then ``bot.collector.settle``: the start-up's objects
    frozen out of the garbage collector's scans) with the real ``TwilioSms`` gateway pointed
    at the emulator (``sms.rate_per_s = 0``, ``outbox.concurrency = --concurrency``,
    ``outbox.batch_size = --batch-size``). All N SMS
    outbox rows are bulk-inserted in one transaction before the first round (as a notice queues
    them); that time is reported as ``queue_s``. Each round, ``container.worker.drain()`` makes
    the claims of one share (the last round: until nothing is due): ``msgs_per_s`` = N / the
    summed sending time (``send_s``; ``product_s`` per round).

The emulator's lists are cleared after each send; phase (b)'s messages are then compared with
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

from bot import collector
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
    parser.add_argument("--rounds", type=int, default=5,
                        help="rounds of (bare, same transport, product), a share of the messages each")
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
class Product:
    """The container with ``count`` SMS rows queued, sent a slice at a time (``send``)."""

    def __init__(self, emu: TwilioEmulator, database_url: str, count: int, concurrency: int,
                 batch_size: int):
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
        self.batch_size, self.handled = batch_size, 0
        collector.paused()
        self.container = bootstrap(settings)
        collector.settle()
        now = datetime.now(UTC)
        started = time.perf_counter()
        with self.container.db.unit_of_work() as uow:
            uow.outbox.add_new([
                {"idempotency_key": f"fanout:{i}", "kind": "sms", "purpose": "bench",
                 "recipient": recipient(i), "language": "en", "payload": {"body": body(i)},
                 "segments": 1, "status": "pending", "attempts": 0, "next_attempt_at": now,
                 "created_at": now}
                for i in range(count)])
            uow.commit()
        self.queue_s = time.perf_counter() - started

    def send(self, messages: int | None) -> tuple[float, float]:
        """(wall s, CPU s) of about ``messages`` sends (claims of ``batch_size``), or of all
        that is left (None: until nothing is due, as a claim may be smaller than a batch)."""
        claims = -(-messages // self.batch_size) if messages is not None else 10**9
        started, cpu = time.perf_counter(), time.process_time()
        self.handled += self.container.worker.drain(max_rounds=claims)
        return time.perf_counter() - started, time.process_time() - cpu

    def counts(self) -> dict[str, int]:
        with self.container.db.unit_of_work(read_only=True) as uow:
            return uow.outbox.count_by_status()

    def stop(self) -> None:
        self.container.stop()


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


def total(pairs: list[tuple[float, float]], index: int) -> float:
    return sum(pair[index] for pair in pairs)


def mean(pairs: list[tuple[float, float]], index: int) -> float:
    return sum(pair[index] for pair in pairs) / len(pairs)


def run(args: argparse.Namespace) -> dict:
    count, concurrency, rounds = args.contacts, args.concurrency, max(1, args.rounds)
    share = -(-count // rounds)  # messages per round
    runs: dict[str, list[tuple[float, float]]] = {"bare": [], "same_transport": [], "product": []}
    sent_to: Counter = Counter()
    with TwilioEmulator(deliver_callbacks=False) as emu, \
            fresh_database(args.db, args.pg_url, name="fanout") as url:
        emu.set_latency(args.latency)
        log(f"{count} messages, {concurrency} threads, {rounds} rounds; product: outbox worker "
            f"on {args.db}, batch_size {args.batch_size}")
        product = Product(emu, url, count, concurrency, args.batch_size)
        try:
            for round_ in range(rounds):
                label = f" (round {round_ + 1})"
                size = min(share, count - round_ * share)
                baselines(emu, size, concurrency, runs, label)
                runs["product"].append(product.send(size if round_ < rounds - 1 else None))
                with emu.lock:
                    sent_to.update(message.to for message in emu.messages)
                clear(emu)
                log(f"product{label}: {runs['product'][-1][0]:.2f}s, "
                    f"{size / runs['product'][-1][0]:.0f} msgs/s")
            counts, queue_s = product.counts(), product.queue_s
            if product.handled != count:
                log(f"the worker handled {product.handled} of {count} rows; outbox: {counts}")
        finally:
            product.stop()
    expected = {recipient(i) for i in range(count)}
    send_s, send_cpu = total(runs["product"], 0), total(runs["product"], 1)
    msgs_per_s = count / send_s
    raw_per_s = count / total(runs["bare"], 0)
    same_per_s = count / total(runs["same_transport"], 0)
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
        "rounds": rounds,
        "product_s": [round(wall, 3) for wall, _ in runs["product"]],
        "cpu_ms_per_msg": round(1000 * send_cpu / count, 3),
        "raw_cpu_ms_per_msg": round(1000 * total(runs["bare"], 1) / count, 3),
        "same_transport_cpu_ms_per_msg": round(1000 * total(runs["same_transport"], 1) / count, 3),
    }


def main() -> None:
    result = run(parse_args())
    emit(result)
    if result["duplicates"] or result["lost"] or result["sent"] != result["contacts"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
