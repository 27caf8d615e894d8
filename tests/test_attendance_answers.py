"""Attendance is honest about answers: someone who said no is listed as declined (and someone
who said maybe as such), never as invited and absent; in the channel's attendance summary and in
the drafted call notes alike. Service level, with the recording fakes and the fake clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.calls.service import attendance
from bot.directory.rules.contacts import ContactRecord
from bot.dispatch.grammar import Invocation
from bot.notes.service import draft as notes_draft
from tests.conftest import COORDINATOR
from tests.support.scenario import declared_with_contacts
from tests.support.sms import sms_in

ANA, MINH, JEAN, ROSA = "+12025550101", "+12025550102", "+12025550103", "+12025550104"
PEOPLE = [ContactRecord(name="Ana Ruiz", phone=ANA, language="es", regions=("FL",)),
          ContactRecord(name="Minh Tran", phone=MINH, language="vi", regions=("FL",)),
          ContactRecord(name="Jean Pierre", phone=JEAN, language="ht", regions=("FL",)),
          ContactRecord(name="Rosa Diaz", phone=ROSA, language="es", regions=("FL",))]
START = datetime(2026, 11, 28, 20, 0, tzinfo=UTC)


@pytest.fixture
def held_call(container, clock):
    """Call 1: Ana joined; Minh said no, Jean maybe, Rosa nothing; the call ended."""
    commands = declared_with_contacts(container, PEOPLE)
    commands.run(Invocation("call", key="INC-2026-0001",
                            text="schedule 2026-11-28 15:00 America/New_York for 30m"),
                 user=COORDINATOR, channel=None)
    container.worker.drain()
    sms_in(container, "2", MINH, sid="SM" + "2" * 32)
    sms_in(container, "3", JEAN, sid="SM" + "3" * 32)
    clock.current = START.replace(minute=30)
    with container.db.unit_of_work() as uow:
        the_call = uow.calls.by_number(uow.incidents.by_key("INC-2026-0001").id, 1)
        attendance.joined(uow, conference=the_call.conference_name, call_sid="CA1", phone=ANA,
                          at=START)
        attendance.ended(uow, conference=the_call.conference_name, at=START.replace(minute=30))
        uow.commit()
        call_id = the_call.id
    container.worker.drain()
    return call_id


def test_the_attendance_summary_lists_who_declined_apart_from_the_absent(held_call, slack):
    [summary] = [p["text"] for p in slack.posts if p["text"].startswith("*Attendance")]
    assert "1 joined, 0 said yes, 1 declined, 1 invited and absent" in summary
    lines = dict(line.split(":* ", 1) for line in summary.splitlines()[1:])
    assert lines["*Declined"] == "Minh Tran"
    assert lines["*Said maybe, did not join"] == "Jean Pierre"
    assert lines["*Invited, did not join"] == "Rosa Diaz"


def test_the_drafted_notes_list_who_declined_apart_from_the_absent(held_call, container):
    with container.db.unit_of_work(read_only=True) as uow:
        text = notes_draft.draft(uow, uow.calls.get(held_call), settings=container.settings)
    assert "**Declined (1)**\n\n- No organisation: Minh Tran" in text
    assert "**Said maybe, did not join (1)**\n\n- No organisation: Jean Pierre" in text
    assert "**Invited but absent (1)**\n\n- No organisation: Rosa Diaz" in text
