"""Texts that fail for good reach the coordinator who caused them, at the service level with the
recording fakes: one direct message and one incident-channel line per send (not per text),
naming the people with masked numbers and a plain reason, and never a report about a report."""

from __future__ import annotations

import re

import pytest

from bot.directory.rules.contacts import ContactRecord
from bot.dispatch.grammar import Invocation
from bot.ports import DeliveryError
from bot.sms.delivery import record_status
from tests.conftest import COORDINATOR
from tests.support.scenario import declared_with_contacts

CHANNEL = "C00000001"
KEY = "INC-2026-0001"
E164 = re.compile(r"\+\d{8,15}")


@pytest.fixture
def settings(settings):
    """The landlines' refused texts become message calls, which go out unpaced here: their
    pacing (one a second, on the real clock) is the voice tests' subject, and forty failures
    would otherwise wait twenty seconds for twenty calls."""
    settings.voice.rate_per_s = 0
    return settings


def phone(i: int) -> str:
    return f"+1202555{100 + i:04d}"


def people(count: int) -> list[ContactRecord]:
    return [ContactRecord(name=f"Person {i:02d}", phone=phone(i), regions=("FL",))
            for i in range(1, count + 1)]


def refused(code: str) -> DeliveryError:
    return DeliveryError(code, "refused", permanent=True)


def notify(container, count: int, text: str = "Shelters open at Lincoln High."):
    """A notice to ``count`` contacts, confirmed by the coordinator (or, when small, its undo
    window let pass); the worker not yet run."""
    commands = declared_with_contacts(container, people(count))
    reply = commands.run(Invocation("notify", key=KEY, text=text), user=COORDINATOR, channel=None)
    first = reply.blocks[-1]["elements"][0]
    if first["action_id"] == "notice_confirm":
        commands.confirm_notice(first["value"], user=COORDINATOR)
    else:
        commands.wait_out_undo_window()
    return commands


def reports(slack, to: str) -> list[str]:
    return [t for t in slack.posts_to(to) if "did not reach the recipient" in t]


def send_and_wait(container, clock, seconds: float = 61) -> None:
    container.worker.drain()
    clock.advance(seconds=seconds)
    container.worker.drain()


def test_forty_failures_of_one_notice_make_one_dm_and_one_channel_line(container, sms, slack,
                                                                        clock):
    container.settings.outbox.batch_size = 7  # the failures come in several batches
    notify(container, 45)
    sms.fail(*[refused("21614")] * 20, *[refused("21211")] * 10, *[refused("21610")] * 10)

    container.worker.drain()
    assert reports(slack, COORDINATOR) == [] and reports(slack, CHANNEL) == []  # debounced
    clock.advance(seconds=61)
    container.worker.drain()

    [dm], [line] = reports(slack, COORDINATOR), reports(slack, CHANNEL)
    assert dm == line
    assert dm.startswith(":warning: 40 texts of the SMS notice 1 for INC-2026-0001")
    assert "• Person 01 (+1 ••• ••• 0101): landline: cannot receive texts" in dm
    assert len(re.findall(r"^• ", dm, re.M)) == 20
    assert "…and 20 more: `coordbot messages list --status failed --incident INC-2026-0001`" \
           " or `coordbot messages list --status suppressed --incident INC-2026-0001`" in dm
    assert E164.search(dm) is None  # no number in full
    assert len(sms.sent) == 5
    send_and_wait(container, clock, 3600)
    assert len(reports(slack, COORDINATOR)) == 1 and len(reports(slack, CHANNEL)) == 1


def test_each_reason_is_said_in_plain_words(container, sms, slack, clock):
    container.settings.outbox.max_attempts = 2
    notify(container, 4)
    sms.fail(refused("21610"), refused("30005"), refused("30003"),
             DeliveryError("20500", "Twilio is down", permanent=False),
             DeliveryError("20500", "Twilio is down", permanent=False))

    send_and_wait(container, clock, 10)  # the second attempt, before the report is due
    send_and_wait(container, clock, 61)

    [dm] = reports(slack, COORDINATOR)
    assert "Person 01 (+1 ••• ••• 0101): opted out through their carrier" in dm
    assert "Person 02 (+1 ••• ••• 0102): not a valid number" in dm
    assert "Person 03 (+1 ••• ••• 0103): phone unreachable" in dm
    assert "Person 04 (+1 ••• ••• 0104): did not deliver after 2 attempts" in dm
    assert "more:" not in dm


def test_a_failure_after_the_report_was_sent_makes_a_second_report(container, sms, slack,
                                                                    clock):
    notify(container, 3)
    sms.fail(refused("21614"))
    send_and_wait(container, clock)
    [first] = reports(slack, COORDINATOR)
    assert "Person 01" in first and "Person 02" not in first

    with container.db.unit_of_work() as uow:
        record_status(uow, sid=sms.sent[0]["sid"], status="undelivered", error_code="30006",
                      now=clock.now())
        uow.commit()
    send_and_wait(container, clock)

    assert reports(slack, COORDINATOR)[0] == first
    [_, second] = reports(slack, COORDINATOR)
    assert "1 text of the SMS notice 1" in second
    assert "Person 02 (+1 ••• ••• 0102): landline: cannot receive texts" in second
    assert "Person 01" not in second
    assert len(reports(slack, CHANNEL)) == 2


def test_a_report_that_fails_is_not_reported(container, sms, slack, clock):
    notify(container, 2)
    sms.fail(refused("21211"))
    container.worker.drain()
    slack.fail("post", *[DeliveryError("channel_not_found", permanent=True)] * 2)
    clock.advance(seconds=61)
    container.worker.drain()
    send_and_wait(container, clock, 3600)

    with container.db.unit_of_work() as uow:
        rows = {r.idempotency_key: (r.status, r.error_code) for r in uow.outbox.list()
                if r.idempotency_key.startswith("failed:")}
    assert rows == {"failed:sms:notice:1:1:dm": ("failed", "channel_not_found"),
                    "failed:sms:notice:1:1:channel": ("failed", "channel_not_found")}
    assert reports(slack, COORDINATOR) == []


def test_a_text_retried_before_its_report_went_is_not_reported(container, sms, slack, clock):
    from bot.outbox.requeue import retry

    notify(container, 2)
    sms.fail(DeliveryError("gave_up", "never answered", permanent=True))
    container.worker.drain()
    with container.db.unit_of_work() as uow:
        retry(uow, list(uow.outbox.list(status="failed")), actor="test", now=clock.now())
        uow.commit()
    send_and_wait(container, clock)

    assert reports(slack, COORDINATOR) == [] and len(sms.sent) == 2


def test_a_contact_name_cannot_ping_the_channel(container, sms, slack, clock):
    commands = declared_with_contacts(container, [ContactRecord(
        name="<!channel> Ana", phone=phone(1), regions=("FL",))])
    commands.run(Invocation("notify", key=KEY, text="Curfew at 8."), user=COORDINATOR)
    commands.wait_out_undo_window()
    sms.fail(refused("21614"))
    send_and_wait(container, clock)
    [line] = reports(slack, CHANNEL)
    assert "<!channel>" not in line and "&lt;!channel&gt; Ana" in line


@pytest.mark.parametrize("code", ["21614", "21211"])
def test_the_delivery_summary_still_counts_them(container, sms, slack, clock, code):
    notify(container, 2)
    sms.fail(refused(code))
    send_and_wait(container, clock)
    assert any("1 failed" in t for t in slack.posts_to(CHANNEL))


def test_a_failed_call_invitation_is_told_to_who_scheduled_the_call(container, sms, slack,
                                                                     clock):
    """Other causes than notices are grouped and named too; the person told is the last one in
    the incident's audit trail before the text was queued."""
    commands = declared_with_contacts(container, people(1))
    commands.run(Invocation("call", key=KEY, text="schedule 2026-11-28 15:00 America/New_York"),
                 user=COORDINATOR, channel=None)
    sms.fail(refused("21614"))
    send_and_wait(container, clock)
    [dm] = reports(slack, COORDINATOR)
    assert "call invitation for INC-2026-0001" in dm and "Person 01" in dm
