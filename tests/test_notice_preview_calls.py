"""A notice's preview counts the people a phone call reads it to apart: "2 by phone call", no
SMS segments and no cost for them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.directory.rules.contacts import ContactRecord
from bot.i18n.catalog import render
from bot.outbox.kinds import Kind
from bot.sms.rules.segments import segments
from tests.conftest import COORDINATOR
from tests.support.scenario import declared_with_contacts

OFFICE = "Civil Rights Coordination Office"
PEOPLE = [
    ContactRecord(name="Ana Ruiz", phone="+12025550101", language="es", regions=("FL",)),
    ContactRecord(name="Rosa Diaz", phone="+12025550102", language="es", regions=("FL",),
                  channel="voice"),
    ContactRecord(name="Luis Gomez", phone="+12025550103", language="es", regions=("FL",),
                  channel="voice"),
    ContactRecord(name="Minh Tran", phone="+12025550104", language="vi", regions=("FL",)),
    ContactRecord(name="Ji-woo Park", phone="+12025550105", language="ko", regions=("FL",),
                  channel="voice"),
]
SPANISH = "Toque de queda a las 8 pm en todo el condado."


@pytest.fixture
def commands(container):
    container.settings.sms.price_per_segment = Decimal("0.0079")
    return declared_with_contacts(container, PEOPLE)


def body(language: str, text: str) -> str:
    return render("incident_notice", language, office=OFFICE, title="Hurricane Xavier", text=text)


def test_people_reached_by_a_call_are_counted_apart_and_cost_no_segments(commands, container):
    answer = commands.run(f"notify INC-2026-0001 Curfew at 8 pm.\nes: {SPANISH}",
                          user=COORDINATOR)
    reply = "\n".join(b["text"]["text"] for b in answer.blocks if b["type"] == "section")
    spanish = segments(body("es", SPANISH)).segments
    vietnamese = segments(body("vi", "Curfew at 8 pm.")).segments
    texted = spanish + vietnamese  # Ana's and Minh's texts: the three calls cost no segments
    assert (f"5 recipients (3 by phone call, read aloud; the segments and cost are for the 2 "
            f"texts), {texted} segments in all, about {Decimal('0.0079') * texted:.2f} at "
            "0.0079 per segment.") in reply
    assert f"*Spanish* — 3 recipients (2 by phone call), {spanish} segment(s) per text" in reply
    assert "*Korean* — 1 recipient, by phone call (read aloud, no SMS)" in reply
    assert f"*Vietnamese* — 1 recipient, {vietnamese} segment(s) each" in reply
    commands.confirm_notice(answer.blocks[-1]["elements"][0]["value"], user=COORDINATOR)
    with container.db.unit_of_work(read_only=True) as uow:
        kinds = sorted(m.kind for m in uow.outbox.list() if m.purpose == "incident_notice")
    assert kinds == [Kind.SMS, Kind.SMS, Kind.VOICE_MESSAGE, Kind.VOICE_MESSAGE,
                     Kind.VOICE_MESSAGE]  # the preview said what is queued


def test_without_calls_the_preview_reads_as_before(container):
    commands = declared_with_contacts(container, PEOPLE[:1])
    reply = commands.run("notify INC-2026-0001 Curfew at 8 pm.", user=COORDINATOR).text
    assert "1 recipients, " in reply and "by phone call" not in reply
