"""``coordbot audit export|verify`` and the anchors: an export verifies offline (with the command
or the short script in the README), a changed export or database is named, and the head is
copied out of the database on schedule."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.records import access, chain
from bot.records.jobs import ANCHORED
from bot.records.service import verify_database
from schedules.jobs import fire_due_work
from tests.conftest import COORDINATOR
from tests.support.cli import coordbot
from tests.support.notes import draft
from tests.support.scenario import declared_with_contacts


@pytest.fixture
def trail(container):
    commands = declared_with_contacts(container, [])
    commands.run("update INC-2026-0001 Shelters open: Señora Núñez +12025550101", user=COORDINATOR)
    container.worker.drain()
    return container


def readme_script() -> str:
    """The offline verification script, as the README prints it."""
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    return re.search(r"<!-- verify-script -->\n```python\n(.*?)```", readme, re.S).group(1)


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_an_export_verifies_offline_and_a_change_to_it_is_named(trail, database_url, tmp_path,
                                                                 fmt):
    out = tmp_path / f"trail.{fmt}"
    exported = coordbot(database_url, tmp_path, "audit", "export", "--format", fmt, "-o", str(out))
    assert exported.returncode == 0, exported.stderr
    assert "audit event(s)" in exported.stderr
    ok = coordbot(database_url, tmp_path, "audit", "verify", "--file", str(out))
    assert ok.returncode == 0 and "the chain holds" in ok.stdout, ok.stderr
    script = subprocess.run([sys.executable, "-c", readme_script(), str(out)],
                            capture_output=True, text=True, timeout=60)
    assert script.returncode == 0 and "OK" in script.stdout, script.stdout + script.stderr
    assert "Señora Núñez" in out.read_text(encoding="utf-8")
    out.write_text(out.read_text(encoding="utf-8").replace("Shelters open", "Shelters shut"),
                   encoding="utf-8")
    broken = coordbot(database_url, tmp_path, "audit", "verify", "--file", str(out))
    assert broken.returncode == 1 and "was altered" in broken.stderr
    assert "incident.updated" in broken.stderr
    script = subprocess.run([sys.executable, "-c", readme_script(), str(out)],
                            capture_output=True, text=True, timeout=60)
    assert script.returncode == 1 and "BROKEN at event" in script.stdout


def test_the_export_is_recorded_and_carries_its_own_record(trail, database_url, tmp_path, db):
    out = tmp_path / "trail.json"
    assert coordbot(database_url, tmp_path, "audit", "export", "-o", str(out)).returncode == 0
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert out.stat().st_mode & 0o777 == 0o600  # personal data: its owner only
    assert exported["events"][-1]["action"] == access.TRAIL_EXPORTED
    assert exported["chain"]["complete"] is True
    assert exported["chain"]["head"]["hash"] == exported["events"][-1]["hash"]
    assert all(event["at"].endswith("Z") for event in exported["events"])


def test_csv_and_filtered_exports_verify_event_by_event(trail, database_url, tmp_path):
    for args, name in ((["--format", "csv"], "t.csv"), (["--incident", "inc-2026-1"], "i.json"),
                       (["--since", "2026-01-01"], "s.jsonl")):
        out = tmp_path / name
        assert coordbot(database_url, tmp_path, "audit", "export", *args, "-o",
                        str(out)).returncode == 0
        checked = coordbot(database_url, tmp_path, "audit", "verify", "--file", str(out))
        assert checked.returncode == 0 and "cannot show that no event is missing" in checked.stderr


def test_verify_names_a_row_changed_in_the_database(trail, database_url, tmp_path, db):
    assert coordbot(database_url, tmp_path, "audit", "verify").returncode == 0
    with db.engine.begin() as connection:
        victim = connection.execute(text("SELECT min(id) FROM audit_events")).scalar()
        connection.execute(text("UPDATE audit_events SET details = '{}' WHERE id = :id"),
                           {"id": victim})
    result = coordbot(database_url, tmp_path, "audit", "verify")
    assert result.returncode == 1 and f"(id {victim}, incident.declared) was altered" in result.stderr


def test_bad_input_gets_a_clear_message(trail, database_url, tmp_path):
    garbage = tmp_path / "x.json"
    garbage.write_text("{not json", encoding="utf-8")
    unreadable = coordbot(database_url, tmp_path, "audit", "verify", "--file", str(garbage))
    assert unreadable.returncode == 1 and "is not a coordbot audit export" in unreadable.stderr
    missing = coordbot(database_url, tmp_path, "audit", "export", "--incident", "INC-2026-0099")
    assert missing.returncode == 1 and "there is no incident" in missing.stderr
    bad_date = coordbot(database_url, tmp_path, "audit", "export", "--since", "yesterday")
    assert bad_date.returncode == 2 and "is not a date" in bad_date.stderr


def test_contacts_reveal_and_export_and_notes_export_are_recorded(trail, database_url, tmp_path,
                                                                 db):
    people = tmp_path / "people.csv"
    people.write_text("name,phone,language,regions\nAna Ruiz,+1 202 555 0101,es,FL\n",
                      encoding="utf-8")
    assert coordbot(database_url, tmp_path, "contacts", "import", str(people)).returncode == 0
    assert coordbot(database_url, tmp_path, "contacts", "show", "Ana Ruiz").returncode == 0
    assert coordbot(database_url, tmp_path, "contacts", "show", "Ana Ruiz",
                    "--reveal").returncode == 0
    assert coordbot(database_url, tmp_path, "contacts", "export").returncode == 0
    coordbot(database_url, tmp_path, "notes", "export", "INC-2026-0001")  # no notes yet: refused
    with db.unit_of_work(read_only=True) as uow:
        actions = [e.action for e in uow.audit.list() if e.action.startswith("personal_data.")]
    assert actions == [access.REVEALED, access.CONTACTS_EXPORTED]
    assert verify_database(db).ok


def test_the_head_is_anchored_in_the_log_and_each_active_channel_on_schedule(trail, clock, slack,
                                                                            caplog):
    container = trail
    with caplog.at_level(logging.INFO, logger="bot.records.jobs"):
        fire_due_work(container)
        container.worker.drain()
    with container.db.unit_of_work(read_only=True) as uow:
        anchor = uow.audit.last(action=ANCHORED)
        anchored = (anchor.details["anchored_seq"], anchor.details["anchored_hash"])
    assert f"event {anchored[0]}, sha256 {anchored[1]}" in caplog.text
    posts = [p for p in slack.posts_to("C00000001") if anchored[1] in p]
    assert len(posts) == 1
    fire_due_work(container)  # within the period: nothing
    clock.advance(hours=7)
    fire_due_work(container)  # nothing recorded since the anchor: nothing
    with container.db.unit_of_work(read_only=True) as uow:
        assert len(uow.audit.list(action=ANCHORED)) == 1
    assert verify_database(container.db).ok and anchored[1] != chain.GENESIS


def test_a_notes_export_is_recorded_with_the_notes_it_held(container, call, database_url,
                                                          tmp_path, db):
    notes_id = draft(container, call)
    exported = coordbot(database_url, tmp_path, "notes", "export", "INC-2026-0001")
    assert exported.returncode == 0, exported.stderr
    with db.unit_of_work(read_only=True) as uow:
        recorded = [(e.details["notes"], e.details["format"], e.actor[:4])
                    for e in uow.audit.list(action=access.NOTES_EXPORTED)]
    assert recorded == [([notes_id], "md", "cli:")]
