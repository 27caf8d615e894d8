"""``/incident audit``: the trail read in Slack by coordinators and officials, in the reader's
time zone, phones masked; and every access to personal data is in it."""

from __future__ import annotations

import pytest

from bot.access import links
from bot.directory.rules.contacts import ContactRecord
from bot.dispatch.grammar import parse_invocation
from bot.errors import InvalidInput, PermissionDenied
from bot.notes.service.page import notes_page
from bot.records import access, audit
from tests.conftest import BYSTANDER, COORDINATOR, OFFICIAL
from tests.support.notes import KEY, draft, review_settings
from tests.support.scenario import declared_with_contacts
from tests.support.slash import Slash

PEOPLE = [ContactRecord(name="Ana Ruiz", phone="+12025550101", language="es", regions=("FL",))]


@pytest.fixture
def settings(settings):
    return review_settings(settings)


@pytest.fixture
def commands(container):
    return declared_with_contacts(container, PEOPLE)


def test_coordinators_and_officials_read_it_in_their_zone(commands, slack):
    slack.timezones[OFFICIAL] = "Europe/Madrid"
    for user, zone_hint in ((COORDINATOR, "EST"), (OFFICIAL, "CET")):
        shown = commands.run("audit INC-2026-0001", user=user).text
        assert "Audit trail of INC-2026-0001" in shown and "`incident.declared`" in shown
        assert zone_hint in shown and f"<@{COORDINATOR}>" in shown


def test_anyone_else_is_refused_before_anything_is_read(commands, slack):
    with pytest.raises(PermissionDenied, match="coordinators and officials"):
        commands.run("audit INC-2026-0001", user=BYSTANDER)
    assert not [c for c in slack.calls if c[0] == "user_timezone" and c[1].get("user") == BYSTANDER]


def test_phones_in_details_are_masked_and_last_n_counts(commands, container, clock):
    with container.db.unit_of_work() as uow:
        incident = uow.incidents.by_key("INC-2026-0001")
        for n in range(3):
            audit.record(uow, at=clock.now(), actor="twilio", action="contact.number_unusable",
                         incident_id=incident.id, phone="+12025550101", n=n)
        uow.commit()
    shown = commands.run("audit INC-2026-0001 last 2", user=COORDINATOR).text
    assert "+12025550101" not in shown and "+1 ••• ••• 0101" in shown
    assert "n=1" in shown and "n=2" in shown and "n=0" not in shown
    assert "the last 2 of" in shown


def test_outside_an_incident_channel_without_a_key_it_is_the_whole_trail(commands):
    shown = commands.run("audit", user=OFFICIAL, channel="CELSEWHERE").text
    assert "Audit trail (all incidents" in shown and "contacts.imported" in shown


@pytest.mark.parametrize("text", ["audit INC-2026-0001 last", "audit INC-2026-0001 last 0",
                                  "audit INC-2026-0001 last 101", "audit INC-2026-0001 lots"])
def test_a_bad_count_is_refused_in_the_ack(text):
    with pytest.raises(InvalidInput):
        parse_invocation(text)


def test_audience_exports_and_notes_page_views_appear_in_the_trail(container, call, settings,
                                                                 clock):
    slash, channel = Slash(container), "C00000001"
    slash.run("contacts export", user=COORDINATOR, channel=channel)
    notes_id = draft(container, call)
    url = links.notes_url(settings, notes_id, now=clock.now())
    expires, token = url.split("?e=")[1].split("&t=")
    assert notes_page(container.db, settings, notes_id, expires, token, now=clock.now()).html
    forged = notes_page(container.db, settings, notes_id, expires, "forged", now=clock.now())
    assert forged.html is None
    shown = slash.run(f"audit {KEY} last 100", user=OFFICIAL, channel=channel).text
    assert f"`{access.AUDIENCE_EXPORTED}`" in shown and "contacts=" in shown
    assert shown.count(f"`{access.NOTES_VIEWED}`") == 1
    assert f"link={access.link_fingerprint(token)}" in shown and token not in shown


# ---------------------------------------------------------------- legal hold

def held(container) -> bool:
    with container.db.unit_of_work(read_only=True) as uow:
        return uow.incidents.by_key("INC-2026-0001").legal_hold


def test_only_officials_place_and_release_a_legal_hold_and_both_are_recorded(commands, container):
    with pytest.raises(PermissionDenied, match="officials"):
        commands.run("hold INC-2026-0001", user=COORDINATOR)
    assert held(container) is False
    assert "is on legal hold" in commands.run("hold INC-2026-0001", user=OFFICIAL).text
    assert "already on legal hold" in commands.run("hold INC-2026-0001", user=OFFICIAL).text
    assert held(container) is True
    released = commands.run("hold INC-2026-0001 release", user=OFFICIAL).text
    assert "released from legal hold" in released and held(container) is False
    shown = commands.run("audit INC-2026-0001", user=OFFICIAL).text
    assert shown.count("`incident.legal_hold_placed`") == 1
    assert shown.count("`incident.legal_hold_released`") == 1
    with pytest.raises(InvalidInput, match="optionally `release`"):
        parse_invocation("hold INC-2026-0001 forever")
