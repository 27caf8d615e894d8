"""The optional summariser: the gateway against a local OpenAI-compatible server on a real
socket (an answer, a timeout, an HTTP error, a body that is not JSON, missing fields, nobody
listening), its failures logged without the transcript's words and never blocking the notes,
its proposal added once at the top of the draft, labelled; and off by default, nothing asked
and the draft unchanged."""

from __future__ import annotations

import logging

import pytest

from bot.config import SummarizerSettings
from bot.gateways.summarizer import ChatCompletionsSummarizer
from bot.notes.service import draft as notes_draft
from bot.notes.service import summaries
from bot.outbox.kinds import Kind
from tests.support.chat_server import chat_server
from tests.support.notes import review_settings, snapshot
from tests.support.transcripts import drafted, store_lines

TRANSCRIPT = "Ana Ruiz (Casa Ayuda) [es]: Decidimos abrir el refugio."
SUMMARY = "Casa Ayuda reported that the Lincoln shelter opens tonight."


@pytest.fixture
def server():
    with chat_server() as running:
        yield running


def gateway(server, **changes) -> ChatCompletionsSummarizer:
    return ChatCompletionsSummarizer(SummarizerSettings(
        url=server.url, model="llama-office", **({"timeout_s": 5.0} | changes)))


def test_the_summary_is_the_answers_content_and_the_request_names_model_and_key(server):
    server.answer(f"  {SUMMARY}\n")
    assert gateway(server, api_key="sk-office").summarize(TRANSCRIPT) == SUMMARY
    (request,) = server.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["Authorization"] == "Bearer sk-office"
    sent = request["json"]
    assert sent["model"] == "llama-office" and sent["stream"] is False
    assert [m["role"] for m in sent["messages"]] == ["system", "user"]
    assert sent["messages"][1]["content"] == TRANSCRIPT


def test_no_key_configured_sends_no_authorization(server):
    server.answer(SUMMARY)
    gateway(server).summarize(TRANSCRIPT)
    assert "Authorization" not in server.requests[0]["headers"]


def _fails_quietly(summarizer, caplog, reason: str) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.gateways.summarizer"):
        assert summarizer.summarize(TRANSCRIPT) is None
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert reason in logged and "refugio" not in logged and "Ana Ruiz" not in logged


def test_a_timeout_gives_no_summary(server, caplog):
    server.hold = True
    _fails_quietly(gateway(server, timeout_s=0.3), caplog, "timeout")


def test_an_http_error_gives_no_summary(server, caplog):
    server.status, server.body = 503, b'{"error": {"message": "Decidimos abrir el refugio"}}'
    _fails_quietly(gateway(server), caplog, "HTTP 503")


def test_an_answer_that_is_not_json_gives_no_summary(server, caplog):
    server.body = b"<html>Decidimos abrir el refugio</html>"
    _fails_quietly(gateway(server), caplog, "not JSON")


@pytest.mark.parametrize("body", [b'{"choices": []}', b'{"choices": [{"message": {}}]}',
                                  b'{"object": "error"}', b"[1, 2]"])
def test_an_answer_without_the_fields_gives_no_summary(server, caplog, body):
    server.body = body
    _fails_quietly(gateway(server), caplog, "malformed")


def test_empty_content_gives_no_summary(server, caplog):
    server.answer("   ")
    _fails_quietly(gateway(server), caplog, "empty")


def test_nobody_listening_gives_no_summary(server, caplog):
    url = server.url.replace(server.url.split(":")[2].split("/")[0], "9")  # port 9: discard
    _fails_quietly(ChatCompletionsSummarizer(SummarizerSettings(url=url, model="m")), caplog,
                   "unreachable")


def test_a_url_without_a_model_is_refused_by_the_settings():
    with pytest.raises(ValueError, match="name the model"):
        SummarizerSettings(url="http://127.0.0.1:8000/v1/chat/completions")


# ----- the notes, with and without a summariser -------------------------------------------------
class TestOffByDefault:
    @pytest.fixture
    def settings(self, settings):
        return review_settings(settings)

    def test_nothing_is_asked_and_the_draft_is_the_draft(self, container, call):
        store_lines(container, call)
        notes_id = drafted(container, call)
        with container.db.unit_of_work(read_only=True) as uow:
            assert uow.outbox.with_key_prefix("notes-summary:") == []
            expected = notes_draft.named_draft(uow, uow.calls.get(call.id),
                                               settings=container.settings)
        notes = snapshot(container, notes_id)
        assert notes.version == 1 and notes.versions[0][4] == expected
        assert "machine-written" not in expected


class TestWithASummariser:
    @pytest.fixture
    def server(self):
        with chat_server() as running:
            yield running

    @pytest.fixture
    def settings(self, settings, server):
        return review_settings(settings).model_copy(update={"summarizer": SummarizerSettings(
            url=server.url, model="llama-office", timeout_s=0.5)})

    def test_the_proposal_is_added_once_at_the_top_labelled(self, container, call, server):
        server.answer(SUMMARY)
        store_lines(container, call)
        notes_id = drafted(container, call)
        container.worker.drain()
        notes = snapshot(container, notes_id)
        assert notes.version == 2 and notes.versions[1][1:3] == (
            "coordbot", "Added a machine-written summary to review")
        text = notes.versions[1][4]
        head, rest = text.split("\n\n## Summary (machine-written)\n\n", 1)
        assert head.startswith("# Call notes:") and "## " not in head
        assert rest.startswith("_Written by a language model") and f"> {SUMMARY}" in rest
        assert rest.split("\n## ", 1)[1].startswith("Attendance")
        sent = server.requests[0]["json"]["messages"][1]["content"]
        assert sent.splitlines()[0] == ("Ana Ruiz (Casa Ayuda) [es]: Decidimos abrir el refugio"
                                        " de la escuela Lincoln.")
        with container.db.unit_of_work() as uow:  # the row redone after a crash adds nothing
            assert not summaries.add_summary(uow, notes_id, "again", now=container.clock.now(),
                                             settings=container.settings)
        assert snapshot(container, notes_id).version == 2

    @pytest.mark.parametrize("failure", ["timeout", "error", "garbage"])
    def test_a_failure_leaves_the_draft_as_it_is(self, container, call, server, failure):
        server.hold = failure == "timeout"
        server.status, server.body = (500, b"{}") if failure == "error" else (200, b"{oops")
        store_lines(container, call)
        notes_id = drafted(container, call)
        container.worker.drain()
        notes = snapshot(container, notes_id)
        assert notes.version == 1 and "machine-written" not in notes.versions[0][4]
        with container.db.unit_of_work(read_only=True) as uow:
            (row,) = uow.outbox.with_key_prefix("notes-summary:")
            assert (row.kind, row.status) == (Kind.NOTES_SUMMARY, "sent")

    def test_a_call_without_a_transcript_asks_nothing(self, container, call, server):
        drafted(container, call)
        with container.db.unit_of_work(read_only=True) as uow:
            assert uow.outbox.with_key_prefix("notes-summary:") == []
        assert server.requests == []
