"""Erasure on request: after ``contacts erase`` no table holds the person's number (in any
format) or name, searched in every column of every table through the database's own schema;
the audit trail records the erasure without their data; a later notice never texts the number,
even once it is imported again.

The audit trail is the one exception, and the README documents it: events are hash-chained and
never rewritten, and a few kinds keep text a person typed (a timeline update, an action item's
owner as named then). The test names those kinds and checks no other event holds the person.
"""

from __future__ import annotations

import re

import pytest

from bot.directory.rules.contacts import ContactRecord
from bot.errors import NotFound
from bot.records import erasure
from bot.records.service import verify_database
from tests.conftest import COORDINATOR
from tests.support.cli import coordbot as run_coordbot
from tests.support.notes import ANA, KEY, MINH
from tests.support.records import NAME, every_row, lived_incident
from tests.support.scenario import import_people
from tests.support.slash import Slash
from tests.support.sms import sms_in

# The person in every format their number or name may be written in.
TRACES = re.compile(r"\+?1?[\s(.-]*202\)?[\s.-]*555[\s.-]*0101|ana\s+ruiz|ana@example\.org|"
                    r"•\s*0101", re.IGNORECASE)
# Audit events that keep text as a person typed it (see the module docstring).
KEPT_AS_TYPED = {"incident.updated", "action.created"}


def erase(container, reference: str):
    with container.db.unit_of_work() as uow:
        person = erasure.find(uow, reference, default_region="US")
        done = erasure.erase(uow, person, actor="cli:records-officer", now=container.clock.now())
        uow.commit()
    return done


def traces(db) -> dict[str, list[tuple]]:
    """Every row (of every table but the audit trail) that still mentions the person."""
    return {table: found for table, rows in every_row(db).items() if table != "audit_events"
            if (found := [row for row in rows if any(TRACES.search(v) for v in row)])}


@pytest.fixture
def lived(container, clock):
    """An active incident Ana took part in; her email and a notice to her not yet sent."""
    ids = lived_incident(container, clock, close=False, approve=False)
    import_people(container, [ContactRecord(name=NAME, phone=ANA, language="es", regions=("FL",),
                                            email="ana@example.org")])
    Slash(container).run(f"notify {KEY} Water at 5th street.\nes: Agua en la calle 5.",
                         user=COORDINATOR)  # held in its undo window: not sent yet
    return ids


def test_after_erasure_no_table_holds_their_number_or_name(container, lived, sms):
    assert set(traces(container.db)) >= {"contacts", "outbox", "inbound_messages", "attendance",
                                          "sms_conversations", "action_items", "notes_versions",
                                          "timeline_entries", "channel_messages"}
    done = erase(container, "ana ruiz")
    assert done.rows["contacts"] == 1 and done.rows["invitations"] == 1
    left = traces(container.db)
    assert left == {}, left

    with container.db.unit_of_work(read_only=True) as uow:
        events = uow.audit.list()
        recorded = events[-1]
        assert (recorded.action, recorded.actor) == (erasure.ERASED, "cli:records-officer")
        assert recorded.details["rows"] == done.rows and len(recorded.details["erased_number"]) == 64
        assert not TRACES.search(str(recorded.details))
        holding = {e.action for e in events if TRACES.search(str(e.details) + e.actor)}
    assert holding == KEPT_AS_TYPED, holding  # the documented exception, and only it
    assert verify_database(container.db).ok

    Slash(container).wait_out_undo_window()  # the notice queued before the erasure comes due
    container.worker.drain()
    assert sms.to(ANA) == [] or all("Agua" not in body for body in sms.to(ANA))
    assert any("Agua" in body or "Water" in body for body in sms.to(MINH))


def test_a_number_imported_again_is_never_texted(container, lived, sms):
    erase(container, "+1 (202) 555-0101")
    import_people(container, [ContactRecord(name=NAME, phone=ANA, language="es", regions=("FL",))])
    before = len(sms.to(ANA))
    commands = Slash(container)
    commands.run(f"notify {KEY} Boil water.\nes: Hierva el agua.", user=COORDINATOR)
    commands.wait_out_undo_window()
    container.worker.drain()
    assert len(sms.to(ANA)) == before
    assert any("Boil water" in body for body in sms.to(MINH))
    with container.db.unit_of_work(read_only=True) as uow:
        assert uow.sms.is_opted_out(ANA) and uow.voice.is_opted_out(ANA)
        assert uow.contacts.by_phone(ANA).sms_consent == "opted_out"
        assert not uow.sms.is_opted_out(MINH)


def test_a_number_no_contact_has_is_erased_too(container, clock):
    stranger = "+12025550177"
    lived_incident(container, clock, close=False, approve=False)
    sms_in(container, "Necesito ayuda, 202-555-0177", stranger)
    done = erase(container, "202.555.0177")
    assert done.person.contact_id is None and done.rows["inbound_messages"] == 1
    assert not any("555-0177" in v or "5550177" in v for rows in every_row(container.db).values()
                   if rows for row in rows for v in row)
    with container.db.unit_of_work(read_only=True) as uow:
        assert uow.sms.is_opted_out(stranger)


def test_an_unknown_name_erases_nothing(container, lived):
    unchanged = every_row(container.db)
    with pytest.raises(NotFound, match="No contact is named"):
        erase(container, "Nobody Here")
    assert every_row(container.db) == unchanged


def coordbot(database_url, cwd, *args, answer=None):
    return run_coordbot(database_url, cwd, "contacts", "erase", *args, answer=answer)


def test_the_command_asks_first_and_reports_the_rows(container, lived, database_url, tmp_path):
    declined = coordbot(database_url, tmp_path, NAME, answer="n\n")
    assert declined.returncode == 1 and "nothing was erased" in declined.stderr
    assert "Erase Ana Ruiz (+1 ••• ••• 0101)" in declined.stderr
    assert traces(container.db)
    done = coordbot(database_url, tmp_path, NAME, "--yes")
    assert done.returncode == 0, done.stderr
    assert "contacts" in done.stdout and "never texted or called again" in done.stdout
    assert traces(container.db) == {}


def test_finished_inbox_requests_that_mention_them_are_deleted(container, lived, database_url):
    from tests.support.records import finished_request, requests

    finished_request(container, "named", f"{NAME} says the bridge is out")
    finished_request(container, "numbered", "call (202) 555-0101 back")
    finished_request(container, "waiting", f"{NAME} again", status="pending")
    finished_request(container, "other", "Minh Tran has cots")
    with container.db.unit_of_work() as uow:
        person = erasure.find(uow, NAME, default_region="US")
        separate = container.inbox_db is not container.db
        forgotten = erasure.forget_requests(container.inbox_db, person) if separate else None
        done = erasure.erase(uow, person, actor="cli:x", now=container.clock.now(),
                             requests=forgotten)
        uow.commit()
    assert separate == database_url.startswith("sqlite")  # a file of its own beside SQLite's
    assert requests(container) == ["waiting", "other"] and done.rows["inbox"] == 2
