"""A failure report's *Retry these*: coordinators only; it queues again only the texts a retry
could deliver, says how many it skipped and why, and a second click retries nothing twice.
Service level, with the recording fakes and the fake clock."""

from __future__ import annotations

import pytest

from bot.errors import InvalidInput, PermissionDenied
from bot.ports import DeliveryError
from bot.sms.commands import RetryFailedTexts
from handlers.slack.sms import retry_command
from tests.conftest import BYSTANDER, COORDINATOR
from tests.test_sms_failures import notify, phone, refused, send_and_wait


def retry_button(slack, to: str) -> dict:
    [post] = [p for p in slack.posts if p["channel"] == to and "did not reach" in p["text"]]
    buttons = [e for b in post["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["text"]["text"] for b in buttons] == ["Retry these"]
    return buttons[0]


def click(commands, button: dict, user: str = COORDINATOR):
    return commands.send(retry_command(button["value"]), user=user)


@pytest.fixture
def reported(container, sms, slack, clock):
    """A notice to four: two landlines (refused for good), one that failed after its one
    attempt (a retry may deliver it), one sent; the report posted."""
    container.settings.outbox.max_attempts = 1
    commands = notify(container, 4)
    sms.fail(refused("21614"), refused("21614"),
             DeliveryError("30008", "unknown error", permanent=False))
    send_and_wait(container, clock)
    assert len(sms.sent) == 1
    return commands


def test_retry_these_queues_only_what_a_retry_could_deliver(reported, container, sms, slack,
                                                            clock):
    button = retry_button(slack, COORDINATOR)
    assert button["value"] == "1:notice:1"
    answer = click(reported, button)
    assert answer.text == ("Queued 1 text(s) of the SMS notice 1 again; a running worker sends "
                           "them within seconds. Skipped 2 that a retry would not deliver: "
                           "2 landline: cannot receive texts.")
    container.worker.drain()
    assert sorted(m["to"] for m in sms.sent) == sorted([phone(3), phone(4)])  # never 1 or 2


def test_a_second_click_retries_nothing_twice(reported, container, sms, slack, clock):
    button = retry_button(slack, COORDINATOR)
    click(reported, button)
    again = click(reported, button)  # before the worker ran, and after it
    container.worker.drain()
    last = click(reported, button)
    assert again.text.startswith("Nothing was queued again for the SMS notice 1.")
    assert last.text.startswith("Nothing was queued again")
    assert len(sms.sent) == 2
    with container.db.unit_of_work() as uow:
        retried = [e for e in uow.audit.list() if e.action == "outbox.retried"]
    assert len(retried) == 1


def test_the_channel_line_has_the_button_too_and_only_coordinators_may_press_it(
        reported, slack):
    button = retry_button(slack, "C00000001")
    with pytest.raises(PermissionDenied):
        click(reported, button, user=BYSTANDER)


def test_a_report_with_nothing_retryable_has_no_button(container, sms, slack, clock):
    notify(container, 2)
    sms.fail(refused("21614"))
    send_and_wait(container, clock)
    [post] = [p for p in slack.posts if p["channel"] == COORDINATOR and "did not reach" in p["text"]]
    assert [b["type"] for b in post["blocks"]] == ["section"]


@pytest.mark.parametrize("value", ["", "1", "x:notice:1", "1:", ":notice:1"])
def test_a_damaged_button_value_is_refused(value):
    with pytest.raises(InvalidInput, match="damaged"):
        retry_command(value)


def test_the_button_value_reads_back_as_the_command():
    assert retry_command("2:invite:7") == RetryFailedTexts("invite:7", 2)
