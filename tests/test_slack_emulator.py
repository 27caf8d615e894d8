"""The Slack emulator, exercised through the real slack_sdk clients (no mocks)."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox.slack import SlackEmulator
from tests.support.hostile import half_request


@pytest.fixture
def emu():
    with SlackEmulator() as emulator:
        yield emulator


@pytest.fixture
def client(emu: SlackEmulator) -> WebClient:
    return WebClient(token=emu.bot_token, base_url=emu.base_url, retry_handlers=[])


def slack_error(call) -> SlackApiError:
    with pytest.raises(SlackApiError) as info:
        call()
    return info.value


def test_auth_test_and_base_url(emu: SlackEmulator, client: WebClient):
    assert emu.base_url.startswith("http://127.0.0.1:") and emu.base_url.endswith("/api/")
    resp = client.auth_test()
    assert resp["user_id"] == "UBOT0001" and resp["team_id"] == "T0TEST"
    headers = {name.lower(): value for name, value in resp.headers.items()}
    assert headers["content-type"] == "application/json; charset=utf-8"
    [call] = emu.calls_to("auth.test")
    assert call.headers["Authorization"] == f"Bearer {emu.bot_token}"


def test_auth_failures(emu: SlackEmulator):
    wrong = WebClient(token="xoxb-wrong", base_url=emu.base_url, retry_handlers=[])
    err = slack_error(wrong.auth_test)
    assert err.response.status_code == 200 and err.response["error"] == "invalid_auth"
    anonymous = WebClient(base_url=emu.base_url, retry_handlers=[])
    assert slack_error(anonymous.auth_test).response["error"] == "not_authed"
    # the legacy `token` form parameter is accepted as well
    assert anonymous.api_call("auth.test", params={"token": emu.bot_token})["ok"]


def test_unknown_method_is_404(client: WebClient):
    err = slack_error(lambda: client.api_call("chat.fly"))
    assert err.response.status_code == 404 and err.response["error"] == "unknown_method"


def test_create_channel_name_taken_and_invalid_names(emu: SlackEmulator, client: WebClient):
    channel = client.conversations_create(name="inc-42-db-outage", is_private=False)["channel"]
    assert channel["id"].startswith("C") and channel["name"] == "inc-42-db-outage"
    assert channel["is_channel"] is True and channel["is_private"] is False
    assert channel["creator"] == "UBOT0001"
    with emu.lock:
        assert emu.channels[channel["id"]].members == ["UBOT0001"]
    assert emu.channel_by_name("inc-42-db-outage").id == channel["id"]
    err = slack_error(lambda: client.conversations_create(name="inc-42-db-outage"))
    assert err.response["error"] == "name_taken"
    emu.add_channel("announcements")
    err = slack_error(lambda: client.conversations_create(name="announcements"))
    assert err.response["error"] == "name_taken"
    invalid = [("Bad Name!", "invalid_name_specials"), ("x" * 81, "invalid_name_maxlength"),
               ("", "invalid_name_required")]
    for name, error in invalid:
        err = slack_error(lambda name=name: client.conversations_create(name=name))
        assert err.response["error"] == error


def test_post_update_pin_and_already_pinned(emu: SlackEmulator, client: WebClient):
    channel_id = client.conversations_create(name="inc-1")["channel"]["id"]
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*SEV1*"}}]
    posted = client.chat_postMessage(channel=channel_id, text="SEV1 declared", blocks=blocks,
                                     metadata={"event_type": "incident", "event_payload": {}})
    assert posted["channel"] == channel_id
    assert posted["message"]["user"] == "UBOT0001" and posted["message"]["blocks"] == blocks
    second = client.chat_postMessage(channel="#inc-1", text="update", thread_ts=posted["ts"])
    assert float(second["ts"]) > float(posted["ts"])
    client.chat_update(channel=channel_id, ts=posted["ts"], text="SEV1 resolved")
    assert client.pins_add(channel=channel_id, timestamp=posted["ts"])["ok"]
    err = slack_error(lambda: client.pins_add(channel=channel_id, timestamp=posted["ts"]))
    assert err.response["error"] == "already_pinned"
    err = slack_error(lambda: client.pins_add(channel=channel_id, timestamp="1.000001"))
    assert err.response["error"] == "message_not_found"
    err = slack_error(lambda: client.api_call("chat.postMessage", json={"channel": channel_id}))
    assert err.response["error"] == "no_text"
    with emu.lock:
        channel = emu.channels[channel_id]
        assert [m.text for m in channel.messages] == ["SEV1 resolved", "update"]
        assert channel.messages[0].metadata["event_type"] == "incident"
        assert channel.messages[1].thread_ts == posted["ts"]
        assert channel.pins == [posted["ts"]]
    assert emu.calls_to("chat.postMessage")[0].params["blocks"] == blocks


def test_post_errors_dm_and_ephemeral(emu: SlackEmulator, client: WebClient):
    emu.add_channel("elsewhere", bot_member=False)
    err = slack_error(lambda: client.chat_postMessage(channel="#elsewhere", text="hi"))
    assert err.response["error"] == "not_in_channel"
    err = slack_error(lambda: client.chat_postMessage(channel="C99999999", text="hi"))
    assert err.response["error"] == "channel_not_found"
    dm = client.chat_postMessage(channel="U0ALICE", text="you are IC")
    assert dm["channel"].startswith("D")
    general = emu.add_channel("general", members=["U0ALICE"])
    client.chat_postEphemeral(channel=general.id, user="U0ALICE", text="only you")
    err = slack_error(lambda: client.chat_postEphemeral(channel=general.id, user="U0BOB", text="x"))
    assert err.response["error"] == "user_not_in_channel"
    assert [(m.user, m.text) for m in emu.ephemerals] == [("U0ALICE", "only you")]
    assert general.messages == []
    client.conversations_archive(channel=general.id)
    err = slack_error(lambda: client.chat_postMessage(channel=general.id, text="late"))
    assert err.response["error"] == "is_archived"


def test_invite_and_already_in_channel(emu: SlackEmulator, client: WebClient):
    channel_id = client.conversations_create(name="inc-2")["channel"]["id"]
    client.conversations_invite(channel=channel_id, users=["U0ALICE", "U0BOB"])
    err = slack_error(lambda: client.conversations_invite(channel=channel_id, users="U0ALICE"))
    assert err.response["error"] == "already_in_channel"
    client.conversations_invite(channel=channel_id, users="U0ALICE,U0CAROL")  # partly new: ok
    with emu.lock:
        assert emu.channels[channel_id].members == ["UBOT0001", "U0ALICE", "U0BOB", "U0CAROL"]
    emu.add_user("U0DAVE", name="dave")
    err = slack_error(lambda: client.conversations_invite(channel=channel_id, users="U0ERIN"))
    assert err.response["error"] == "user_not_found"
    err = slack_error(lambda: client.conversations_invite(channel="C404", users="U0DAVE"))
    assert err.response["error"] == "channel_not_found"


def test_topic_info_and_list(client: WebClient):
    channel_id = client.conversations_create(name="inc-3")["channel"]["id"]
    client.conversations_setTopic(channel=channel_id, topic="SEV2 | IC: @alice")
    client.conversations_setPurpose(channel=channel_id, purpose="DB outage")
    info = client.conversations_info(channel=channel_id)["channel"]
    assert info["topic"]["value"] == "SEV2 | IC: @alice" and info["purpose"]["value"] == "DB outage"
    names = [c["name"] for c in client.conversations_list(limit=1)["channels"]]
    assert names == ["inc-3"]


def test_fail_next_gives_429_with_retry_after(emu: SlackEmulator, client: WebClient):
    emu.fail_next("chat.postMessage", retry_after=7)
    channel = emu.add_channel("ops")
    err = slack_error(lambda: client.chat_postMessage(channel=channel.id, text="hi"))
    assert err.response.status_code == 429 and err.response["error"] == "ratelimited"
    assert err.response.headers["retry-after"] == "7"
    assert client.chat_postMessage(channel=channel.id, text="hi")["ok"]  # only once
    emu.fail_next("auth.test", error="internal_error", status=500, retry_after=None)
    err = slack_error(client.auth_test)
    assert err.response.status_code == 500 and "retry-after" not in err.response.headers


# 0.5 s of patience was too little on a loaded machine: an answer with no fault took longer twice
# in three full runs at load average 3-9, and the replay then drew the faults one call off.
PATIENCE_S, HOLD_S = 1.5, 3.0


def _post_under_chaos(emu: SlackEmulator, count: int) -> tuple[list[str], list]:
    """Posts ``m0`` … through a client that gives up after ``PATIENCE_S``; each call's chaos
    kind (None: no fault) and what the client saw. A held answer (``HOLD_S``) outlasts that
    patience; an answer without a fault must not, even on a loaded machine: a client that gave
    up on it early would send the next call while this one had not drawn its fault yet."""
    impatient = WebClient(token=emu.bot_token, base_url=emu.base_url, retry_handlers=[],
                          timeout=PATIENCE_S)
    channel = emu.add_channel("ops")
    seen = []
    for i in range(count):
        before = len(emu.injected)
        try:
            seen.append((None, impatient.chat_postMessage(channel=channel.id, text=f"m{i}")))
        except SlackApiError as exc:
            seen.append((None, exc.response))
        except OSError as exc:  # reset or timed out: no answer at all
            seen.append((None, exc))
        kinds = [kind for kind, _ in emu.injected[before:]]
        seen[-1] = (kinds[0] if kinds else None, seen[-1][1])
    with emu.lock:
        posted = [m.text for m in channel.messages]
    return posted, seen


def test_chaos_mixes_every_fault_seeded_in_slacks_wire_format():
    with SlackEmulator() as emu:
        emu.set_chaos(0.6, seed=11, hold_s=HOLD_S, methods=frozenset({"chat.postMessage"}))
        posted, seen = _post_under_chaos(emu, 60)
        assert emu.calls_to("auth.test") == []
    kinds = [kind for kind, _ in seen]
    assert set(kinds) == {None, "429", "500", "503", "reset_before", "reset_after",
                          "timeout_after", "error_after"}
    took_effect = {None, "reset_after", "timeout_after", "error_after"}
    assert posted == [f"m{i}" for i, kind in enumerate(kinds) if kind in took_effect]
    for kind, answer in seen:
        if kind in ("429", "503"):
            headers = {name.lower(): value for name, value in answer.headers.items()}
            assert answer.status_code == int(kind) and headers["retry-after"] == "1"
            assert answer["error"] == ("ratelimited" if kind == "429" else "service_unavailable")
        elif kind in ("500", "error_after"):
            assert answer.status_code == 500 and answer["error"] == "internal_error"
        elif kind is None:
            assert answer["ok"]
        else:  # no answer: reset, or held past the client's timeout
            assert isinstance(answer, OSError), (kind, answer)
    with SlackEmulator() as again:  # the same seed and calls: the same faults
        again.set_chaos(0.6, seed=11, hold_s=HOLD_S, methods=frozenset({"chat.postMessage"}))
        assert [kind for kind, _ in _post_under_chaos(again, 60)[1]] == kinds


def test_a_request_cut_off_mid_body_is_not_acted_on(emu: SlackEmulator):
    channel = emu.add_channel("ops")
    body = json.dumps({"channel": channel.id, "text": "Evacuate now"}).encode()
    answer = half_request(emu.base_url + "chat.postMessage", {
        "Authorization": f"Bearer {emu.bot_token}", "Content-Type": "application/json"}, body)
    assert answer == b"" and channel.messages == [] and emu.calls == []


def test_sdk_rate_limit_handler_retries(emu: SlackEmulator):
    retrying = WebClient(token=emu.bot_token, base_url=emu.base_url,
                         retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
    emu.fail_next("auth.test", retry_after=0)
    assert retrying.auth_test()["ok"]
    assert len(emu.calls_to("auth.test")) == 2


def test_views_open_push_update(emu: SlackEmulator, client: WebClient):
    view = {"type": "modal", "callback_id": "declare", "title": {"type": "plain_text", "text": "X"},
            "blocks": [], "private_metadata": "C1"}
    opened = client.views_open(trigger_id="123.456.abc", view=json.dumps(view))["view"]
    assert opened["id"].startswith("V") and opened["callback_id"] == "declare"
    assert opened["state"] == {"values": {}} and opened["private_metadata"] == "C1"
    # form-encoded, as some callers send it
    client.api_call("views.push", params={"trigger_id": "t", "view": json.dumps(view)})
    updated = client.views_update(view_id=opened["id"], view={**view, "callback_id": "v2"})
    assert updated["view"]["id"] == opened["id"]
    err = slack_error(lambda: client.api_call("views.open", json={"view": view}))
    assert err.response["error"] == "invalid_arguments"
    err = slack_error(lambda: client.views_update(view_id="V404", view=view))
    assert err.response["error"] == "not_found"
    with emu.lock:
        assert [v["callback_id"] for v in emu.views] == ["declare", "declare", "v2"]


def test_users_and_usergroups(emu: SlackEmulator, client: WebClient):
    emu.add_user("U0ALICE", name="alice", real_name="Alice A", tz="Europe/London")
    user = client.users_info(user="U0ALICE")["user"]
    assert user["real_name"] == "Alice A" and user["tz"] == "Europe/London"
    assert user["profile"]["display_name"] == "alice" and "tz_offset" in user
    assert slack_error(lambda: client.users_info(user="U0NOBODY")).response["error"] == (
        "user_not_found")
    assert {m["id"] for m in client.users_list()["members"]} == {"UBOT0001", "U0ALICE"}
    emu.add_usergroup("S0ONCALL", handle="oncall", users=["U0ALICE"])
    groups = client.usergroups_list(include_users=True)["usergroups"]
    assert [(g["id"], g["handle"], g["users"]) for g in groups] == [
        ("S0ONCALL", "oncall", ["U0ALICE"])]
    assert "users" not in client.usergroups_list()["usergroups"][0]
    assert client.usergroups_users_list(usergroup="S0ONCALL")["users"] == ["U0ALICE"]
    err = slack_error(lambda: client.usergroups_users_list(usergroup="S404"))
    assert err.response["error"] == "no_such_subteam"


def test_files_upload_v2(emu: SlackEmulator, client: WebClient):
    channel = emu.add_channel("inc-files")
    resp = client.files_upload_v2(channel=channel.id, content="a,b\n", filename="x.csv",
                                  title="x", initial_comment="timeline")
    file_id = resp["file"]["id"]
    with emu.lock:
        assert emu.files[file_id] == {"title": "x", "filename": "x.csv", "content": b"a,b\n",
                                      "channel_id": channel.id}
        [message] = channel.messages
    assert message.text == "timeline" and message.files[0]["id"] == file_id


def raw_request(url: str, data: bytes | None = None, **headers) -> dict:
    request = urllib.request.Request(url, data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=5) as resp:
        assert resp.headers["Content-Type"] == "application/json; charset=utf-8"
        return json.loads(resp.read())


def test_raw_wire_formats_are_merged(emu: SlackEmulator):
    auth = {"Authorization": f"Bearer {emu.bot_token}"}
    channel = emu.add_channel("raw")
    form = f"channel={channel.id}&text=caf%C3%A9".encode()
    ok = raw_request(emu.base_url + "chat.postMessage?thread_ts=1.2", form, **auth,
                     **{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    assert ok["ok"] and ok["message"]["thread_ts"] == "1.2"
    body = json.dumps({"channel": channel.id, "blocks": [{"type": "divider"}]}).encode()
    ok = raw_request(emu.base_url + "chat.postMessage", body, **auth,
                     **{"Content-Type": "application/json; charset=utf-8"})
    assert ok["message"]["blocks"] == [{"type": "divider"}]
    assert raw_request(emu.base_url + f"conversations.info?channel={channel.id}", **auth)["ok"]
    token_in_form = raw_request(emu.base_url + "auth.test", f"token={emu.bot_token}".encode())
    assert token_in_form["user_id"] == emu.bot_user_id
    assert [m.text for m in channel.messages] == ["café", ""]
    assert emu.calls_to("chat.postMessage")[0].params == {
        "thread_ts": "1.2", "channel": channel.id, "text": "café"}


def test_response_url_recording(emu: SlackEmulator):
    url = emu.new_response_url()
    assert url.startswith(emu.root_url + "/response/")
    body = json.dumps({"text": "done", "response_type": "ephemeral"}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as resp:
        assert resp.status == 200 and resp.read() == b"ok"
    assert emu.responses == [(url, {"text": "done", "response_type": "ephemeral"})]
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(urllib.request.Request(emu.root_url + "/response/999", data=body),
                               timeout=5)
    assert info.value.code == 404


def test_async_client(emu: SlackEmulator):
    async def scenario():
        client = AsyncWebClient(token=emu.bot_token, base_url=emu.base_url)
        channel_id = (await client.conversations_create(name="inc-async"))["channel"]["id"]
        await client.conversations_invite(channel=channel_id, users="U0ALICE")
        posted = await client.chat_postMessage(channel=channel_id, text="hello")
        info = await client.users_info(user="U0ALICE")
        return channel_id, posted["ts"], info["user"]["id"]

    channel_id, ts, user_id = asyncio.run(scenario())
    assert user_id == "U0ALICE"
    with emu.lock:
        assert [m.ts for m in emu.channels[channel_id].messages] == [ts]
        assert emu.channels[channel_id].members == ["UBOT0001", "U0ALICE"]


def test_user_messages_and_conversations_history(emu: SlackEmulator, client: WebClient):
    channel = emu.add_channel("inc-history", members=["U0ALICE"])
    first = emu.add_user_message(channel.id, "U0ALICE", "DECISION: open shelters")
    posted = client.chat_postMessage(channel=channel.id, text="noted")["ts"]
    client.chat_postMessage(channel=channel.id, text="in a thread", thread_ts=first)
    older = emu.add_user_message("#inc-history", "U0BOB", "earlier", ts="1600000000.000001")
    later = emu.add_user_message(channel.id, "U0ALICE", "ISSUE: no power")
    assert float(later) > float(posted) > float(first)
    with pytest.raises(ValueError):
        emu.add_user_message(channel.id, "U0BOB", "again", ts=older)

    history = client.conversations_history(channel=channel.id)
    assert [m["text"] for m in history["messages"]] == [  # newest first, no thread replies
        "ISSUE: no power", "noted", "DECISION: open shelters", "earlier"]
    assert history["has_more"] is False and history["pin_count"] == 0
    person, bot = history["messages"][0], history["messages"][1]
    assert person["user"] == "U0ALICE" and "bot_id" not in person and person["ts"] == later
    assert bot["bot_id"] == emu.bot_id and bot["user"] == emu.bot_user_id

    exact = client.conversations_history(channel=channel.id, latest=first, inclusive=True, limit=1)
    assert [m["ts"] for m in exact["messages"]] == [first] and exact["has_more"] is True
    before = client.conversations_history(channel=channel.id, latest=first, limit=1)
    assert [m["ts"] for m in before["messages"]] == [older]
    window = client.conversations_history(channel=channel.id, oldest=first, latest=later)
    assert [m["text"] for m in window["messages"]] == ["noted"]

    page = client.conversations_history(channel=channel.id, limit=3)
    assert len(page["messages"]) == 3 and page["has_more"] is True
    rest = client.conversations_history(channel=channel.id, limit=3,
                                        cursor=page["response_metadata"]["next_cursor"])
    assert [m["text"] for m in rest["messages"]] == ["earlier"]
    assert rest["response_metadata"]["next_cursor"] == ""

    err = slack_error(lambda: client.conversations_history(channel=channel.id, latest="soon"))
    assert err.response["error"] == "invalid_ts_latest"
    err = slack_error(lambda: client.conversations_history(channel="C404"))
    assert err.response["error"] == "channel_not_found"
    outside = emu.add_channel("not-joined", bot_member=False)
    err = slack_error(lambda: client.conversations_history(channel=outside.id))
    assert err.response["error"] == "not_in_channel"


def test_chat_get_permalink(emu: SlackEmulator, client: WebClient):
    channel = emu.add_channel("inc-links")
    ts = emu.add_user_message(channel.id, "U0ALICE", "ACTION: call the EOC",
                              ts="1700000000.000100")
    link = client.chat_getPermalink(channel=channel.id, message_ts=ts)
    assert link["channel"] == channel.id
    assert link["permalink"] == f"https://emulator.slack/archives/{channel.id}/p1700000000000100"
    reply = client.chat_postMessage(channel=channel.id, text="on it", thread_ts=ts)["ts"]
    threaded = client.chat_getPermalink(channel=channel.id, message_ts=reply)["permalink"]
    assert threaded.endswith(f"?thread_ts={ts}&cid={channel.id}")
    err = slack_error(lambda: client.chat_getPermalink(channel=channel.id, message_ts="1.000001"))
    assert err.response["error"] == "message_not_found"
    [call] = emu.calls_to("chat.getPermalink")[:1]
    assert call.params["message_ts"] == ts
