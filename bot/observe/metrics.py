"""The counters and histograms, incremented where things happen.

They live in each process that does the work: the outbox worker and the scheduler run in the web
process's worker child (or in ``coordbot worker``), the acknowledgements in the web process. When
``coordbot serve`` runs, prometheus-client's multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``,
see :mod:`bot.observe.exposition`) lets the web process's ``/metrics`` add up every process's
values. Labels are kinds, outcomes and provider error codes: never a phone number or a name.
"""

from __future__ import annotations

import contextvars
import time

from prometheus_client import Counter, Gauge, Histogram

# A provider's error code is a short code ("21610", "ratelimited"); anything longer is cut so a
# surprising answer cannot blow up the label's cardinality.
MAX_CODE = 32

SENDS = Counter(
    "coordbot_outbox_sends", "Outbox send attempts by kind, outcome and provider error code "
    "(outcome: sent, retry, unknown, failed, suppressed, deferred).",
    ["kind", "outcome", "error_code"])
RECONCILE = Counter(
    "coordbot_outbox_reconcile_lookups", "Lookups at the provider of a message whose send "
    "outcome was unknown (result: found, absent, failed).", ["kind", "result"])
RATE_LIMIT_WAITS = Counter(
    "coordbot_rate_limit_waits", "Times a send waited for the SMS rate limiter.")
RATE_LIMIT_WAIT_SECONDS = Counter(
    "coordbot_rate_limit_wait_seconds", "Seconds sends spent waiting for the SMS rate limiter.")
SCHEDULER_FIRED = Counter(
    "coordbot_scheduler_fired_jobs", "Due jobs (reminders, call starts and ends) fired.")
SCHEDULER_TICKS = Counter(
    "coordbot_scheduler_ticks", "Scheduler ticks by whether this process led (led, standby, "
    "failed).", ["result"])
SCHEDULER_LEADER = Gauge(
    "coordbot_scheduler_leader", "1 while a process of this deployment holds the scheduler "
    "leadership.", multiprocess_mode="livemax")
ACK_SECONDS = Histogram(
    "coordbot_ack_seconds", "Seconds from a Slack request's arrival to its acknowledgement, by "
    "kind of request (Slack's deadline is 3 s).", ["request"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0))


def send_outcome(kind: str, outcome: str, error_code: str | None = None, count: int = 1) -> None:
    SENDS.labels(kind=kind, outcome=outcome, error_code=(error_code or "")[:MAX_CODE]).inc(count)


def reconcile_lookup(kind: str, result: str) -> None:
    RECONCILE.labels(kind=kind, result=result).inc()


def rate_limit_wait(seconds: float) -> None:
    RATE_LIMIT_WAITS.inc()
    RATE_LIMIT_WAIT_SECONDS.inc(seconds)


def scheduler_tick(*, led: bool, fired: int = 0, failed: bool = False) -> None:
    SCHEDULER_LEADER.set(1 if led else 0)
    SCHEDULER_TICKS.labels(result="failed" if failed else "led" if led else "standby").inc()
    if fired:
        SCHEDULER_FIRED.inc(fired)


# When the current HTTP request reached the web app (``time.monotonic``), set by the web app's
# middleware; tasks Bolt starts for the request inherit it.
_ARRIVED: contextvars.ContextVar[float | None] = contextvars.ContextVar("coordbot_arrived",
                                                                        default=None)


def arrived() -> None:
    _ARRIVED.set(time.monotonic())


def acknowledged(request: str) -> None:
    """The current request (a command class's name) was acknowledged: its latency since
    arrival goes into the histogram (nothing when no arrival was marked)."""
    start = _ARRIVED.get()
    if start is not None:
        ACK_SECONDS.labels(request=request).observe(time.monotonic() - start)
