"""Answers lost after Slack acted, over real HTTP: the gateway against the Slack emulator, and the
outbox's Slack senders through it. A post whose answer is lost must exist exactly once; a channel
whose answer is lost must be adopted, not doubled."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.bootstrap import Container, bootstrap
from bot.directory.rules.contacts import ContactRecord
from bot.directory.service import contacts as directory
from bot.dispatch.grammar import Invocation, parse_declare
from bot.gateways.slack import SlackGateway
from bot.outbox.kinds import Kind
from bot.outbox.queue import enqueue
from bot.outbox.slack_senders import SlackDelivery
from bot.ports import DeliveryError, OutcomeUnknown, PostedMessage
from bot.sandbox.slack import SlackEmulator
from tests.conftest import COORDINATOR
from tests.support.fakes import FakeClock, FakeSms, FakeVoice
from tests.support.slash import Slash

TOKEN = "xoxb-test-token"  # the one the test settings carry
YEAR = datetime.now(UTC).year  # the app's clock is wall time here (Slack's ts are)
CHANNEL = f"inc-{YEAR}-0001-hurricane-xavier"
INCIDENT = f"INC-{YEAR}-0001"
KEY_METADATA = {"event_type": "coordbot_outbox", "event_payload": {"key": "update:1"}}


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    emulator = SlackEmulator(bot_token=TOKEN).start()
    emulator.add_usergroup("S0LEADS01", handle="incident-leads", users=["ULEAD0001"])
    yield emulator
    emulator.stop()


@pytest.fixture
def gateway(emu: SlackEmulator) -> SlackGateway:
    return SlackGateway(token=TOKEN, base_url=emu.base_url, sleep=lambda s: None, timeout_s=2)


def an_hour_ago() -> datetime:
    return datetime.now(UTC) - timedelta(hours=1)


# ----- the gateway -------------------------------------------------------------------------------

def test_a_lost_post_answer_is_an_unknown_outcome_and_the_post_is_not_sent_again(emu, gateway):
    channel = emu.add_channel("ops")
    emu.lose_answer("chat.postMessage")

    with pytest.raises(OutcomeUnknown) as info:
        gateway.post(channel.id, "Evacuations ordered", key="update:1")

    assert info.value.permanent is False
    assert len(emu.calls_to("chat.postMessage")) == 1  # no retry handler re-sent it
    [message] = channel.messages
    assert message.metadata == KEY_METADATA
    assert gateway.find_post(channel.id, "update:1", since=an_hour_ago()) == PostedMessage(
        channel.id, message.ts)
    [call] = emu.calls_to("conversations.history")
    assert call.params["include_all_metadata"] in ("1", "true", True)
    assert float(call.params["oldest"]) == pytest.approx(an_hour_ago().timestamp(), abs=60)


def test_find_post_misses_other_keys_older_posts_and_answers_none(emu, gateway):
    channel = emu.add_channel("ops")
    gateway.post(channel.id, "first", key="update:1")
    emu.add_user_message(channel.id, "UALICE001", "chatter")
    assert gateway.find_post(channel.id, "update:2", since=an_hour_ago()) is None
    later = datetime.now(UTC) + timedelta(minutes=5)
    assert gateway.find_post(channel.id, "update:1", since=later) is None


def test_a_5xx_after_slack_acted_is_an_unknown_outcome(emu, gateway):
    channel = emu.add_channel("ops")
    emu.lose_answer("chat.postMessage", status=503, error="service_unavailable")
    with pytest.raises(OutcomeUnknown) as info:
        gateway.post(channel.id, "hello", key="k")
    assert info.value.code == "service_unavailable"
    assert [m.text for m in channel.messages] == ["hello"]


def test_history_leaves_metadata_out_unless_asked(emu, gateway):
    channel = emu.add_channel("ops")
    gateway.post(channel.id, "hello", key="update:1")
    plain = gateway.client.conversations_history(channel=channel.id)["messages"]
    asked = gateway.client.conversations_history(channel=channel.id,
                                                 include_all_metadata=True)["messages"]
    assert "metadata" not in plain[0] and asked[0]["metadata"] == KEY_METADATA


def test_find_post_in_a_dm_in_a_thread_and_by_channel_name(emu, gateway):
    dm = gateway.post("UALICE001", "You own A-1", key="action-assigned:1")
    found = gateway.find_post("UALICE001", "action-assigned:1", since=an_hour_ago())
    assert found == dm and found.channel.startswith("D")
    channel = emu.add_channel("ops")
    parent = emu.add_user_message(channel.id, "UALICE001", "@coordbot help")
    reply = gateway.post(channel.id, "Help text", thread_ts=parent, key="mention:1")
    assert gateway.find_post(channel.id, "mention:1", since=an_hour_ago(),
                             thread_ts=parent) == reply
    assert gateway.find_post(channel.id, "mention:1", since=an_hour_ago()) is None
    by_name = gateway.post("ops", "Posted by name", key="announce:1")
    assert gateway.find_post("#ops", "announce:1", since=an_hour_ago()) == by_name
    assert gateway.find_post("no-such-channel", "announce:1", since=an_hour_ago()) is None


def test_not_in_channel_joins_and_posts_once(emu, gateway):
    channel = emu.add_channel("ops", bot_member=False)
    posted = gateway.post(channel.id, "hello", key="k")
    assert len(emu.calls_to("conversations.join")) == 1
    assert [m.text for m in channel.messages] == ["hello"] and posted.ts == channel.messages[0].ts
    assert len(emu.calls_to("chat.postMessage")) == 2  # refused, then posted after joining


def test_not_in_channel_that_cannot_be_joined_is_permanent(emu, gateway):
    channel = emu.add_channel("ops", bot_member=False)
    emu.fail_next("conversations.join", error="method_not_supported_for_channel_type",
                  status=200, retry_after=None)
    with pytest.raises(DeliveryError) as info:
        gateway.post(channel.id, "hello")
    assert info.value.code == "not_in_channel" and info.value.permanent is True
    assert "cannot join" in str(info.value) and len(emu.calls_to("conversations.join")) == 1
    assert channel.messages == [] and len(emu.calls_to("chat.postMessage")) == 1


def test_find_channel_tells_who_created_it(emu, gateway):
    ours = gateway.create_channel("inc-ours")
    emu.add_channel("inc-theirs", creator="UALICE001")
    assert gateway.bot_user_id() == emu.bot_user_id
    assert gateway.find_channel("inc-ours").creator == emu.bot_user_id
    assert gateway.find_channel("inc-ours").id == ours
    assert gateway.find_channel("inc-theirs").creator == "UALICE001"
    assert gateway.find_channel("inc-nobody") is None


# ----- the senders through the gateway -----------------------------------------------------------

@pytest.fixture
def app(settings, emu: SlackEmulator, gateway: SlackGateway) -> Iterator[Container]:
    clock = FakeClock(datetime.now(UTC))  # Slack's ts are wall time: so are the rows'
    settings.slack.announcements_channel = "incident-announcements"
    emu.add_channel("incident-announcements")
    built = bootstrap(settings, clock=clock, slack=gateway, sms=FakeSms(), voice=FakeVoice())
    yield built
    built.stop()


def drain_through_retries(app: Container, rounds: int = 5) -> None:
    for _ in range(rounds):
        app.worker.drain()
        app.clock.advance(minutes=10)


def outbox_row(app: Container, key: str):
    with app.db.unit_of_work() as uow:
        row = uow.outbox.by_key(key)
        uow.session.expunge(row)
        return row


def rows(app: Container, prefix: str) -> list:
    with app.db.unit_of_work() as uow:
        found = [r for r in uow.outbox.list() if r.idempotency_key.startswith(prefix)]
        uow.session.expunge_all()
        return found


def declare(app: Container) -> None:
    Slash(app).declare(parse_declare('hurricane "Hurricane Xavier" FL,GA'), user=COORDINATOR)


def test_a_post_whose_answer_is_lost_is_posted_exactly_once(app, emu):
    declare(app)
    app.worker.drain()
    channel = emu.channel_by_name(CHANNEL)
    emu.lose_answer("chat.postMessage")
    Slash(app).run(Invocation("update", key=INCIDENT, text="Evacuations ordered"),
                   user=COORDINATOR, channel=channel.id)

    drain_through_retries(app)

    posted = [m for m in channel.messages if "Evacuations ordered" in m.text]
    assert len(posted) == 1
    [row] = rows(app, "update:")
    assert row.status == "sent" and row.provider_id == posted[0].ts
    assert posted[0].metadata["event_payload"] == {"key": row.idempotency_key}


def test_reconcile_finds_a_post_by_its_key_and_none_for_one_never_posted(app, emu):
    declare(app)
    emu.lose_answer("chat.postMessage", times=2)
    app.worker.drain()  # the summary's answer is lost (the announcement's too)
    reconcile = SlackDelivery(db=app.db, slack=app.slack, roles=app.roles,
                              settings=app.settings, clock=app.clock,
                              wakeup=app.wakeup).senders()[Kind.POST].reconcile
    summary = emu.channel_by_name(CHANNEL).messages[0]

    assert reconcile(outbox_row(app, "summary:1")).provider_id == summary.ts
    with app.db.unit_of_work() as uow:
        assert uow.incidents.by_key(INCIDENT).summary_ts == summary.ts
        assert uow.outbox.by_key("pin:summary:1") is not None  # the pin follows as usual
    with app.db.unit_of_work() as uow:
        enqueue(uow, key="note:never-posted", kind=Kind.POST, purpose="test", now=app.clock.now(),
                payload={"channel": summary.channel, "text": "never posted"})
        uow.commit()
    assert reconcile(outbox_row(app, "note:never-posted")) is None


def test_a_lost_channel_creation_answer_adopts_the_channel(app, emu):
    emu.lose_answer("conversations.create")
    declare(app)

    drain_through_retries(app)

    names = [c.name for c in emu.channels.values() if not c.is_im]
    assert names.count(CHANNEL) == 1 and f"{CHANNEL}-2" not in names
    channel = emu.channel_by_name(CHANNEL)
    with app.db.unit_of_work() as uow:
        incident = uow.incidents.by_key(INCIDENT)
        assert incident.channel_id == channel.id
        [created] = uow.audit.list(action="incident.channel_created")
        assert created.details["adopted"] is True
    assert "Hurricane Xavier" in channel.messages[0].text and channel.pins


def test_a_lost_answer_for_the_next_suffix_adopts_it_past_someone_elses_channel(app, emu):
    emu.add_channel(CHANNEL, creator="UALICE001")  # not ours: never adopted
    emu.lose_answer("conversations.create")
    declare(app)

    drain_through_retries(app)

    names = [c.name for c in emu.channels.values() if not c.is_im]
    assert f"{CHANNEL}-2" in names and f"{CHANNEL}-3" not in names
    with app.db.unit_of_work() as uow:
        incident = uow.incidents.by_key(INCIDENT)
        assert incident.channel_name == f"{CHANNEL}-2"
        assert incident.channel_id == emu.channel_by_name(f"{CHANNEL}-2").id


def confirmed_notice_to_five(app, emu):
    """An incident with its channel, five SMS contacts and a confirmed notice to them; the
    incident's channel at the emulator."""
    declare(app)
    with app.db.unit_of_work() as uow:
        directory.import_records(uow, [ContactRecord(name=f"C{i}", phone=f"+1415555010{i}",
                                                     regions=("FL",)) for i in range(5)],
                                 source="t", actor="t", now=app.clock.now())
        uow.commit()
    app.worker.drain()
    channel = emu.channel_by_name(CHANNEL)
    commands = Slash(app)
    reply = commands.run(Invocation("notify", key=INCIDENT, text="Shelters open."),
                         user=COORDINATOR)
    commands.confirm_notice(reply.blocks[-1]["elements"][0]["value"], user=COORDINATOR)
    return channel


def test_a_delivery_summary_whose_first_answer_is_lost_stays_one_message(app, emu):
    """The first summary row's post is made but its answer is lost, and so are its lookups for a
    while; the refreshes queued meanwhile wait for it instead of posting a second summary."""
    channel = confirmed_notice_to_five(app, emu)
    emu.lose_answer("chat.postMessage")
    emu.lose_answer("conversations.history", times=3)

    drain_through_retries(app, rounds=8)

    summaries = [m for m in channel.messages if m.text.startswith("SMS notice")]
    assert len(summaries) == 1, [(m.text, m.metadata) for m in summaries]
    assert "5 sent" in summaries[0].text and "0 pending" in summaries[0].text
    assert {r.status for r in rows(app, "delivery-summary:")} == {"sent"}


def test_a_delivery_summary_whose_lookups_fail_until_the_last_attempt_is_still_one_message(
        app, emu):
    """The summary's post is made, its answer lost, and every lookup but the last fails: the
    last look finds it, so the refreshes edit it rather than post a second summary."""
    app.settings.outbox.max_attempts = 3
    channel = confirmed_notice_to_five(app, emu)
    emu.lose_answer("chat.postMessage")
    emu.lose_answer("conversations.history", times=2)

    drain_through_retries(app, rounds=8)

    summaries = [m for m in channel.messages if m.text.startswith("SMS notice")]
    assert len(summaries) == 1, [(m.text, m.metadata) for m in summaries]
    assert "5 sent" in summaries[0].text and "0 pending" in summaries[0].text
