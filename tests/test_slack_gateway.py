"""The real SlackGateway over HTTP against the local Slack emulator; sleeps are recorded, not slept."""

from __future__ import annotations

import socket

import pytest

from bot.errors import InvalidInput
from bot.gateways.slack import SlackGateway
from bot.ports import DeliveryError, NameTaken, OutcomeUnknown, PostedMessage
from bot.sandbox.slack import SlackEmulator

TOKEN = "xoxb-gw"


class SleepRecorder:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def emu():
    emulator = SlackEmulator(bot_token=TOKEN).start()
    yield emulator
    emulator.stop()


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def gateway(emu: SlackEmulator, sleeps: SleepRecorder) -> SlackGateway:
    return SlackGateway(token=TOKEN, base_url=emu.base_url, sleep=sleeps, timeout_s=2)


def delivery_error(call) -> DeliveryError:
    with pytest.raises(DeliveryError) as info:
        call()
    return info.value


# ----- rate limits -------------------------------------------------------------------------------

def test_short_retry_after_is_slept_inline_and_the_message_posted_once(emu, gateway, sleeps):
    channel = emu.add_channel("ops")
    emu.fail_next("chat.postMessage", error="ratelimited", status=429, retry_after=2)

    posted = gateway.post(channel.id, "hello")

    assert sleeps.calls == [2]
    assert len(emu.calls_to("chat.postMessage")) == 2
    assert [m.text for m in channel.messages] == ["hello"]
    assert posted == PostedMessage(channel=channel.id, ts=channel.messages[0].ts)


def test_long_retry_after_goes_back_to_the_caller_without_sleeping(emu, gateway, sleeps):
    channel = emu.add_channel("ops")
    emu.fail_next("chat.postMessage", error="ratelimited", status=429, retry_after=120)

    error = delivery_error(lambda: gateway.post(channel.id, "hello"))

    assert error.code == "ratelimited"
    assert error.permanent is False and error.retry_after == 120
    assert sleeps.calls == [] and channel.messages == []
    assert len(emu.calls_to("chat.postMessage")) == 1


def test_repeated_short_rate_limits_give_up_after_the_retry_budget(emu, gateway, sleeps):
    channel = emu.add_channel("ops")
    emu.fail_next("chat.postMessage", error="ratelimited", status=429, retry_after=1, times=4)

    error = delivery_error(lambda: gateway.post(channel.id, "hello"))

    assert error.code == "ratelimited" and error.permanent is False and error.retry_after == 1
    assert sleeps.calls == [1, 1, 1]
    assert len(emu.calls_to("chat.postMessage")) == 4 and channel.messages == []


# ----- channels, invites, pins -------------------------------------------------------------------

def test_create_channel_returns_its_id(emu, gateway):
    channel_id = gateway.create_channel("inc-2026-0001-flood")
    assert emu.channels[channel_id].name == "inc-2026-0001-flood"
    assert emu.channels[channel_id].is_private is False


def test_create_channel_with_a_taken_name_raises_name_taken(emu, gateway):
    emu.add_channel("inc-2026-0001-flood")
    error = delivery_error(lambda: gateway.create_channel("inc-2026-0001-flood"))
    assert isinstance(error, NameTaken)
    assert error.code == "name_taken" and error.permanent is True


def test_create_channel_with_an_invalid_name_is_permanent(emu, gateway):
    error = delivery_error(lambda: gateway.create_channel("Not A Valid Name!"))
    assert not isinstance(error, NameTaken)
    assert error.code == "invalid_name_specials" and error.permanent is True
    assert [c.name for c in emu.channels.values()] == []


def test_invite_new_and_existing_members(emu, gateway):
    channel = emu.add_channel("ops", members=["UALICE001"])
    gateway.invite(channel.id, ["UALICE001"])  # already_in_channel is not an error
    gateway.invite(channel.id, ["UBOB00001", "UCARL0001"])
    assert channel.members == [emu.bot_user_id, "UALICE001", "UBOB00001", "UCARL0001"]
    [*_, last] = emu.calls_to("conversations.invite")
    assert last.params["users"] == "UBOB00001,UCARL0001"


def test_pinning_twice_is_not_an_error(emu, gateway):
    channel = emu.add_channel("ops")
    posted = gateway.post(channel.id, "summary")
    gateway.pin(channel.id, posted.ts)
    gateway.pin(channel.id, posted.ts)  # already_pinned is ignored
    assert channel.pins == [posted.ts]
    assert len(emu.calls_to("pins.add")) == 2


# ----- error classification ----------------------------------------------------------------------

def test_server_error_is_transient(emu, gateway, sleeps):
    channel = emu.add_channel("ops")
    emu.fail_next("chat.postMessage", error="internal_error", status=500, retry_after=None)
    error = delivery_error(lambda: gateway.post(channel.id, "hello"))
    assert isinstance(error, OutcomeUnknown)
    assert error.code == "internal_error" and error.permanent is False
    assert error.retry_after is None and sleeps.calls == []
    assert channel.messages == []


def test_transient_error_code_on_http_200_is_transient(emu, gateway):
    channel = emu.add_channel("ops")
    emu.fail_next("chat.postMessage", error="service_unavailable", status=200, retry_after=None)
    error = delivery_error(lambda: gateway.post(channel.id, "hello"))
    assert error.code == "service_unavailable" and error.permanent is False


def test_channel_not_found_is_permanent(gateway):
    error = delivery_error(lambda: gateway.post("C404NOPE0", "hello"))
    assert error.code == "channel_not_found" and error.permanent is True
    assert error.retry_after is None


def test_wrong_token_is_a_permanent_invalid_auth(emu, sleeps):
    channel = emu.add_channel("ops")
    wrong = SlackGateway(token="xoxb-wrong", base_url=emu.base_url, sleep=sleeps, timeout_s=2)
    error = delivery_error(lambda: wrong.post(channel.id, "hello"))
    assert error.code == "invalid_auth" and error.permanent is True
    assert channel.messages == []


# ----- user groups -------------------------------------------------------------------------------

def test_usergroup_members_by_handle_and_by_id(emu, gateway):
    emu.add_usergroup("S0LEADS01", handle="incident-leads", users=["UALICE001", "UBOB00001"])
    emu.add_usergroup("S0OTHER01", handle="other", users=["UZED00001"])
    assert gateway.usergroup_members("@incident-leads") == ["UALICE001", "UBOB00001"]
    assert gateway.usergroup_members("S0LEADS01") == ["UALICE001", "UBOB00001"]
    assert gateway.usergroup_members("@other") == ["UZED00001"]


def test_unknown_usergroup_handle_or_id_is_no_such_subteam(emu, gateway):
    emu.add_usergroup("S0LEADS01", handle="incident-leads", users=["UALICE001"])
    by_handle = delivery_error(lambda: gateway.usergroup_members("@nobody"))
    assert by_handle.code == "no_such_subteam" and by_handle.permanent is True
    by_id = delivery_error(lambda: gateway.usergroup_members("S0NOPE001"))
    assert by_id.code == "no_such_subteam" and by_id.permanent is True


# ----- the network -------------------------------------------------------------------------------

def test_unreachable_server_is_a_transient_connection_error(emu, sleeps):
    base_url = emu.base_url
    emu.stop()
    gateway = SlackGateway(token=TOKEN, base_url=base_url, sleep=sleeps, timeout_s=1)
    error = delivery_error(lambda: gateway.post("C00000001", "hello"))
    assert error.code == "connection_error" and error.permanent is False
    assert sleeps.calls == []


def test_server_that_never_answers_leaves_the_outcome_unknown(sleeps):
    with socket.socket() as listener:  # accepts connections (backlog) but never replies
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        gateway = SlackGateway(token=TOKEN, base_url=f"http://127.0.0.1:{port}/api/",
                               sleep=sleeps, timeout_s=1)
        error = delivery_error(lambda: gateway.post("C00000001", "hello"))
    assert isinstance(error, OutcomeUnknown)  # the request was written: Slack may have posted
    assert error.code == "timeout" and error.permanent is False


# ----- messages, permalinks, people --------------------------------------------------------------

def test_message_text_of_a_message_and_of_one_that_is_not_there(emu, gateway):
    channel = emu.add_channel("inc-notes")
    older = emu.add_user_message(channel.id, "UALICE001", "ISSUE: roads closed")
    ts = emu.add_user_message(channel.id, "UALICE001", "Shelters open at 6pm")
    emu.add_user_message(channel.id, "UBOB00001", "newer chatter")
    assert gateway.message_text(channel.id, ts) == "Shelters open at 6pm"
    assert gateway.message_text(channel.id, older) == "ISSUE: roads closed"
    assert gateway.message_text(channel.id, "1500000000.000001") is None  # nothing at or before
    assert gateway.message_text(channel.id, f"{float(ts) - 0.5:.6f}") is None  # an older one is
    [call, *_] = emu.calls_to("conversations.history")
    assert {key: call.params[key] for key in ("latest", "inclusive", "limit")} == {
        "latest": ts, "inclusive": "1", "limit": "1"}
    error = delivery_error(lambda: gateway.message_text("C404NOPE0", ts))
    assert error.code == "channel_not_found" and error.permanent is True


def test_permalink(emu, gateway):
    channel = emu.add_channel("inc-notes")
    ts = emu.add_user_message(channel.id, "UALICE001", "DECISION: evacuate", ts="1790000000.123456")
    assert gateway.permalink(channel.id, ts) == (
        f"https://emulator.slack/archives/{channel.id}/p1790000000123456")
    error = delivery_error(lambda: gateway.permalink(channel.id, "1790000000.000001"))
    assert error.code == "message_not_found" and error.permanent is True


def test_user_name_prefers_the_real_name(emu, gateway):
    emu.add_user("UALICE001", name="alice", real_name="Alice Adams")
    emu.add_user("UBOB00001", name="bob")
    assert gateway.user_name("UALICE001") == "Alice Adams"
    assert gateway.user_name("UBOB00001") == "bob"
    assert gateway.user_name("UNOBODY01") is None
    emu.fail_next("users.info", error="internal_error", status=500, retry_after=None)
    assert delivery_error(lambda: gateway.user_name("UALICE001")).permanent is False


def test_find_user_by_any_of_its_names_across_pages(emu, gateway):
    for n in range(250):
        emu.add_user(f"UFILL{n:04d}", name=f"filler{n}", real_name=f"Filler {n}")
    emu.add_user("UALICE001", name="alice", real_name="Alice Adams")
    assert gateway.find_user("@alice") == "UALICE001"
    assert gateway.find_user("ALICE ADAMS") == "UALICE001"
    assert gateway.find_user("Filler 7") == "UFILL0007"
    assert gateway.find_user("@nobody") is None and gateway.find_user("@") is None
    cursors = [call.params.get("cursor") for call in emu.calls_to("users.list")[:2]]
    assert cursors == [None, "200"]


def test_find_user_names_every_match_when_several_match(emu, gateway):
    emu.add_user("UALICE001", name="alice", real_name="Alice Adams")
    emu.add_user("UALICE002", name="alice.b", real_name="alice")
    with pytest.raises(InvalidInput) as info:
        gateway.find_user("Alice")
    assert "<@UALICE001>" in str(info.value) and "<@UALICE002>" in str(info.value)
    assert "@alice.b" in str(info.value)
    emu.fail_next("users.list", error="ratelimited", status=429, retry_after=60)
    assert delivery_error(lambda: gateway.find_user("alice")).retry_after == 60
