"""The optional summariser: an OpenAI-compatible ``/v1/chat/completions`` endpoint that the
office runs itself (a local model server). It is sent the call's transcript and asked for a
short summary; the answer's ``choices[0].message.content`` is the proposal.

Nothing here may block the notes: every failure (a timeout, a refused connection, an HTTP
error, an answer that is not JSON or lacks the fields) is logged by its kind and the endpoint's
status, never with the transcript or the answer's text (both quote people), and gives None.
"""

from __future__ import annotations

import logging

import httpx

from bot.config import SummarizerSettings

log = logging.getLogger(__name__)

MAX_SUMMARY = 2000  # characters of a proposal kept
PROMPT = ("You summarise the transcript of an emergency coordination call for its official "
          "notes. Lines are 'Speaker [language]: text', in the language spoken. Write at most "
          "six short sentences in plain English: what was reported, what was decided, what is "
          "still open. Use only what the transcript says; do not guess names or numbers.")


class ChatCompletionsSummarizer:
    def __init__(self, settings: SummarizerSettings, *, transport: httpx.BaseTransport | None = None):
        self._settings = settings
        headers = {"Content-Type": "application/json"}
        if settings.api_key is not None:
            headers["Authorization"] = f"Bearer {settings.api_key.get_secret_value()}"
        self._client = httpx.Client(timeout=settings.timeout_s, headers=headers,
                                    transport=transport)

    def summarize(self, transcript: str) -> str | None:
        body = {"model": self._settings.model, "temperature": 0, "stream": False,
                "messages": [{"role": "system", "content": PROMPT},
                             {"role": "user", "content": transcript[:self._settings.max_chars]}]}
        try:
            answer = self._client.post(self._settings.url, json=body)
        except httpx.TimeoutException:
            return _failed("timeout", f"no answer within {self._settings.timeout_s:g} s")
        except httpx.HTTPError as error:
            return _failed("unreachable", type(error).__name__)
        if answer.status_code != 200:
            return _failed("http_error", f"HTTP {answer.status_code}")
        try:
            content = answer.json()["choices"][0]["message"]["content"]
        except ValueError:
            return _failed("malformed", "the answer is not JSON")
        except (KeyError, IndexError, TypeError):
            return _failed("malformed", "no choices[0].message.content in the answer")
        if not isinstance(content, str) or not content.strip():
            return _failed("malformed", "the answer's content is empty or not text")
        return content.strip()[:MAX_SUMMARY]

    def close(self) -> None:
        self._client.close()


def _failed(kind: str, detail: str) -> None:
    log.warning("summarizer %s: %s; the notes are drafted without a summary", kind, detail)
    return None
