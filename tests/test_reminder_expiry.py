"""Call reminders are time-bound: sent with the seconds they have left (Twilio's ValidityPeriod),
never sent once their call has started, and the coordinator is told how many expired."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from schedules.jobs import fire_due_work
from tests.conftest import COORDINATOR
from tests.test_calls import PEOPLE, call
from tests.test_calls_clock import _calls


@pytest.fixture
def commands(container):
    from tests.support.scenario import declared_with_contacts
    return declared_with_contacts(container, PEOPLE)


def test_a_reminder_in_time_carries_the_seconds_until_the_call_starts(commands, container, sms,
                                                                      clock, settings):
    settings.calls.reminder_offsets_min = [5]
    call(commands, "schedule 2026-11-27 11:00 America/New_York for 30m")  # 16:00 UTC
    container.worker.drain()
    [the_call] = _calls(container)
    before = len(sms.sent)
    clock.current = the_call.starts_at - timedelta(minutes=4)
    fire_due_work(container)
    container.worker.drain()
    sent = sms.sent[before:]
    assert sent and {m["validity_period_s"] for m in sent} == {240}


def test_reminders_late_for_their_call_are_not_sent_and_the_coordinator_is_told(
        commands, container, sms, slack, clock, settings):
    settings.calls.reminder_offsets_min = [5]
    call(commands, "schedule 2026-11-27 11:00 America/New_York for 30m")
    container.worker.drain()
    [the_call] = _calls(container)
    before = len(sms.sent)
    clock.current = the_call.starts_at - timedelta(minutes=4)
    fire_due_work(container)  # queued in time ...
    clock.current = the_call.starts_at + timedelta(seconds=30)  # ... but the queue was stuck
    container.worker.drain()
    clock.advance(seconds=61)  # the failure report waits a minute for others to join it
    container.worker.drain()

    assert sms.sent[before:] == []
    with container.db.unit_of_work(read_only=True) as uow:
        statuses = Counter(r.status for r in uow.outbox.with_key_prefix(
            f"reminder:{the_call.id}:") if r.kind == "sms")
    assert set(statuses) == {"expired"} and statuses["expired"] >= 1  # the Slack DMs went
    [report] = [t for t in slack.posts_to(COORDINATOR) if "did not reach the recipient" in t]
    assert f"{statuses['expired']} text" in report and "call reminder" in report
    assert "expired: its moment had passed" in report
