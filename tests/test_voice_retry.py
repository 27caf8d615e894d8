"""``coordbot messages retry --failed`` and message calls: a call that failed for good (a refused
number, a call Twilio could not connect) is never queued again; SMS keeps its own rules."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.directory.rules.contacts import ContactRecord
from bot.outbox.kinds import Kind
from bot.ports import DeliveryError
from bot.sms.rules.failures import never_retried
from bot.voice import service as message_calls
from tests.conftest import COORDINATOR
from tests.support.scenario import declared_with_contacts

TRANSIENT = DeliveryError("20500", "Twilio had an internal error", permanent=False)
PEOPLE = [ContactRecord(name=f"Caller {i}", phone=f"+1202555011{i}", language="es",
                        regions=("FL",), channel="voice") for i in range(4)] + [
          ContactRecord(name=f"Texter {i}", phone=f"+1202555012{i}", language="es",
                        regions=("FL",)) for i in range(2)]


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"voice": settings.voice.model_copy(
        update={"rate_per_s": 0})}).model_copy(update={"sms": settings.sms.model_copy(
            update={"confirm_threshold": 25})})


@pytest.fixture
def commands(container):
    container.settings.outbox.max_attempts = 1
    return declared_with_contacts(container, PEOPLE)


def statuses(container) -> list[tuple[str, str, str | None]]:
    with container.db.unit_of_work(read_only=True) as uow:
        return sorted((m.kind, m.status, m.error_code) for m in uow.outbox.list()
                      if m.kind in (Kind.SMS, Kind.VOICE_MESSAGE))


def test_retry_failed_never_calls_again_a_number_that_cannot_take_the_call(
        commands, container, voice, sms, database_url):
    voice.place_failures += [DeliveryError("21211", "invalid 'To'", permanent=True),
                             DeliveryError("21215", "geo permissions", permanent=True), TRANSIENT]
    sms.fail(DeliveryError("21211", "invalid", permanent=True), TRANSIENT)
    commands.run("notify INC-2026-0001 Shelters open.\nes: Refugios abiertos.", user=COORDINATOR)
    commands.wait_out_undo_window()
    container.worker.drain()
    [placed] = voice.placed  # the fourth call went out, and Twilio could not connect it
    with container.db.unit_of_work() as uow:
        message_calls.record_outcome(uow, sid=placed["sid"], call_status="failed",
                                     answered_by=None, now=container.clock.now(),
                                     settings=container.settings.voice)
        uow.commit()
    assert statuses(container) == sorted([
        (Kind.SMS, "failed", "20500"), (Kind.SMS, "failed", "21211"),
        (Kind.VOICE_MESSAGE, "failed", "20500"), (Kind.VOICE_MESSAGE, "failed", "21211"),
        (Kind.VOICE_MESSAGE, "failed", "21215"), (Kind.VOICE_MESSAGE, "failed", "failed")])

    retried = CliRunner().invoke(app, ["messages", "retry", "--failed"],
                                 env={"COORDBOT_DATABASE__URL": database_url, "COLUMNS": "80"})

    assert retried.exit_code == 0, retried.output
    assert "2 message(s) queued again" in retried.stdout
    assert ("Skipped 4 that a retry would not deliver: 2 not a valid number, 1 calls to that "
            "country are not enabled, 1 the call could not be connected (no such number, or a "
            "fax).") in retried.stdout
    assert statuses(container) == sorted([
        (Kind.SMS, "pending", "20500"), (Kind.SMS, "failed", "21211"),
        (Kind.VOICE_MESSAGE, "pending", "20500"), (Kind.VOICE_MESSAGE, "failed", "21211"),
        (Kind.VOICE_MESSAGE, "failed", "21215"), (Kind.VOICE_MESSAGE, "failed", "failed")])


@pytest.mark.parametrize(("kind", "code", "why"), [
    (Kind.VOICE_MESSAGE, "21211", "not a valid number"),
    (Kind.DIAL_OUT, "21217", "not a valid number"),
    (Kind.DIAL_OUT, "13224", "not a valid number"),
    (Kind.VOICE_MESSAGE, "failed", "the call could not be connected (no such number, or a fax)"),
    (Kind.VOICE_MESSAGE, "gave_up", None),  # Twilio never answered: it may work later
    (Kind.VOICE_MESSAGE, "voice_not_configured", None),
    (Kind.VOICE_MESSAGE, "20500", None),
    (Kind.SMS, "21614", "landline: cannot receive texts"),  # SMS: its own rules, unchanged
    (Kind.SMS, "failed", None),
])
def test_which_failed_calls_are_never_retried(kind, code, why):
    assert never_retried(kind, "failed", code) == why
