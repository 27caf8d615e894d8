"""One send budget per SMS sender, shared by every worker and counted in segments; claims by
priority; time-bound texts that expire; on SQLite and PostgreSQL.

Time moves only through the FakeClock: a worker waiting for its slot "sleeps" by advancing it.
Two workers are two ``OutboxWorker``s with budgets of their own over the same database row, run
in turns (one thread, so the clock is theirs alone).
"""

from __future__ import annotations

import math
import random
import zlib
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import OutboxSettings
from bot.db.unit_of_work import Database
from bot.gateways.twilio_sms import TwilioSms
from bot.outbox.budget import SendBudget
from bot.outbox.queue import enqueue
from bot.outbox.worker import OutboxWorker
from bot.sms.blocks import delivery_line
from bot.sms.delivery import SmsSender
from bot.sms.rules.segments import segments
from tests.support.fakes import FakeClock, FakeSms

SENDER = "+12025550100"
# Bodies of 1, 2 and 3 GSM-7 segments (160 / 306 / 459 septets at most).
BODIES = {1: "Shelter open on Main St. " * 4, 2: "Roads closed north of the river. " * 7,
          3: "Water is safe to drink again in every district of the county. " * 6}


@pytest.fixture
def database(database_url) -> Iterator[Database]:
    db = Database(database_url)
    db.upgrade()
    try:
        yield db
    finally:
        db.dispose()


def test_the_bodies_have_the_segments_they_are_named_for():
    assert {n: segments(body).segments for n, body in BODIES.items()} == {1: 1, 2: 2, 3: 3}


def worker(db: Database, clock: FakeClock, sms: FakeSms, rate: float) -> OutboxWorker:
    def sleep(seconds: float) -> None:  # waiting for a slot moves the fake clock, nothing else
        clock.advance(seconds=seconds)

    budget = SendBudget(db=db, clock=clock, sender=SENDER, segments_per_s=rate, sleep=sleep)
    sender = SmsSender(sms=sms, clock=clock, budget=budget, status_callback_url=None, db=db)
    return OutboxWorker(db=db, clock=clock, senders={"sms": sender}, rng=random.Random(0),
                        settings=OutboxSettings(concurrency=1, batch_size=50, lease_s=60))


def queue(db: Database, clock: FakeClock, key: str, body: str, *, purpose: str = "test",
          expires_at: datetime | None = None) -> None:
    with db.unit_of_work() as uow:
        enqueue(uow, key=key, kind="sms", purpose=purpose, payload={"body": body},
                recipient=f"+1415{zlib.crc32(key.encode()) % 10**7:07d}", now=clock.now(),
                expires_at=expires_at)
        uow.commit()


def drain_in_turns(workers: list[OutboxWorker], rounds: int = 10_000) -> Counter[int]:
    """Runs the workers in turns until none finds work; how many batches each sent."""
    batches: Counter[int] = Counter()
    for _ in range(rounds):
        handled = [w.drain_once() for w in workers]
        batches.update(n for n, count in enumerate(handled) if count)
        if not any(handled):
            return batches
    raise AssertionError("the outbox never drained")


def per_second(sms: FakeSms) -> Counter[int]:
    return Counter({second: used for second, used in _seconds(sms)})


def _seconds(sms: FakeSms) -> Iterator[tuple[int, int]]:
    used: Counter[int] = Counter()
    for message in sms.sent:
        used[math.floor(message["at"].timestamp())] += segments(message["body"]).segments
    yield from used.items()


# ----- the budget shared by two workers -------------------------------------------------------------
def test_two_workers_together_never_exceed_the_budget_in_any_second_and_together_reach_it(
        database, clock):
    sms = FakeSms(clock=clock)
    workers = [worker(database, clock, sms, rate=10), worker(database, clock, sms, rate=10)]
    sizes = [1 + n % 3 for n in range(45)]
    for n, size in enumerate(sizes):
        queue(database, clock, f"bulk:{n}", BODIES[size])
    started = clock.now()

    batches = drain_in_turns(workers)

    assert len(sms.sent) == 45 and len({m["to"] for m in sms.sent}) == 45
    assert set(batches) == {0, 1}  # both workers sent
    used = per_second(sms)
    assert max(used.values()) <= 10
    # Every second but the last is filled to within a message of the budget (the next one did
    # not fit: at most 2 segments left over), no second is skipped, and so the whole send takes
    # no longer than the segments need at that fill.
    seconds = sorted(used)
    assert all(used[s] >= 10 - 2 for s in seconds[:-1])
    assert seconds == list(range(seconds[0], seconds[-1] + 1))
    assert (clock.now() - started).total_seconds() <= math.ceil(sum(sizes) / (10 - 2)) + 1


def test_a_message_is_charged_its_segments(database, clock):
    sms = FakeSms(clock=clock)
    one = worker(database, clock, sms, rate=3)
    for n in range(6):
        queue(database, clock, f"short:{n}", BODIES[1])
    for n in range(3):
        queue(database, clock, f"long:{n}", BODIES[3])

    drain_in_turns([one])

    used = per_second(sms)
    assert sorted(used.values()) == [3, 3, 3, 3, 3]  # 6 + 9 segments at 3 per second
    long_seconds = {math.floor(m["at"].timestamp()) for m in sms.sent if m["body"] == BODIES[3]}
    assert len(long_seconds) == 3  # a 3-segment text takes a whole second of a budget of 3


def test_a_text_longer_than_a_seconds_budget_takes_the_seconds_it_needs(database, clock):
    sms = FakeSms(clock=clock)
    one = worker(database, clock, sms, rate=1)  # a long code: 1 segment per second
    for n in range(3):
        queue(database, clock, f"long:{n}", BODIES[3])
    start = clock.now()

    drain_in_turns([one])

    times = [(m["at"] - start).total_seconds() for m in sms.sent]
    assert [math.floor(t) for t in times] == [0, 3, 6]


def test_reservations_of_many_workers_never_overfill_a_second(database, clock):
    """The store alone: any mix of sizes, any number of reservers, one row."""
    rng = random.Random(7)
    taken: Counter[int] = Counter()
    for _ in range(200):
        size = rng.choice([1, 2, 3])
        with database.unit_of_work() as uow:
            reservation = uow.budgets.reserve(SENDER, segments=size, per_second=7,
                                              now=clock.now())
            uow.commit()
        taken[math.floor(reservation.send_at.timestamp())] += size
        clock.advance(seconds=rng.random() * 0.1)
    assert max(taken.values()) <= 7
    assert sum(taken.values()) / len(taken) >= 7 - 2


def test_a_429_pauses_the_sender_for_every_worker(database, clock):
    from bot.ports import DeliveryError

    sms = FakeSms(clock=clock)
    first, second = worker(database, clock, sms, rate=10), worker(database, clock, sms, rate=10)
    sms.fail(DeliveryError("20429", "Too Many Requests", permanent=False, retry_after=30))
    queue(database, clock, "a", BODIES[1])
    first.drain_once()  # refused: the sender is paused for 30 s, in the database
    queue(database, clock, "b", BODIES[1])
    second.drain_once()
    assert sms.sent == []
    clock.advance(seconds=31)
    drain_in_turns([second])
    assert len(sms.sent) == 2


# ----- priorities ---------------------------------------------------------------------------------
def test_a_reminder_queued_after_a_large_notice_is_claimed_first(database, clock):
    sms = FakeSms(clock=clock)
    one = worker(database, clock, sms, rate=10)
    for n in range(40):
        queue(database, clock, f"notice:1:{n}", BODIES[1], purpose="incident_notice")
    clock.advance(seconds=1)
    queue(database, clock, "reminder:1:v1:60:7", "Reminder: the call starts at 3 pm.",
          purpose="reminder")
    queue(database, clock, "conversation-reply:1:2", "We read your message.",
          purpose="conversation_reply")

    drain_in_turns([one])

    assert [m["body"] for m in sms.sent[:2]] == ["We read your message.",
                                                   "Reminder: the call starts at 3 pm."]


def test_a_reminder_queued_while_a_notice_drains_waits_for_one_slot_at_most(database, clock):
    sms = FakeSms(clock=clock)
    workers = [worker(database, clock, sms, rate=10), worker(database, clock, sms, rate=10)]
    for n in range(60):
        queue(database, clock, f"notice:1:{n}", BODIES[2], purpose="incident_notice")
    for _ in range(10):  # the notice is draining
        for w in workers:
            w.drain_once()
    queued_at, before = clock.now(), len(sms.sent)
    queue(database, clock, "reminder:1:v1:60:7", "Reminder: the call starts at 3 pm.",
          purpose="reminder")

    drain_in_turns(workers)

    [reminder] = [m for m in sms.sent if m["body"].startswith("Reminder")]
    assert (reminder["at"] - queued_at).total_seconds() <= 1.0 + 2 / 10
    assert sms.sent.index(reminder) == before  # the next text sent, before the notice's rest


# ----- time-bound texts ---------------------------------------------------------------------------
def test_a_time_bound_text_carries_its_validity_period(database, clock):
    sms = FakeSms(clock=clock)
    queue(database, clock, "reminder:1:v1:60:7", "Reminder.", purpose="reminder",
          expires_at=clock.now() + timedelta(minutes=60))
    queue(database, clock, "notice:1:1", "Notice.", purpose="incident_notice")

    drain_in_turns([worker(database, clock, sms, rate=0)])

    validity = {m["body"]: m["validity_period_s"] for m in sms.sent}
    assert validity == {"Reminder.": 3600, "Notice.": None}


def test_a_text_already_late_is_not_sent_and_is_recorded_expired(database, clock):
    sms = FakeSms(clock=clock)
    queue(database, clock, "reminder:1:v1:60:7", "Reminder.", purpose="reminder",
          expires_at=clock.now() + timedelta(seconds=30))
    clock.advance(seconds=31)  # the worker was down, or the queue too long

    drain_in_turns([worker(database, clock, sms, rate=0)])

    assert sms.sent == []
    with database.unit_of_work() as uow:
        row = uow.outbox.by_key("reminder:1:v1:60:7")
        assert (row.status, row.error_code) == ("expired", "expired")
        assert uow.outbox.count_by_status(key_prefix="reminder:1:") == {"expired": 1}


def test_a_text_that_expires_while_it_waits_for_its_slot_is_not_sent(database, clock):
    sms = FakeSms(clock=clock)
    for n in range(3):
        queue(database, clock, f"notice:1:{n}", BODIES[1], purpose="incident_notice")
    queue(database, clock, "reminder:1:v1:60:7", "Reminder.", purpose="reminder",
          expires_at=clock.now() + timedelta(seconds=10.5))
    queue(database, clock, "reminder:2:v1:60:7", "Other reminder.", purpose="reminder",
          expires_at=clock.now() + timedelta(seconds=0.8))

    drain_in_turns([worker(database, clock, sms, rate=1)])  # 1 segment per second

    # The first reminder took this second; the other's slot was the next one, after its end.
    assert sms.sent[0]["body"] == "Reminder." and sms.sent[0]["validity_period_s"] == 10
    assert "Other reminder." not in [m["body"] for m in sms.sent] and len(sms.sent) == 4
    with database.unit_of_work() as uow:
        assert uow.outbox.by_key("reminder:2:v1:60:7").status == "expired"


def test_the_delivery_summary_says_how_many_expired():
    line = delivery_line({"delivered": 3, "expired": 2, "pending": 1}, {})
    assert line == "3 delivered, 1 pending, 0 failed, 2 expired (too late to send)"


# ----- the Twilio gateway over real HTTP -------------------------------------------------------------
def test_the_gateway_sends_validity_period_and_a_messaging_service_as_the_sender(emu):
    service = "MG" + "1" * 32
    sms = TwilioSms(account_sid=emu.account_sid, auth_token=emu.auth_token,
                    base_url=emu.base_url, messaging_service_sid=service)
    sid = sms.send(to="+14155550123", body="Reminder.", validity_period_s=600)
    sms.send(to="+14155550124", body="Notice.")
    message = emu.message(sid)
    assert message.messaging_service_sid == service and message.from_ is None
    assert message.params["ValidityPeriod"] == "600"
    assert "ValidityPeriod" not in emu.messages[1].params
    assert [m.num_segments for m in emu.messages] == [1, 1]
    assert all(m.date_created.tzinfo is UTC for m in emu.messages)
