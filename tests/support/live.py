"""The real app over HTTP with one named coordinator (``live_coordinated``), loaded by
conftest.pytest_plugins for the HTTP tests that need no other people in Slack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.sandbox.harness import Live, live_app
from tests.conftest import COORDINATOR


@pytest.fixture
def live_coordinated(settings) -> Iterator[Live]:
    """Both emulators and the app; the coordinator is Maria Alvarez on Slack."""
    with live_app(settings, coordinators=[COORDINATOR]) as running:
        running.emulator.add_user(COORDINATOR, name="maria.coordinator", real_name="Maria Alvarez")
        yield running
