"""The Twilio emulator's real-time transcription, driven through the real SDK: the
``Calls/{Sid}/Transcriptions`` resource (create, stop by SID or by name), the events a caller's
words produce (started, partials, final, stopped; signed; several languages), and a call's end
stopping what it started."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from bot.sandbox.twilio import TwilioEmulator
from tests.support.voice import CALLER, PIN, SECOND_CALLER, VoiceApp, assert_signed, join


def events(app: VoiceApp) -> list[dict]:
    return [hit["params"] for hit in app.requests("/transcription")]


def test_a_transcription_started_over_rest_posts_partials_then_the_final_line(
        emu: TwilioEmulator, open_app: VoiceApp, client: Client) -> None:
    session = join(emu, open_app, CALLER, PIN)
    created = client.calls(session.call_sid).transcriptions.create(
        name="leg-1", track="inbound_track", status_callback_url=f"{open_app.url}/transcription",
        language_code="vi-VN", partial_results=True)
    assert (created.status, created.call_sid, created.name) == ("in-progress", session.call_sid,
                                                                 "leg-1")
    assert created.sid.startswith("GT") and emu.transcriptions[created.sid].language_code == "vi-VN"

    at = datetime(2026, 11, 28, 20, 5, 1, 250000, tzinfo=UTC)
    delivered = emu.say(session.call_sid, "Chúng tôi cần nước sạch ở nhà thờ", at=at)
    received = events(open_app)
    assert [e["TranscriptionEvent"] for e in received] == [
        "transcription-started", *["transcription-content"] * 3]
    assert [e["SequenceId"] for e in received] == ["1", "2", "3", "4"]
    assert len(delivered) == 3 and all(entry["status"] == 204 for entry in delivered)
    content = received[1:]
    assert [json.loads(e["TranscriptionData"])["transcript"] for e in content] == [
        "Chúng tôi", "Chúng tôi cần nước sạch", "Chúng tôi cần nước sạch ở nhà thờ"]
    assert [e["Final"] for e in content] == ["false", "false", "true"]
    assert "Stability" in content[0] and "Stability" not in content[-1]
    assert {(e["LanguageCode"], e["Track"], e["CallSid"], e["TranscriptionSid"], e["Timestamp"])
            for e in content} == {("vi-VN", "inbound_track", session.call_sid, created.sid,
                                   "2026-11-28T20:05:01.250000Z")}
    assert_signed(emu, open_app.requests("/transcription"))

    stopped = client.calls(session.call_sid).transcriptions("leg-1").update(status="stopped")
    assert stopped.status == "stopped"
    emu.wait_for_voice_callbacks(10)
    assert events(open_app)[-1]["TranscriptionEvent"] == "transcription-stopped"
    assert emu.say(session.call_sid, "không ai nghe") == []  # stopped: nothing more
    session.hang_up()


def test_twiml_start_transcription_held_events_shuffled_and_redelivered(
        emu: TwilioEmulator, open_app: VoiceApp, client: Client) -> None:
    session = join(emu, open_app, SECOND_CALLER, PIN)
    client.calls(session.call_sid).transcriptions.create(
        status_callback_url=f"{open_app.url}/transcription", language_code="es-US")
    for text in ("Uno", "Dos tres", "Cuatro cinco seis"):  # no partials were asked for
        assert emu.say(session.call_sid, text, deliver_now=False) == []
    assert len(events(open_app)) == 1  # only "started" so far
    first = emu.deliver_transcription(order="reversed", duplicate=True)
    assert [json.loads(e["params"]["TranscriptionData"])["transcript"] for e in first] == [
        "Cuatro cinco seis", "Dos tres", "Uno"]
    hits = open_app.requests("/transcription")[1:]
    assert len(hits) == 6
    tokens = [hit["headers"]["I-Twilio-Idempotency-Token"] for hit in hits]
    assert sorted(tokens[:3]) == sorted(tokens[3:])  # redeliveries: the same tokens
    session.hang_up()  # the call's end stops its transcription
    emu.wait_for_voice_callbacks(10)
    assert events(open_app)[-1]["TranscriptionEvent"] == "transcription-stopped"


def test_the_resource_refuses_what_twilio_refuses(emu: TwilioEmulator, open_app: VoiceApp,
                                                  client: Client) -> None:
    session = join(emu, open_app, CALLER, PIN)
    with pytest.raises(TwilioRestException) as unknown:
        client.calls("CA" + "f" * 32).transcriptions.create(language_code="en-US")
    assert unknown.value.status == 404
    with pytest.raises(TwilioRestException) as track:
        client.calls(session.call_sid).transcriptions.create(track="left_track")
    assert track.value.status == 400
    with pytest.raises(TwilioRestException) as missing:
        client.calls(session.call_sid).transcriptions("nobody").update(status="stopped")
    assert missing.value.status == 404
    session.hang_up()
    with pytest.raises(TwilioRestException) as over:
        client.calls(session.call_sid).transcriptions.create(language_code="en-US")
    assert over.value.status == 400
    with pytest.raises(ValueError, match="order must be"):
        emu.deliver_transcription(order="sideways")
