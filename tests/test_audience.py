"""Audience rules (pure), the directory query that feeds them, and the Slack subcommands."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.directory.rules.audience import (
    ADD,
    REMOVE,
    SLACK,
    SMS,
    UNREACHABLE,
    VOICE,
    Candidate,
    Override,
    Scope,
    assemble,
    summarise,
)
from bot.directory.rules.contacts import Consent, ContactRecord
from bot.directory.rules.phones import mask
from bot.directory.service import audience
from bot.directory.service import contacts as directory
from bot.dispatch.grammar import Invocation, parse_declare
from bot.errors import InvalidInput, NotFound, PermissionDenied
from tests.conftest import BYSTANDER, COORDINATOR
from tests.support.slash import Slash

SCOPE = Scope(incident_type="hurricane", regions=("FL", "GA"), always_include_tags=("interpreter",))


def candidate(id=1, *, regions=("FL",), types=("all",), tags=(), phone="+12025550101",
              slack=None, consent="unknown", language="es", active=True, status="ok",
              channel=""):
    return Candidate(id=id, name=f"Contact {id}", organisation="Org", organisation_type="ngo",
                     language=language, regions=tuple(regions), incident_types=tuple(types),
                     tags=tuple(tags), phone=phone, slack_user_id=slack, sms_consent=consent,
                     phone_status=status, active=active, channel=channel)


def test_region_and_type_match_with_reasons():
    members = assemble([candidate(1), candidate(2, regions=("TX",)),
                        candidate(3, regions=("national",), types=("hurricane",)),
                        candidate(4, types=("wildfire",))], SCOPE)
    assert [(m.id, m.reasons) for m in members] == [
        (1, ("serves FL",)), (3, ("national organisation, follows hurricane",))]


def test_always_include_tags_additions_and_removals():
    members = assemble(
        [candidate(1, regions=("TX",), tags=("interpreter",)), candidate(2, regions=("TX",)),
         candidate(3)],
        SCOPE, {2: Override(ADD, "UCOORD"), 3: Override(REMOVE, "UCOORD")})
    assert {m.id: m.reasons for m in members} == {
        1: ("always included (interpreter)",), 2: ("added by <@UCOORD>",)}


def test_channels_slack_first_then_sms_unless_stopped_or_bad_number():
    assert [m.channel for m in assemble([
        candidate(1, slack="U1"), candidate(2), candidate(3, consent=Consent.OPTED_OUT.value),
        candidate(4, status="landline"), candidate(5, phone=None), candidate(6, status="invalid"),
    ], SCOPE)] == [SLACK, SMS, UNREACHABLE, VOICE, UNREACHABLE, UNREACHABLE]


def test_a_contact_who_asked_for_calls_is_called_while_the_number_takes_calls():
    assert [m.channel for m in assemble([
        candidate(1, channel="voice"), candidate(2, channel="voice", slack="U2"),
        candidate(3, channel="voice", consent=Consent.OPTED_OUT.value),
        candidate(4, channel="voice", status="invalid"), candidate(5, channel="sms", slack="U5"),
        candidate(6, channel="voice", phone=None, slack="U6"),
    ], SCOPE)] == [VOICE, VOICE, VOICE, UNREACHABLE, SMS, SLACK]


def test_inactive_contacts_are_never_included():
    assert assemble([candidate(1, active=False, tags=("interpreter",))], SCOPE,
                    {1: Override(ADD, "U")}) == []


def test_summary_warns_about_languages_without_an_interpreter():
    members = assemble([candidate(1, language="vi"), candidate(2, language="es"),
                        candidate(3, language="en")], SCOPE)
    totals = summarise(members, SCOPE, interpreters={"es"})
    assert totals.languages_without_interpreter == ("vi",)
    assert totals.by_region == {"FL": 3} and totals.by_channel == {SMS: 3}


REGIONS = st.sampled_from(["FL", "GA", "TX", "PR", "national"])
TYPES = st.sampled_from(["all", "hurricane", "flood", "wildfire"])
records = st.lists(st.builds(
    lambda i, regions, types, tags, consent: ContactRecord(
        name=f"Person {i}", phone=f"+1202555{i:04d}", regions=tuple(sorted(set(regions))),
        incident_types=tuple(sorted(set(types))), tags=tuple(sorted(set(tags))),
        sms_consent=consent),
    st.integers(0, 9999), st.lists(REGIONS, max_size=3), st.lists(TYPES, min_size=1, max_size=2),
    st.lists(st.sampled_from(["interpreter", "faith", "legal-aid"]), max_size=2),
    st.sampled_from(list(Consent))), max_size=25, unique_by=lambda r: r.phone)


@pytest.fixture
def incident(container):
    """The key of a declared hurricane incident in FL and GA."""
    commands = Slash(container)
    commands.declare(parse_declare('hurricane "Hurricane Xavier" FL,GA'), user=COORDINATOR)
    return "INC-2026-0001"


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=records)
def test_the_directory_query_finds_exactly_what_the_rules_select(container, incident, batch):
    with container.db.unit_of_work() as uow:
        uow.session.execute(_wipe())
        directory.import_records(uow, batch, source="t", actor="test", now=container.clock.now())
        uow.commit()
    with container.db.unit_of_work() as uow:
        found = audience.members(uow, uow.incidents.by_key(incident), ["interpreter"])
        everyone = [audience._candidate(row) for row in uow.session.execute(_all_candidates())]
    expected = assemble(everyone, Scope("hurricane", ("FL", "GA"), ("interpreter",)))
    assert [(m.id, m.reasons, m.channel) for m in found] == \
        [(m.id, m.reasons, m.channel) for m in expected]


def _wipe():
    from sqlalchemy import delete

    from bot.db.models import Contact
    return delete(Contact)


def _all_candidates():
    """Every contact, in the shape ``audience_candidates`` returns (lists as JSON text)."""
    from sqlalchemy import String, cast, select

    from bot.db.models import Contact
    return select(Contact.id, Contact.name, Contact.organisation, Contact.organisation_type,
                  Contact.language, cast(Contact.regions, String),
                  cast(Contact.incident_types, String), cast(Contact.tags, String),
                  Contact.phone, Contact.slack_user_id, Contact.sms_consent, Contact.phone_status,
                  Contact.active, Contact.home_language, Contact.channel)


PEOPLE = [
    ContactRecord(name="Ana Ruiz", organisation="Comunidad Unida", phone="+12025550101",
                  language="es", regions=("FL",)),
    ContactRecord(name="Minh Tran", organisation="VN Assoc", phone="+12025550102", language="vi",
                  regions=("GA",), incident_types=("hurricane",)),
    ContactRecord(name="Lee Park", organisation="Korean Center", phone="+12025550103",
                  language="ko", regions=("CA",)),
    ContactRecord(name="Sofia Interp", phone="+12025550104", language="es", regions=("TX",),
                  tags=("interpreter",)),
]


@pytest.fixture
def directory_loaded(container):
    with container.db.unit_of_work() as uow:
        directory.import_records(uow, PEOPLE, source="t", actor="test", now=container.clock.now())
        uow.commit()


def run(container, text, user=COORDINATOR):
    return Slash(container).run(
        Invocation("contacts", key="INC-2026-0001", text=text), user=user, channel=None).text


def test_contacts_summary_masks_phones_and_warns(container, incident, directory_loaded):
    text = run(container, "", user=BYSTANDER)
    assert "2 contacts" in text and "Ana Ruiz" in text and "Minh Tran" in text
    assert "+12025550101" not in text and mask("+12025550101") in text
    assert "No contact tagged `interpreter` for: Vietnamese" in text


def test_add_remove_and_why_are_audited(container, incident, directory_loaded):
    assert "Lee Park added" in run(container, "add Lee Park")
    assert "Lee Park" in run(container, "", user=BYSTANDER)
    assert "added by <@UCOORD001>" in run(container, "why lee park", user=BYSTANDER)
    assert "removed" in run(container, "remove +1 (202) 555-0101")
    assert "was removed" in run(container, "why Ana Ruiz", user=BYSTANDER)
    with container.db.unit_of_work() as uow:
        incident_id = uow.incidents.by_key(incident).id
        actions = [e.action for e in uow.audit.list(incident_id=incident_id)]
    assert actions[-2:] == ["audience.add", "audience.remove"]


def test_only_coordinators_change_an_audience(container, incident, directory_loaded):
    with pytest.raises(PermissionDenied, match="change an incident's audience"):
        run(container, "add Lee Park", user=BYSTANDER)


def test_unknown_and_ambiguous_references(container, incident, directory_loaded):
    with pytest.raises(NotFound, match="No contact is named 'Nobody'"):
        run(container, "add Nobody")
    with pytest.raises(InvalidInput, match="Unknown contacts action"):
        run(container, "delete Ana Ruiz")
    with container.db.unit_of_work() as uow:
        directory.import_records(uow, [ContactRecord(name="Ana Ruiz", phone="+12025550109")],
                                 source="t", actor="t", now=container.clock.now())
        uow.commit()
    with pytest.raises(InvalidInput, match="2 contacts are named 'Ana Ruiz'"):
        run(container, "why Ana Ruiz")


def test_export_posts_a_masked_csv(container, incident, directory_loaded, slack):
    assert "as a CSV file" in run(container, "export")
    container.worker.drain()
    upload = slack.files[-1]
    assert upload["filename"] == "inc-2026-0001-audience.csv"
    assert "Ana Ruiz" in upload["content"] and "+12025550101" not in upload["content"]
