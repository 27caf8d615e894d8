"""The audience query at scale: what the index says follows every directory write, the order
the database sorts in is the rules' order, and coordinators' changes apply as the rules say."""

from __future__ import annotations

import gc
import itertools
import json
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, select, text

from bot.db.models import ContactReach
from bot.db.reach import read_profile
from bot.db.stores.directory import ANALYZE_AFTER
from bot.db.unit_of_work import alembic_config
from bot.directory.rules import audience as rules
from bot.directory.rules.audience import ADD, REMOVE, SLACK, SMS, VOICE, Scope, assemble
from bot.directory.rules.contacts import Consent, ContactRecord
from bot.directory.rules.regions import US_REGIONS
from bot.directory.service import audience
from bot.directory.service import contacts as directory
from bot.dispatch.grammar import parse_declare
from bot.sms.service import consent
from tests.conftest import COORDINATOR
from tests.support.slash import Slash
from tests.test_audience import _all_candidates

KEY = "INC-2026-0001"


def declare(container) -> None:
    Slash(container).declare(parse_declare('hurricane "Hurricane Xavier" FL,GA'), user=COORDINATOR)


def load(container, *records: ContactRecord) -> None:
    with container.db.unit_of_work() as uow:
        directory.import_records(uow, list(records), source="t", actor="test",
                                 now=container.clock.now())
        uow.commit()


def members(container):
    with container.db.unit_of_work(read_only=True) as uow:
        return audience.members(uow, uow.incidents.by_key(KEY), ["interpreter"])


def test_an_import_that_moves_a_contact_moves_it_in_and_out_of_the_audience(container):
    declare(container)
    person = dict(name="Ana Ruiz", phone="+12025550101")
    load(container, ContactRecord(**person, regions=("TX",)))
    assert members(container) == []
    load(container, ContactRecord(**person, regions=("TX", "GA"), incident_types=("hurricane",)))
    assert [m.reasons for m in members(container)] == [("serves GA, follows hurricane",)]
    load(container, ContactRecord(**person, regions=("GA",), incident_types=("wildfire",)))
    assert members(container) == []
    load(container, ContactRecord(**person, regions=("GA",), incident_types=("wildfire",),
                                  tags=("interpreter",)))
    assert [m.reasons for m in members(container)] == [("always included (interpreter)",)]


def test_index_rows_are_the_pairs_tags_and_one_for_everyone_and_go_with_the_contact(container):
    load(container, ContactRecord(name="Ana Ruiz", phone="+12025550101", regions=("FL", "GA"),
                                  incident_types=("flood", "hurricane"), tags=("faith",),
                                  organisation="Iglesia Ángel"))
    with container.db.unit_of_work() as uow:
        rows = {(r.key, r.sort_key, read_profile(r.profile), tuple(json.loads(r.regions)))
                for r in uow.session.scalars(select(ContactReach))}
        contact = uow.contacts.by_phone("+12025550101")
        uow.erasure.remove_contact(contact.id)
        uow.commit()
    sort_key = "iglesia angel\x1fana ruiz"
    profile = ("en", "en", "", SMS)
    keys = ("FL/flood", "FL/hurricane", "GA/flood", "GA/hurricane", "#faith", "*")
    assert rows == {(key, sort_key, profile, ("FL", "GA")) for key in keys}
    with container.db.unit_of_work() as uow:
        assert uow.session.scalars(select(ContactReach)).all() == []


def test_an_inactive_contact_has_no_index_rows_until_reactivated(container):
    declare(container)
    person = dict(name="Ana Ruiz", phone="+12025550101", regions=("FL",))
    load(container, ContactRecord(**person, active=False))
    with container.db.unit_of_work(read_only=True) as uow:
        assert uow.session.scalars(select(ContactReach)).all() == []
    load(container, ContactRecord(**person))
    assert [m.reasons for m in members(container)] == [("serves FL",)]


def test_an_orm_change_to_a_contact_rewrites_its_rows_and_a_rollback_keeps_them(container):
    declare(container)
    load(container, ContactRecord(name="Ana Ruiz", phone="+12025550101", regions=("FL",)))
    with container.db.unit_of_work() as uow:
        contact = uow.contacts.by_phone("+12025550101")
        contact.language, contact.active = "es", True
        uow.commit()
    assert [(m.language, m.channel) for m in members(container)] == [("es", SMS)]
    with container.db.unit_of_work() as uow:
        uow.contacts.by_phone("+12025550101").active = False
        uow.session.flush()
        assert uow.session.scalars(select(ContactReach)).all() == []
        uow.rollback()
    assert [m.language for m in members(container)] == ["es"]


def test_the_database_sorts_as_the_rules_do_accents_and_case_aside(container):
    declare(container)
    names = [("Zoë Park", "Ángel Center"), ("ana lópez", "angel center"), ("Bea", "Zeta"),
             ("Émile", ""), ("emil", ""), ("Ana López", "ANGEL CENTER")]
    load(container, *[ContactRecord(name=name, organisation=org, phone=f"+1202555010{i}",
                                    regions=("FL",)) for i, (name, org) in enumerate(names)])
    with container.db.unit_of_work(read_only=True) as uow:
        found = audience.members(uow, uow.incidents.by_key(KEY), [])
        shown = audience.names(uow, found)
        everyone = [audience._candidate(row) for row in uow.session.execute(_all_candidates())]
    expected = assemble(everyone, Scope("hurricane", ("FL", "GA")))
    assert [m.id for m in found] == [m.id for m in expected]
    assert [shown[m.id][0] for m in found] == ["emil", "Émile", "ana lópez", "Ana López",
                                               "Zoë Park", "Bea"]


def test_names_that_fold_long_are_indexed_and_ordered_by_their_first_500_characters(container):
    """"㌀" folds to four katakana: a 200-character name of them folds to 600 characters, 1,800
    bytes, and with such an organisation the whole key would pass PostgreSQL's B-tree limit."""
    declare(container)
    long_org, long_name = "㌀" * 200, "㌀" * 199
    people = [(long_name + "b", long_org), (long_name + "a", long_org), ("Ana", long_org[:10])]
    load(container, *[ContactRecord(name=name, organisation=org, phone=f"+1202555010{i}",
                                    regions=("FL",)) for i, (name, org) in enumerate(people)])
    with container.db.unit_of_work(read_only=True) as uow:
        found = audience.members(uow, uow.incidents.by_key(KEY), [])
        keys = uow.session.scalars(select(ContactReach.sort_key).where(ContactReach.key == "*")
                                   .order_by(ContactReach.contact_id)).all()
        everyone = [audience._candidate(row) for row in uow.session.execute(_all_candidates())]
    assert [len(key) for key in keys] == [500, 500, 10 * 4 + 1 + 3]
    assert keys[0] == keys[1], "the names differ only after the first 500 characters"
    expected = assemble(everyone, Scope("hurricane", ("FL", "GA")))
    assert [m.id for m in found] == [m.id for m in expected]
    ana, b_last, a_last = (m.id for m in found)  # a shorter organisation first
    assert b_last < a_last, "ordered by id where the first 500 characters agree"
    assert ana == b_last + 2


def test_the_latest_change_wins_and_an_addition_needs_no_match(container):
    declare(container)
    load(container, ContactRecord(name="In Florida", phone="+12025550101", regions=("FL",)),
         ContactRecord(name="In Texas", phone="+12025550102", regions=("TX",)))
    with container.db.unit_of_work() as uow:
        incident = uow.incidents.by_key(KEY)
        florida, texas = (uow.contacts.by_phone(p) for p in ("+12025550101", "+12025550102"))
        now = datetime(2026, 12, 1, tzinfo=UTC)
        for contact, action in ((florida, REMOVE), (texas, ADD), (texas, REMOVE), (texas, ADD),
                                (florida, ADD)):
            audience.change(uow, incident=incident, contact=contact, action=action,
                            actor="UCOORD", now=now)
        uow.commit()
    assert {m.id: m.reasons for m in members(container)} == {
        florida.id: ("serves FL", "added by <@UCOORD>"), texas.id: ("added by <@UCOORD>",)}
    with container.db.unit_of_work() as uow:
        audience.change(uow, incident=uow.incidents.by_key(KEY), contact=uow.contacts.get(texas.id),
                        action=REMOVE, actor="UCOORD", now=now)
        uow.commit()
    assert [m.id for m in members(container)] == [florida.id]


def test_channels_from_the_query_are_the_rules_channels(container):
    declare(container)
    load(container,
         ContactRecord(name="A Slack", phone="+12025550101", regions=("FL",), slack_user_id="U0AAA1"),
         ContactRecord(name="B Texts", phone="+12025550102", regions=("FL",), slack_user_id="U0AAA2",
                       channel="sms"),
         ContactRecord(name="C Calls", phone="+12025550103", regions=("FL",), channel="voice"),
         ContactRecord(name="D Slack only", regions=("FL",), slack_user_id="U0AAA4"))
    assert [(m.channel, m.language, m.spoken) for m in members(container)] == [
        (SLACK, "en", "en"), (SMS, "en", "en"), (VOICE, "en", "en"), (SLACK, "en", "en")]


def test_the_migration_fills_the_index_from_the_links_already_there(empty_database_url):
    engine = create_engine(empty_database_url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0021")
        for cid, active in ((1, "true"), (2, "false")):
            connection.execute(text(
                "INSERT INTO contacts (id, name, name_folded, organisation, organisation_folded, "
                "organisation_type, role, phone, language, home_language, timezone, regions, "
                "incident_types, tags, sms_consent, phone_status, channel, active, created_at, "
                f"updated_at) VALUES ({cid}, 'A', 'a', 'O', 'o', 'faith', '', '+1202555010{cid}', "
                "'es', 'es', 'UTC', '[\"FL\", \"GA\"]', '[\"all\"]', '[\"interpreter\"]', "
                f"'opted_out', 'landline', '', {active}, '2026-12-01 00:00:00+00:00', "
                "'2026-12-01 00:00:00+00:00')"))
            connection.execute(text(f"INSERT INTO contact_regions VALUES ({cid}, 'FL'), ({cid}, 'GA')"))
            connection.execute(text(f"INSERT INTO contact_incident_types VALUES ({cid}, 'all')"))
            connection.execute(text(f"INSERT INTO contact_tags VALUES ({cid}, 'interpreter')"))
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
        rows = connection.execute(text(
            "SELECT key, contact_id, sort_key, phone, profile, regions FROM contact_reach "
            "ORDER BY key")).all()
        tables = inspect(connection).get_table_names()
    engine.dispose()
    row = (1, "o\x1fa", "+12025550101", ("es", "es", "faith", VOICE), ["FL", "GA"])
    assert [(*r[:4], read_profile(r[4]), json.loads(r[5])) for r in rows] == [
        (key, *row) for key in ("#interpreter", "*", "FL/all", "GA/all")]
    assert "contact_scopes" not in tables


def test_a_contact_matched_several_ways_is_one_member_with_every_reason(container):
    """Several index entries of one contact (two regions, national, a tag, an addition) are
    one member, whatever the coordinators' changes; the reasons are the rules' reasons."""
    declare(container)
    load(container,
         ContactRecord(name="A Both", phone="+12025550101", regions=("FL", "GA", "national"),
                       incident_types=("all", "hurricane"), tags=("interpreter",)),
         ContactRecord(name="B Both removed", phone="+12025550102", regions=("FL", "GA"),
                       tags=("interpreter",)),
         ContactRecord(name="C Both added", phone="+12025550103", regions=("GA", "FL")),
         ContactRecord(name="D Tag added", phone="+12025550104", regions=("TX",),
                       tags=("interpreter",)))
    with container.db.unit_of_work() as uow:
        incident = uow.incidents.by_key(KEY)
        now = datetime(2026, 12, 1, tzinfo=UTC)
        for phone, action in (("+12025550102", REMOVE), ("+12025550103", ADD),
                              ("+12025550104", ADD)):
            audience.change(uow, incident=incident, contact=uow.contacts.by_phone(phone),
                            action=action, actor="UCOORD", now=now)
        uow.commit()
    found = members(container)
    with container.db.unit_of_work(read_only=True) as uow:
        everyone = [audience._candidate(row) for row in uow.session.execute(_all_candidates())]
        changes = audience.overrides(uow, uow.incidents.by_key(KEY).id)
    expected = assemble(everyone, Scope("hurricane", ("FL", "GA"), ("interpreter",)), changes)
    assert found == expected
    assert [m.reasons for m in found] == [
        ("serves FL, GA", "always included (interpreter)"),
        ("serves FL, GA", "added by <@UCOORD>"),
        ("always included (interpreter)", "added by <@UCOORD>")]


def test_an_incident_over_many_regions_has_bits_for_each(container):
    """Each region is a bit of the query's match: an incident over 40 states needs more than
    32 (PostgreSQL's ``integer``)."""
    states = ["AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN",
              "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV",
              "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC"]
    Slash(container).declare(parse_declare(f'flood "Wide" {",".join(states)}'), user=COORDINATOR)
    load(container, ContactRecord(name="Last", phone="+12025550101", regions=("SC",),
                                  tags=("interpreter",)),
         ContactRecord(name="First", phone="+12025550102", regions=("AL", "national")))
    with container.db.unit_of_work(read_only=True) as uow:
        found = audience.members(uow, uow.incidents.by_key(KEY), ["interpreter"])
    assert {m.reasons for m in found} == {("serves SC", "always included (interpreter)"),
                                          ("serves AL",)}


def test_a_match_past_63_regions_and_tags_keeps_every_reason(container):
    """Every region and a dozen always-include tags: more bits than a database integer holds."""
    regions = sorted(US_REGIONS)
    Slash(container).declare(parse_declare(f'flood "Everywhere" {",".join(regions)}'),
                             user=COORDINATOR)
    tags = [f"tag{i:02d}" for i in range(12)]
    load(container, ContactRecord(name="Tagged", phone="+12025550101", regions=("TX",),
                                  incident_types=("wildfire",), tags=(tags[-1],)),
         ContactRecord(name="Far", phone="+12025550102", regions=(regions[-1],)))
    with container.db.unit_of_work(read_only=True) as uow:
        found = audience.members(uow, uow.incidents.by_key(KEY), tags)
    assert len(regions) + 1 + 1 + len(tags) > 63
    assert {m.reasons for m in found} == {(f"always included ({tags[-1]})",),
                                          (f"serves {regions[-1]}",)}


def test_the_querys_channel_is_the_rules_channel_for_every_combination(container):
    """The query's copy of ``channel_of`` over every channel asked for, Slack id or none,
    number or none, number status and SMS consent."""
    declare(container)
    combinations = list(itertools.product(("", SMS, VOICE, SLACK), (True, False), (True, False),
                                          ("ok", "landline", "invalid"), [c.value for c in Consent]))
    load(container, *[ContactRecord(name=f"P{i}", phone=f"+1202555{i:04d}" if phone else None,
                                    email=f"p{i}@example.org", regions=("FL",), channel=wants,
                                    slack_user_id=f"U0P{i:04d}" if slack else None)
                      for i, (wants, slack, phone, _, _) in enumerate(combinations)])
    with container.db.unit_of_work() as uow:
        for i, (_, _, _, status, consent) in enumerate(combinations):
            contact = uow.contacts.by_folded_name(f"p{i}")[0]
            contact.phone_status, contact.sms_consent = status, consent
        uow.commit()
    with container.db.unit_of_work(read_only=True) as uow:
        names = {cid: name for cid, (name, _) in audience.names(uow, members(container)).items()}
    found = {names[m.id]: m.channel for m in members(container)}
    assert found == {f"P{i}": rules.channel_of(wants, slack, phone, status, consent)
                     for i, (wants, slack, phone, status, consent) in enumerate(combinations)}
    assert set(found.values()) == {SLACK, SMS, VOICE, rules.UNREACHABLE}


def test_a_stop_or_a_number_marked_unusable_changes_the_next_audience(container):
    declare(container)
    load(container, ContactRecord(name="A Texts", phone="+12025550101", regions=("FL",)),
         ContactRecord(name="B Landline", phone="+12025550102", regions=("FL",)),
         ContactRecord(name="C Invalid", phone="+12025550103", regions=("FL",)))
    assert [m.channel for m in members(container)] == [SMS, SMS, SMS]
    now = datetime(2026, 12, 2, tzinfo=UTC)
    with container.db.unit_of_work() as uow:
        consent.opt_out(uow, "+12025550101", source="sms:STOP", at=now)
        consent.mark_number(uow, "+12025550102", status="landline", code="21614", at=now)
        consent.mark_number(uow, "+12025550103", status="invalid", code="21211", at=now)
        uow.commit()
    assert [m.channel for m in members(container)] == [rules.UNREACHABLE, VOICE, rules.UNREACHABLE]
    with container.db.unit_of_work() as uow:
        consent.opt_in(uow, "+12025550101", source="sms:START", at=now)
        uow.commit()
    assert [m.channel for m in members(container)] == [SMS, VOICE, rules.UNREACHABLE]


def test_a_large_import_leaves_postgresql_statistics_for_the_audience_query(container):
    """Without them (a server with autovacuum off) PostgreSQL plans for a handful of entries."""
    with container.db.unit_of_work() as uow:
        if uow.session.get_bind().dialect.name != "postgresql":
            pytest.skip("SQLite's plan needs no statistics")
    load(container, *[ContactRecord(name=f"P{i}", phone=f"+1202555{i:04d}", regions=("FL",))
                      for i in range(ANALYZE_AFTER)])
    with container.db.unit_of_work(read_only=True) as uow:
        counted = dict(uow.session.execute(text(
            "SELECT relname, reltuples FROM pg_class WHERE relname IN ('contacts', "
            "'contact_reach') AND relnamespace = current_schema()::regnamespace")).all())
    assert counted == {"contacts": ANALYZE_AFTER, "contact_reach": 2 * ANALYZE_AFTER}


def test_the_audience_is_merged_from_the_keys_index_scans_not_sorted(container):
    """One ordered index scan per key merged (SQLite: its compound SELECT's merge), no sort of
    all the members. With 3,000 contacts and their statistics, PostgreSQL left to itself
    reads the largest key with a bitmap scan and sorts it."""
    declare(container)
    load(container, *[ContactRecord(name=f"P{i}", phone=f"+1202555{i:04d}", regions=("FL", "GA"),
                                    tags=("interpreter",) if i % 2 else ()) for i in range(3000)])
    with container.db.unit_of_work(read_only=True) as uow:
        incident = uow.incidents.by_key(KEY)
        found = audience.members(uow, incident, ["interpreter"])
        plan = uow.contacts.audience_plan(regions=["FL", "GA", "national"],
                                          incident_type=incident.type, tags=["interpreter"],
                                          incident_id=incident.id)
    if isinstance(plan, dict):  # PostgreSQL's
        top = plan
        while top["Node Type"] == "Result":  # the projection (a NULL for the sort key)
            [top] = top["Plans"]
        assert top["Node Type"] == "Merge Append", top
        scans = {part["Node Type"] for part in top["Plans"][:-1]}  # the last: the additions
        assert scans == {"Index Scan"}, top
    else:
        assert "MERGE (UNION ALL)" in plan and not any("TEMP B-TREE" in p for p in plan), plan
    assert len(found) == 3000


def test_an_audience_read_given_up_part_way_leaves_the_transaction_usable(container):
    """A caller that stops after the first rows (an error while making the members): on
    PostgreSQL the stream is abandoned mid-way, and the session's next statements still run."""
    declare(container)
    load(container, *[ContactRecord(name=f"P{i}", phone=f"+1202555{i:04d}", regions=("FL",))
                      for i in range(5000)])
    with container.db.unit_of_work() as uow:
        incident = uow.incidents.by_key(KEY)
        rows, _ = uow.contacts.audience_candidates(regions=["FL", "GA", "national"],
                                                   incident_type=incident.type, tags=[],
                                                   incident_id=incident.id)
        rows = iter(rows)
        next(rows)
        del rows  # the stream's generator closed with rows still to come
        assert len(audience.members(uow, uow.incidents.by_key(KEY), [])) == 5000
        audience.change(uow, incident=incident, contact=uow.contacts.by_phone("+12025550000"),
                        action=REMOVE, actor=COORDINATOR, now=container.clock.now())
        uow.commit()
    assert len(members(container)) == 4999


def test_the_garbage_collector_is_left_as_the_audience_found_it(container):
    """The audience pauses the cyclic collector while it builds the members, and gives it
    back as it was: on, or off when a caller had paused it."""
    declare(container)
    load(container, ContactRecord(name="Ana Ruiz", phone="+12025550101", regions=("FL",)))
    assert gc.isenabled()
    assert len(members(container)) == 1 and gc.isenabled()
    gc.disable()
    try:
        assert len(members(container)) == 1 and not gc.isenabled()
    finally:
        gc.enable()
