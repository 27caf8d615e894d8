"""Chaos: an incident desk's day drained by two ``coordbot worker`` processes on PostgreSQL through
the Twilio and Slack emulators, with ~10% of the calls to each meeting a fault, and three SIGKILLs
of a worker at random moments (each replaced by a new one).

The day is what the product queues, through its commands: two incidents declared (each a channel
to create, coordinators to invite, a pinned summary, an announcement), timeline updates and
action items (a card in the channel, a DM to the owner) in waves between the kills, and a real
SMS notice to every contact of the first incident, confirmed, with its delivery summary posted in
the channel and edited as the notice goes out. The faults: on Twilio message creates, 429 and 503
with ``Retry-After``, 500, a reset before acceptance, a reset or a timeout after it; on every
Slack Web API call, 429 and 503 with ``Retry-After``, 500, a reset before the call ran, a reset,
a timeout or a 500 once it ran (the post or the channel exists).

At the end: every recipient got exactly one SMS; every Slack post is in Slack exactly once (by the
outbox key in its metadata), a card or a summary is one message; each incident has one channel,
named without a ``-2``, with no orphan beside it, its summary pinned once; every outbox row is
``sent`` (nothing pending, sending, unknown or failed).

The small form (300 recipients) runs in ``make test``; ``COORDBOT_CHAOS_RECIPIENTS`` makes it
bigger (and ``COORDBOT_CHAOS_PER_WAVE`` the waves of updates and action items, by default one
per 30 recipients per incident) and ``COORDBOT_CHAOS_SEED`` picks another run (the seed is
printed).
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from bot.bootstrap import Container, bootstrap
from bot.config import Settings
from bot.db.unit_of_work import Database
from bot.directory.rules.contacts import ContactRecord
from bot.directory.service import contacts as directory
from bot.dispatch.grammar import Invocation, parse_declare
from bot.incidents.channel_names import incident_channel_name
from bot.outbox.kinds import Kind
from bot.sandbox.slack import Message, SlackEmulator
from bot.sandbox.twilio import TwilioEmulator
from tests.conftest import COORDINATOR
from tests.support.fakes import FakeSlack, FakeSms, FakeVoice
from tests.support.processes import Worker, logs, running
from tests.support.slash import Slash
from tests.support.waiting import wait_until
from tests.test_sms_crash import (
    assert_each_recipient_once,
    drained,
    recipient,
    report,
    status_counts,
    write_config,
)

RECIPIENTS = int(os.environ.get("COORDBOT_CHAOS_RECIPIENTS", "300"))
# Updates and action items per incident in each wave (a wave before each kill and one after).
PER_WAVE = int(os.environ.get("COORDBOT_CHAOS_PER_WAVE", str(max(5, RECIPIENTS // 30))))
SEED = int(os.environ.get("COORDBOT_CHAOS_SEED", "20261201"))
FAULT_RATE = 0.10
KILLS = 3
START_TIMEOUT_S = 30.0
DRAIN_TIMEOUT_S = 60.0 + RECIPIENTS / 10
YEAR = datetime.now(UTC).year  # the workers' clock is wall time (Slack's ts are)
DECLARES = ('hurricane "Hurricane Xavier" FL,GA', 'wildfire "Dixie Fire" CA')
KEYS = [f"INC-{YEAR}-{n:04d}" for n in range(1, len(DECLARES) + 1)]
TITLES = ["Hurricane Xavier", "Dixie Fire"]
LANGUAGES = ("en", "es", "vi", "ht", "zh")
OWNERS = ("UOWNER001", "UOWNER002")
NOTICE = "Shelters open at Lincoln High.\nes: Refugios abiertos en Lincoln High."
# Requests are given up after this; a "timeout" fault holds its answer twice as long.
REQUEST_TIMEOUT_S = 0.5


# ----- fixtures ------------------------------------------------------------------------------
@pytest.fixture
def twilio() -> Iterator[TwilioEmulator]:
    emu = TwilioEmulator(deliver_callbacks=False).start()
    emu.set_latency(0.002)
    emu.set_chaos(FAULT_RATE, seed=SEED, retry_after=1, hold_s=2 * REQUEST_TIMEOUT_S)
    try:
        yield emu
    finally:
        emu.stop()


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emu:
        emu.set_chaos(FAULT_RATE, seed=SEED + 1, retry_after=1, hold_s=2 * REQUEST_TIMEOUT_S)
        yield emu


# ----- the desk: coordinators' commands, run as the command worker runs them -----------------
class Desk:
    """The coordinators' side: commands through the product's dispatcher, in this process.

    Its few direct Slack lookups (an owner's name) go to a recording fake; everything it queues
    is left to the ``coordbot worker`` processes (this container's own worker never runs).
    """

    def __init__(self, database_url: str, announcements: str):
        settings = Settings(
            database={"url": database_url},
            slack={"bot_token": "xoxb-unused", "signing_secret": "unused-signing-secret",
                   "announcements_channel": announcements},
            roles={"coordinators": [COORDINATOR]}, timezone="America/New_York",
            sms={"confirm_threshold": 3, "rate_per_s": 0},
            twilio={"auth_token": "unused", "account_sid": "AC" + "0" * 32,
                    "from_number": "+12025550100"},
            server={"public_base_url": "https://coordbot.example.org"})
        fake = FakeSlack(users={owner: f"Owner {owner[-1]}" for owner in OWNERS})
        self.container: Container = bootstrap(settings, slack=fake, sms=FakeSms(),
                                              voice=FakeVoice())
        self.commands = Slash(self.container)

    def declare_all(self) -> None:
        for text in DECLARES:
            self.commands.declare(parse_declare(text), user=COORDINATOR)

    def import_contacts(self, count: int) -> None:
        people = [ContactRecord(name=f"Contact {i}", phone=recipient(i), regions=("FL",),
                                language=LANGUAGES[i % len(LANGUAGES)]) for i in range(count)]
        with self.container.db.unit_of_work() as uow:
            directory.import_records(uow, people, source="chaos", actor="t",
                                     now=self.container.clock.now())
            uow.commit()

    def notify(self, key: str) -> None:
        """A notice to the incident's SMS audience, previewed and confirmed."""
        reply = self.run("notify", key, NOTICE)
        self.commands.confirm_notice(reply.blocks[-1]["elements"][0]["value"], user=COORDINATOR)

    def wave(self, n: int) -> None:
        """``PER_WAVE`` updates and action items in each incident."""
        for key in KEYS:
            for i in range(PER_WAVE):
                self.run("update", key, f"Update {n}.{i}: roads reopening in sector {i}")
                self.run("action", key,
                         f'add <@{OWNERS[i % len(OWNERS)]}> "Check shelter {n}.{i}"')

    def run(self, name: str, key: str, text: str):
        return self.commands.run(Invocation(name, key=key, text=text), user=COORDINATOR)

    def stop(self) -> None:
        self.container.stop()


# ----- what Slack holds ----------------------------------------------------------------------
def bot_messages(emu: SlackEmulator) -> list[Message]:
    with emu.lock:
        return [m for channel in emu.channels.values() for m in channel.messages
                if m.user == emu.bot_user_id]


def key_of(message: Message) -> str | None:
    metadata = message.metadata or {}
    return (metadata.get("event_payload") or {}).get("key")


def assert_each_post_once(emu: SlackEmulator, db: Database) -> int:
    """Every Slack post row is in Slack exactly once; a card or a delivery summary (posted by
    one of its rows, then edited) is one message; every bot message carries its key."""
    posted = Counter(key_of(m) for m in bot_messages(emu))
    assert None not in posted, "a bot message without an outbox key"
    twice = {key: n for key, n in posted.items() if n > 1}
    assert not twice, f"posted more than once: {twice}"
    with db.unit_of_work(read_only=True) as uow:
        rows = [(r.kind, r.idempotency_key, r.payload) for r in uow.outbox.list()]
    posts = {key for kind, key, _ in rows if kind == Kind.POST}
    missing = posts - set(posted)
    assert not missing, f"posts never made: {sorted(missing)}"
    for kind, prefix_of in ((Kind.ACTION_CARD, lambda p: f"action-card:{p['action_id']}:"),
                            (Kind.DELIVERY_SUMMARY,
                             lambda p: f"delivery-summary:{p['notice_id']}:")):
        subjects = {prefix_of(payload) for k, _, payload in rows if k == kind}
        for prefix in subjects:
            shown = [key for key in posted if key.startswith(prefix)]
            assert len(shown) == 1, f"{prefix}… is {len(shown)} messages: {shown}"
    assert set(posted) <= {key for _, key, _ in rows}, "a post no row asked for"
    return len(posted)


def assert_one_channel_per_incident(emu: SlackEmulator, db: Database) -> None:
    """Each incident's channel has the first name, is the only channel our bot created for it,
    and has its summary pinned once and the coordinator in it."""
    with db.unit_of_work(read_only=True) as uow:
        incidents = {key: (i.channel_id, i.channel_name, i.summary_ts)
                     for key in KEYS if (i := uow.incidents.by_key(key))}
    with emu.lock:
        ours = {c.id: (c.name, list(c.pins), list(c.members)) for c in emu.channels.values()
                if c.creator == emu.bot_user_id and not c.is_im}
    assert set(ours) == {channel for channel, _, _ in incidents.values()}, \
        f"channels {ours} for incidents {incidents}"
    for key, title in zip(KEYS, TITLES, strict=True):
        channel_id, channel_name, summary_ts = incidents[key]
        name, pins, members = ours[channel_id]
        assert name == channel_name == incident_channel_name("inc", key, title)
        assert pins == [summary_ts], f"{name} pins {pins}"
        assert COORDINATOR in members


def assert_summary_final(emu: SlackEmulator) -> None:
    [summary] = [m for m in bot_messages(emu)
                 if (key_of(m) or "").startswith("delivery-summary:")]
    assert f"{RECIPIENTS} recipients" in summary.text and "0 pending" in summary.text, summary.text
    assert f"{RECIPIENTS} sent" in summary.text, summary.text


def rows_not_sent(db: Database) -> list[tuple[str, str, str | None]]:
    with db.unit_of_work(read_only=True) as uow:
        return [(r.idempotency_key, r.status, r.error_code) for r in uow.outbox.list()
                if r.status != "sent"]


# ----- the test ------------------------------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.chaos
@pytest.mark.timeout(int(DRAIN_TIMEOUT_S) + 180)
def test_two_workers_under_faults_and_kills_text_and_post_each_message_exactly_once(
        postgresql_url, twilio, slack, tmp_path):
    began = time.monotonic()
    rng = random.Random(SEED)
    announcements = slack.add_channel("announcements").id
    desk = Desk(postgresql_url, announcements)
    db = desk.container.db
    config = write_config(
        tmp_path / "worker.toml", database_url=postgresql_url, emu=twilio,
        sms={"request_timeout_s": REQUEST_TIMEOUT_S},
        slack={"bot_token": slack.bot_token, "api_base_url": slack.base_url,
               "announcements_channel": announcements, "request_timeout_s": REQUEST_TIMEOUT_S},
        roles={"coordinators": [COORDINATOR]},
        outbox={"batch_size": 25, "max_attempts": 30, "backoff_base_s": 0.2,
                "backoff_max_s": 2.0})
    started = 0
    workers: list[Worker] = []
    kills: list[str] = []

    def start() -> None:
        nonlocal started
        started += 1
        workers.append(Worker("--config", str(config), log_path=tmp_path / f"worker-{started}.log"))

    def kill_when(condition: Callable[[], bool], what: str) -> None:
        wait_until(running(workers, condition), timeout_s=DRAIN_TIMEOUT_S, what=what,
                   describe=lambda: f"outbox {status_counts(db)}\n{logs(workers)}", poll_s=0.005)
        victim = workers.pop(rng.randrange(len(workers)))
        victim.kill()
        kills.append(f"{victim.name} at {len(twilio.messages)} SMS, "
                     f"{len(bot_messages(slack))} posts")
        start()

    try:
        start()
        start()
        wait_until(running(workers, lambda: all(w.lines_with("outbox worker started")
                                                for w in workers)),
                   timeout_s=START_TIMEOUT_S, what="both workers to start", poll_s=0.05,
                   describe=lambda: logs(workers))
        desk.declare_all()
        desk.import_contacts(RECIPIENTS)
        desk.wave(0)
        desk.notify(KEYS[0])
        # The first kill lands among the first posts (channels, summaries, announcements …),
        # the others while the notice goes out; each is followed by another wave of posts.
        first_posts = rng.randint(1, 4 * len(KEYS))
        kill_when(lambda: len(bot_messages(slack)) >= first_posts, f"{first_posts} posts")
        for wave, threshold in enumerate(sorted(rng.uniform(0.2, 0.8) * RECIPIENTS
                                                for _ in range(KILLS - 1)), start=1):
            desk.wave(wave)
            kill_when(lambda t=threshold: len(twilio.messages) >= t,
                      f"{int(threshold)} SMS at the emulator")
        desk.wave(KILLS)

        wait_until(running(workers, drained(db)), timeout_s=DRAIN_TIMEOUT_S,
                   what="the outbox to drain", poll_s=0.05,
                   describe=lambda: f"outbox {status_counts(db)}\n{logs(workers)}")
        codes = [worker.terminate() for worker in workers]
        assert codes == [0] * len(workers), logs(workers)
        stopped, workers = workers, []

        assert rows_not_sent(db) == []
        assert_each_recipient_once(twilio, db, {recipient(i) for i in range(RECIPIENTS)})
        posts = assert_each_post_once(slack, db)
        assert_one_channel_per_incident(slack, db)
        assert_summary_final(slack)
        with twilio.lock:
            refused = Counter(r["code"] for r in twilio.requests if r["code"])
        dropped = Counter(kind for kind, _ in twilio.dropped)
        slack_faults = Counter(kind for kind, _ in slack.injected)
        report(f"chaos (seed {SEED}, {time.monotonic() - began:.0f} s): {RECIPIENTS} recipients, "
               f"each texted once; {posts} Slack posts, each once; SIGKILLed {'; '.join(kills)}; "
               f"Twilio refusals {dict(refused)}, lost answers {dict(dropped)}; Slack faults "
               f"{dict(slack_faults)}; {sum(len(w.lines_with('was already sent as')) for w in stopped)}"
               " found at the lookup by the last workers")
        assert sum(refused.values()) + sum(dropped.values()) >= RECIPIENTS * FAULT_RATE / 2
        assert sum(slack_faults.values()) >= posts * FAULT_RATE / 2
        assert {"reset_after", "timeout_after", "error_after"} & set(slack_faults), \
            "no Slack call lost its answer after it took effect"
    finally:
        for worker in workers:
            worker.kill()
        desk.stop()
