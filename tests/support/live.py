"""The real app over HTTP with one named coordinator (``live_coordinated``), loaded by
conftest.pytest_plugins for the HTTP tests that need no other people in Slack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.sandbox.harness import Live, live_app
from tests.conftest import COORDINATOR, OFFICIAL


@pytest.fixture
def live_coordinated(settings) -> Iterator[Live]:
    """Both emulators and the app; the coordinator is Maria Alvarez on Slack."""
    with live_app(settings, coordinators=[COORDINATOR]) as running:
        running.emulator.add_user(COORDINATOR, name="maria.coordinator", real_name="Maria Alvarez")
        yield running


def notes_review_channel(emulator) -> dict:
    """Maria Alvarez (coordinator) and Olu Official in a notes review channel with the bot: the
    ``prepare`` of the notes' HTTP tests."""
    emulator.add_user(COORDINATOR, name="maria", real_name="Maria Alvarez")
    emulator.add_user(OFFICIAL, name="olu", real_name="Olu Official")
    review = emulator.add_channel("notes-review", members=["UBOT0001", COORDINATOR, OFFICIAL])
    return {"notes": {"review_channel": review.id}}


@pytest.fixture
def live_review(settings) -> Iterator[Live]:
    """Both emulators and the app, with the notes review channel of ``notes_review_channel``."""
    with live_app(settings, coordinators=[COORDINATOR], prepare=notes_review_channel) as running:
        yield running
