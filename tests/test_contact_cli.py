"""``coordbot contacts``: import, list, show and export from the command line, exit codes."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from bot.db.unit_of_work import Database
from bot.directory.service.files import export_contacts
from tests.support.cli import Ran
from tests.support.cli import coordbot as run_coordbot
from tests.support.contacts import (
    EXAMPLE,
    EXAMPLE_ROWS,
    HEADER,
    example_lines,
    snapshot,
    write_lines,
)

# ---------------------------------------------------------------- the command line

def coordbot(database_url: str, cwd: Path, *args: str) -> Ran:
    return run_coordbot(database_url, cwd, "contacts", *args)


def test_cli_import_list_show(database_url, tmp_path):
    first = coordbot(database_url, tmp_path, "import", str(EXAMPLE))
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == f"{EXAMPLE}: {EXAMPLE_ROWS} created, 0 updated, 0 unchanged, 0 rejected"
    listed = coordbot(database_url, tmp_path, "list", "--filter", "interpreter")
    assert listed.returncode == 0
    assert "+1 ••• ••• 0140" in listed.stdout and "Elena Vargas" in listed.stdout
    assert "555 0140" not in listed.stdout and "5550140" not in listed.stdout
    assert "10 of 50 contact(s)" in listed.stdout
    shown = coordbot(database_url, tmp_path, "show", "Elena Vargas")
    assert "+1 ••• ••• 0140" in shown.stdout and "+12025550140" not in shown.stdout
    revealed = coordbot(database_url, tmp_path, "show", "+1 202 555 0140", "--reveal")
    assert "+12025550140" in revealed.stdout
    missing = coordbot(database_url, tmp_path, "show", "Nobody Here")
    assert missing.returncode == 1 and "No contact is named 'Nobody Here'" in missing.stderr


def test_cli_bad_file_lists_every_bad_row_and_exits_1(database_url, tmp_path):
    lines = example_lines()
    lines[5] = lines[5].replace("+1 786 555 0105", "+1 786 555")
    lines[7] = lines[7].replace(",ko,", ",elvish,")
    source = write_lines(tmp_path / "c.csv", lines)
    result = coordbot(database_url, tmp_path, "import", str(source))
    assert result.returncode == 1
    assert "line 6, phone '+1 786 555': " in result.stderr
    assert "line 8, language 'elvish': unknown language 'elvish'" in result.stderr
    assert "2 bad row(s); nothing was imported" in result.stderr
    listed = coordbot(database_url, tmp_path, "list")
    assert "the directory is empty" in listed.stdout
    skipped = coordbot(database_url, tmp_path, "import", str(source), "--skip-invalid")
    assert skipped.returncode == 0
    assert f"{EXAMPLE_ROWS - 2} created, 0 updated, 0 unchanged, 2 rejected" in skipped.stdout
    assert "c.rejects.csv" in skipped.stdout
    broken = coordbot(database_url, tmp_path, "import", str(write_lines(tmp_path / "s.csv", ["a;b"])))
    assert broken.returncode == 1 and "seems to use ';'" in broken.stderr


def test_cli_export_round_trips_into_a_fresh_database(database_url, tmp_path):
    coordbot(database_url, tmp_path, "import", str(EXAMPLE))
    exported = coordbot(database_url, tmp_path, "export")
    assert exported.returncode == 0 and exported.stdout.startswith("\ufeff" + HEADER + "\n")
    assert "+13055550101" in exported.stdout
    (tmp_path / "out.csv").write_text(exported.stdout, encoding="utf-8")
    fresh_url = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert coordbot(fresh_url, tmp_path, "import", "out.csv").returncode == 0
    original, fresh = Database(database_url), Database(fresh_url)
    assert snapshot(fresh) == snapshot(original) and len(snapshot(fresh)) == EXAMPLE_ROWS
    to_file = coordbot(fresh_url, tmp_path, "export", "--format", "json", "--output", "again.json")
    assert to_file.returncode == 0 and "exported 50 contact(s) to again.json" in to_file.stderr
    as_json = io.StringIO()
    export_contacts(original, as_json, fmt="json")
    assert json.loads((tmp_path / "again.json").read_text(encoding="utf-8")) == json.loads(
        as_json.getvalue())
    assert ((tmp_path / "again.json").stat().st_mode & 0o777) == 0o600
    original.dispose()
    fresh.dispose()


def test_cli_configuration_errors_exit_2(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("COORDBOT_")}
    env["COORDBOT_TIMEZONE"] = "Mars/Olympus"
    result = subprocess.run([sys.executable, "-m", "bot", "contacts", "list"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "configuration error: timezone" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_show_finds_names_without_their_accents_and_states_language_and_extension(
        database_url, tmp_path):
    people = write_lines(tmp_path / "people.csv", [
        "name,phone,language,regions",
        'Miguel Ángel Torres,"+1 305 555 0111 ext. 12",Mixteco,FL',
        "Imran Qureshi,+1 305 555 0122,Urdu,FL"])
    assert coordbot(database_url, tmp_path, "import", str(people)).returncode == 0
    shown = coordbot(database_url, tmp_path, "show", "miguel angel torres")
    assert shown.returncode == 0, shown.stderr
    assert "Miguel Ángel Torres" in shown.stdout and "+1 ••• ••• 0111 ext. 12" in shown.stdout
    assert "Mixtepec Mixtec (mix): texts in Spanish; needs an interpreter for calls" in shown.stdout
    urdu = coordbot(database_url, tmp_path, "show", "IMRAN QURESHI")
    assert "Urdu (ur): texts in English; needs an interpreter for calls" in urdu.stdout
    plain = coordbot(database_url, tmp_path, "export", "--no-bom")
    assert plain.returncode == 0 and plain.stdout.startswith(HEADER + "\n")
    assert "+13055550111 ext. 12" in plain.stdout and ",mix," in plain.stdout
