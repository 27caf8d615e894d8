"""What the bot logs holds no full phone number and no link token (issue "exactly once and
nothing lost"): the lines of real flows, written through the logging ``coordbot serve`` sets up."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from bot import logs
from bot.access.links import calendar_url
from bot.calls.rules.when import ScheduleRequest
from bot.calls.service import calls
from bot.directory.rules.contacts import ContactRecord
from bot.directory.service import contacts as directory
from bot.dispatch.grammar import Invocation, parse_declare
from bot.incidents import service as incidents
from bot.sandbox.harness import live_app
from bot.sms.service import consent
from tests.conftest import COORDINATOR
from tests.support.hostile import captured_logs
from tests.support.scenario import declared_with_contacts

ANA = "+12025550101"
FULL_NUMBER = re.compile(r"\+?1?[\s.(-]*202[\s.)-]*555[\s.-]*0101")


@pytest.fixture
def logged() -> Iterator[io.StringIO]:
    with captured_logs("INFO") as buffer:
        yield buffer


@pytest.mark.parametrize(("line", "kept"), [
    ("outbox notice:1:2 suppressed: +12025550143 texted STOP", "+•••0143"),
    ("call from (202) 555-0143 and 202-555-0143 and 202.555.0143", "•••0143"),
    ("sent to +44 20 7946 0958", "+•••0958"),
    ('127.0.0.1:5 - "GET /calls/1.ics?t=abc.def HTTP/1.1" 200', "?t=…"),
    ('127.0.0.1:5 - "GET /notes/3?e=1700000000&t=Zm9v HTTP/1.1" 200', "?e=…&t=…"),
])
def test_the_filter_masks_numbers_and_tokens(line, kept):
    assert kept in logs.redact(line)
    assert not re.search(r"\d{7}|abc\.def|Zm9v", logs.redact(line))


def test_ids_times_and_timestamps_are_left_alone():
    line = "outbox post:12 sent as 1800000000.000001 at 2026-11-27 15:00:00+00:00 (127.0.0.1)"
    assert logs.redact(line) == line


def test_an_opt_out_line_from_the_outbox_worker_is_masked(logged, container, settings):
    """The worker logs a suppressed SMS, and never with the full number that texted STOP."""
    commands = declared_with_contacts(container, [ContactRecord(name="Ana", phone=ANA,
                                                                regions=("FL",))])
    commands.run(Invocation("notify", key="INC-2026-0001", text="Shelters open."),
                 user=COORDINATOR, channel=None)
    commands.wait_out_undo_window()
    with container.db.unit_of_work() as uow:  # STOP arrives between queueing and sending
        consent.opt_out(uow, ANA, source="sms:STOP", at=container.clock.now())
        uow.commit()
    container.worker.drain()
    text = logged.getvalue()
    assert "suppressed" in text, text
    assert not FULL_NUMBER.search(text) and "2025550101" not in text, text


def test_a_request_flow_logs_no_number_and_no_token(logged, settings, capfd):
    """An inbound SMS, an opt-out, a calendar link fetch, through the live app with uvicorn's
    access lines on: the web process's lines and the worker process's alike."""
    with live_app(settings, coordinators=[COORDINATOR], access_log=True) as live:
        with live.container.db.unit_of_work() as uow:
            directory.import_records(uow, [ContactRecord(name="Ana", phone=ANA, regions=("FL",))],
                                     source="t", actor="t", now=live.container.clock.now())
            now = live.container.clock.now()
            incident = incidents.declare(uow, actor=COORDINATOR, now=now,
                                         draft=parse_declare('flood "River" FL'))
            scheduled = calls.schedule(
                uow, incident=incident, actor=COORDINATOR, now=now,
                settings=live.container.settings,
                request=ScheduleRequest(starts_at=now + timedelta(hours=1),
                                        duration=timedelta(minutes=30), agenda="", bridge="twilio",
                                        recurrence=None, zone="America/New_York"))
            uow.commit()
        assert live.text_in("hola", sender=ANA).status_code == 200
        assert live.text_in("STOP", sender=ANA).status_code == 200
        link = calendar_url(live.container.settings, scheduled[0].id)
        token = dict(p.split("=", 1) for p in urlsplit(link).query.split("&"))["t"]
        assert live.http.get(link.replace(live.container.settings.server.public_base_url,
                                          live.server.url)).status_code == 200
        assert live.http.get(f"{live.server.url}/calls/{scheduled[0].id}.ics?t=wrong{token}"
                             ).status_code == 404
    captured = capfd.readouterr()
    text = logged.getvalue() + captured.out + captured.err
    assert ".ics?t=…" in text, text  # the access lines were written, with the token hidden
    assert token not in text
    assert not FULL_NUMBER.search(text), text
