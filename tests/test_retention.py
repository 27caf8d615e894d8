"""Retention: an incident closed past ``retention.after_closed_days`` loses its message bodies,
texts, transcripts, drafts and payloads, its numbers cut to the last four digits, in batches;
the approved notes and the audit trail stay and the chain still verifies; a held incident is
untouched until released; a second run and a dry run agree with the first."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.db.models import (
    Attendance,
    CallTranscript,
    Conversation,
    InboundMessage,
    NotesVersion,
    OutboxMessage,
    TimelineEntry,
)
from bot.records import retention
from bot.records.service import HOLD_PLACED, HOLD_RELEASED, verify_database
from schedules.jobs import fire_due_work
from tests.conftest import OFFICIAL
from tests.support.cli import coordbot as run_coordbot
from tests.support.notes import ANA, KEY
from tests.support.records import every_row, lived_incident
from tests.support.slash import Slash

DAYS = 30
BATCH = 7


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"retention": settings.retention.model_copy(
        update={"after_closed_days": DAYS, "batch_size": BATCH})})


@pytest.fixture
def incident(container, clock):
    return lived_incident(container, clock)


def trail(db) -> list[tuple]:
    with db.unit_of_work(read_only=True) as uow:
        return [(e.seq, e.hash, e.action, e.details) for e in uow.audit.list()]


def rows(db, model, **where):
    with db.unit_of_work(read_only=True) as uow:
        query = uow.session.query(model)
        return [{c.key: getattr(r, c.key) for c in model.__table__.columns}
                for r in query.filter_by(**where).all()]


def run(container, *, dry_run=False):
    return retention.run(container.db, now=container.clock.now(), settings=container.settings,
                         dry_run=dry_run)


def test_past_its_period_an_incident_is_purged_in_batches_keeping_notes_and_trail(
        container, clock, incident):
    db = container.db
    approved = [v["text"] for v in rows(db, NotesVersion, notes_id=incident.notes_id)
                if v["version"] == 2]
    timeline, before = rows(db, TimelineEntry), trail(db)
    assert any(m["body"] for m in rows(db, InboundMessage))  # there was something to purge
    clock.advance(days=DAYS + 1)

    planned = run(container, dry_run=True)
    done = run(container)

    assert done.counts == planned.counts and done.counts[KEY]["outbox"] > BATCH
    assert set(done.counts[KEY]) == {"outbox", "inbound", "conversations", "transcripts",
                                     "channel_messages", "notices", "attendance", "notes_drafts"}
    after = trail(db)
    assert after[:len(before)] == before  # no earlier event rewritten
    purged = [details for _, _, action, details in after[len(before):]]
    assert {action for _, _, action, _ in after[len(before):]} == {retention.PURGED}
    assert len(purged) >= -(-done.total() // BATCH)  # one event per batch at least
    assert sum(sum(d.values()) for d in purged) == done.total()
    assert verify_database(db).ok

    deliveries = rows(db, OutboxMessage, incident_id=incident.incident_id)
    assert {m["payload"]["retention"] for m in deliveries if m["status"] not in (
        "pending", "sending", "unknown")} == {"purged"}
    assert "+1 ••• ••• 0101" in {m["recipient"] for m in rows(db, OutboxMessage)}
    assert ANA not in {m["recipient"] for m in rows(db, OutboxMessage)}
    assert {(m["body"], m["from_phone"]) for m in rows(db, InboundMessage)} == {
        ("", "+1 ••• ••• 0101")}
    assert {c["phone"] for c in rows(db, Conversation)} == {"+1 ••• ••• 0101"}
    assert all("•••" in a["phone"] for a in rows(db, Attendance))
    assert {t["text"] for t in rows(db, CallTranscript)} == {""}
    versions = {v["version"]: v["text"] for v in rows(db, NotesVersion, notes_id=incident.notes_id)}
    assert versions[1] == "" and [versions[2]] == approved  # the approved notes are kept
    assert rows(db, TimelineEntry) == timeline

    unchanged = every_row(db)
    again = run(container)
    assert again.total() == 0 and again.counts == {} and every_row(db) == unchanged
    assert run(container, dry_run=True).counts == {}


def test_nothing_goes_a_day_before_the_period_is_over(container, clock, incident):
    clock.advance(days=DAYS - 1)
    unchanged = every_row(container.db)
    assert run(container, dry_run=True).counts == {} and run(container).counts == {}
    assert every_row(container.db) == unchanged


def test_a_held_incident_is_untouched_and_reported_until_an_official_releases_it(
        container, clock, incident):
    slash = Slash(container)
    assert "is on legal hold" in slash.run(f"hold {KEY}", user=OFFICIAL).text
    clock.advance(days=DAYS + 1)
    unchanged = every_row(container.db)
    for dry_run in (True, False):
        report = run(container, dry_run=dry_run)
        assert report.counts == {} and report.held == [KEY]
    assert every_row(container.db) == unchanged

    assert "released from legal hold" in slash.run(f"hold {KEY} release", user=OFFICIAL).text
    actions = [action for _, _, action, _ in trail(container.db)]
    assert actions.index(HOLD_PLACED) < actions.index(HOLD_RELEASED)
    report = run(container)
    assert report.held == [] and report.counts[KEY]["inbound"] == 2


def test_the_daily_job_purges_a_batch_a_tick_once_a_day(container, clock, incident):
    clock.advance(days=DAYS + 1)  # 10:00 in New York, past retention.run_hour
    planned = run(container, dry_run=True).total()
    ticks = 0
    while run(container, dry_run=True).total() and ticks < 50:
        fire_due_work(container)
        ticks += 1
    assert ticks >= planned / BATCH  # a batch per tick
    for _ in range(3):
        fire_due_work(container)
    with container.db.unit_of_work(read_only=True) as uow:
        from bot.db.models import DueJob

        done = uow.session.query(DueJob).filter_by(kind="records.retention").all()
        assert [(j.key, j.status) for j in done] == [("retention:2026-12-28", "done")]
    events = [d for _, _, a, d in trail(container.db) if a == retention.PURGED]
    assert sum(sum(d.values()) for d in events) == planned

    clock.advance(days=1)
    for _ in range(3):
        fire_due_work(container)
    assert [d for _, _, a, d in trail(container.db) if a == retention.PURGED] == events


def coordbot(database_url, cwd, *args):
    return run_coordbot(database_url, cwd, "retention", "run", *args,
                        settings={"COORDBOT_RETENTION__AFTER_CLOSED_DAYS": "1"})


def test_the_command_shows_what_would_go_then_what_went(container, incident, database_url,
                                                        tmp_path):
    """On the system clock: the fake clock's incident was closed days before any real today."""
    Slash(container).run(f"hold {KEY}", user=OFFICIAL)
    held = coordbot(database_url, tmp_path, "--dry-run")
    assert held.returncode == 0, held.stderr
    assert "Nothing is past its retention period: nothing would be purged" in held.stdout
    assert f"{KEY}: on legal hold, skipped" in held.stdout
    Slash(container).run(f"hold {KEY} release", user=OFFICIAL)
    one_day = container.settings.retention.model_copy(update={"after_closed_days": 1})
    planned = retention.run(container.db, now=datetime.now(UTC), dry_run=True,
                            settings=container.settings.model_copy(update={"retention": one_day}))
    done = coordbot(database_url, tmp_path)
    assert f"{planned.total()} row(s) purged." in done.stdout and planned.total() > 0, done.stdout
    assert "Rows purged (incidents closed over 1 day(s) ago)" in done.stdout
    assert KEY in done.stdout and "notes drafts" in done.stdout


def test_texts_tied_to_no_incident_go_after_their_own_period(container, clock):
    from tests.support.sms import sms_in

    stranger = "+12025550177"
    sms_in(container, "hola, necesito ayuda", stranger)
    assert [m["incident_id"] for m in rows(container.db, InboundMessage)] == [None]
    clock.advance(days=container.settings.retention.unattached_after_days - 1)
    assert run(container, dry_run=True).counts == {}
    clock.advance(days=2)
    planned = run(container, dry_run=True)
    assert planned.counts[retention.UNATTACHED]["inbound"] == 1
    assert run(container).counts == planned.counts
    assert [(m["body"], m["from_phone"]) for m in rows(container.db, InboundMessage)] == [
        ("", "+1 ••• ••• 0177")]


def test_nothing_runs_while_retention_is_off_or_before_the_hour(container, clock, settings,
                                                               incident):
    from bot.db.models import DueJob
    from bot.records.jobs import retain

    clock.advance(days=DAYS + 1)
    off = settings.model_copy(update={"retention": settings.retention.model_copy(
        update={"enabled": False})})
    early = settings.model_copy(update={"retention": settings.retention.model_copy(
        update={"run_hour": 11})})  # the clock says 10:05 in New York
    with container.db.unit_of_work() as uow:
        assert retain(uow, now=clock.now(), settings=off) is False
        assert retain(uow, now=clock.now(), settings=early) is False
        assert uow.session.query(DueJob).filter_by(kind="records.retention").count() == 0
        uow.commit()
    assert run(container, dry_run=True).total() > 0


def test_finished_requests_in_the_inbox_are_forgotten_after_their_period(container, clock):
    from tests.support.records import finished_request, requests

    finished_request(container, "old", "Ana Ruiz +12025550101")
    finished_request(container, "waiting", "not run yet", status="pending")
    clock.advance(days=container.settings.retention.inbox_after_days - 1)
    finished_request(container, "recent", "run yesterday")
    clock.advance(days=2)
    inbox = container.inbox_db
    planned = retention.run(container.db, now=clock.now(), settings=container.settings,
                            dry_run=True, inbox=inbox)
    assert planned.counts == {retention.INBOX: {"requests": 1}}
    done = retention.run(container.db, now=clock.now(), settings=container.settings, inbox=inbox)
    assert done.counts == planned.counts and requests(container) == ["waiting", "recent"]
    assert [d for _, _, a, d in trail(container.db) if a == retention.PURGED] == [
        {"requests": 1}]


def test_the_daily_tick_forgets_finished_requests_once(container, clock):
    from tests.support.records import finished_request, requests

    finished_request(container, "old", "Ana Ruiz +12025550101")
    clock.advance(days=container.settings.retention.inbox_after_days + 1)
    fire_due_work(container)
    assert requests(container) == []
    clock.advance(days=-30)
    finished_request(container, "another", "x")  # finished long ago, found later the same day
    clock.advance(days=30, hours=1)
    fire_due_work(container)
    assert requests(container) == ["another"]  # the day's turn was taken
    clock.advance(days=1)
    fire_due_work(container)
    assert requests(container) == []
