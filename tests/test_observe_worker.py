"""``coordbot worker --metrics-port``: the worker's own ``/metrics`` over HTTP, after a notice.

A notice to two contacts is queued through the product's commands in this process; a real
``coordbot worker`` delivers it to the Twilio emulator. Its ``/metrics`` (parsed with
``prometheus_client.parser``) counts the two sends it made and shows the outbox's SMS rows as
the database holds them, also after a status callback (recorded here, as a web replica would)
moved one of them on: the queue series are read at scrape time, whichever process moved the rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.bootstrap import bootstrap
from bot.directory.rules.contacts import ContactRecord
from bot.directory.service import contacts as directory
from bot.dispatch.grammar import Invocation, parse_declare
from bot.sandbox.server import free_port
from bot.sandbox.twilio import TwilioEmulator
from bot.sms.delivery import record_status
from tests.conftest import COORDINATOR
from tests.support.fakes import FakeSlack, FakeSms, FakeVoice
from tests.support.processes import Worker, clean_env
from tests.support.slash import Slash
from tests.support.waiting import wait_until
from tests.test_sms_crash import write_config

ANA, MINH = "+12025550141", "+12025550142"
PEOPLE = [ContactRecord(name="Ana Ruiz", phone=ANA, language="es", regions=("FL",)),
          ContactRecord(name="Minh Tran", phone=MINH, language="vi", regions=("FL",))]


@pytest.fixture
def twilio() -> Iterator[TwilioEmulator]:
    with TwilioEmulator(deliver_callbacks=False) as emu:
        yield emu


@pytest.fixture
def desk(settings):
    """The product in this process on the wall clock (the worker's), only to queue."""
    settings.sms.small_send_hold_s = 0
    built = bootstrap(settings, slack=FakeSlack(), sms=FakeSms(), voice=FakeVoice())
    yield built
    built.stop()


def scrape(url: str) -> tuple[dict[tuple[str, tuple], float], str]:
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(response.text)
               for s in family.samples}
    return samples, response.text


def total(samples: dict, name: str, **labels: str) -> float:
    return sum(value for (sample, pairs), value in samples.items()
               if sample == name and labels.items() <= dict(pairs).items())


def test_the_workers_metrics_count_a_notices_sends_and_its_rows(desk, database_url, twilio,
                                                                 tmp_path):
    commands = Slash(desk)
    with desk.db.unit_of_work() as uow:
        directory.import_records(uow, PEOPLE, source="t", actor="t", now=datetime.now(UTC))
        uow.commit()
    commands.declare(parse_declare('hurricane "Hurricane Xavier" FL'), user=COORDINATOR)
    with desk.db.unit_of_work(read_only=True) as uow:
        (incident,) = uow.incidents.list(status=None)
        key = incident.key
    reply = commands.run(Invocation("notify", key=key, text="Shelters open.\nes: Refugios."),
                         user=COORDINATOR)
    assert "2 recipients" in reply.text, reply.text

    port = free_port()
    url = f"http://127.0.0.1:{port}/metrics"
    config = write_config(tmp_path / "worker.toml", database_url=database_url, emu=twilio)
    env = clean_env()
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    worker = Worker("--config", str(config), "--metrics-port", str(port),
                    log_path=tmp_path / "worker.log", env=env)
    try:
        def sent() -> dict | None:
            worker.check_alive()
            try:
                samples, body = scrape(url)
            except httpx.HTTPError:
                return None
            assert "0141" not in body and "0142" not in body  # no phone in any label
            # A send is counted as it is recorded, a moment before the row's commit.
            done = total(samples, "coordbot_outbox_sends_total", kind="sms", outcome="sent")
            rows = total(samples, "coordbot_outbox_messages", kind="sms", status="sent")
            return samples if done == 2 and rows == 2 else None

        samples = wait_until(sent, timeout_s=30, what="two sends in the worker's /metrics",
                             describe=worker.log)
        assert total(samples, "coordbot_outbox_messages", kind="sms", status="pending") == 0
        assert total(samples, "coordbot_outbox_messages_oldest_age_seconds", kind="sms") == 0
        assert total(samples, "coordbot_outbox_sends_total", kind="sms", outcome="retry") == 0
        assert samples[("coordbot_database_up", ())] == 1
        assert len(twilio.messages) == 2

        # A status callback, taken by a web replica: the worker's next scrape shows it.
        with desk.db.unit_of_work() as uow:
            record_status(uow, sid=twilio.messages[0].sid, status="delivered", error_code=None,
                          now=datetime.now(UTC))
            uow.commit()
        samples, _ = scrape(url)
        assert total(samples, "coordbot_outbox_messages", kind="sms", status="delivered") == 1
        assert total(samples, "coordbot_outbox_messages", kind="sms", status="sent") == 1
        assert total(samples, "coordbot_outbox_sends_total", kind="sms", outcome="sent") == 2
    finally:
        assert worker.terminate() == 0, worker.log()
