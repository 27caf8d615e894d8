"""``coordbot notes export`` and ``coordbot notes attach`` through Typer's runner."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.dispatch.grammar import Invocation, parse_declare
from bot.notes.service import review as notes_review
from tests.conftest import COORDINATOR, OFFICIAL
from tests.support.slash import Slash

KEY = "INC-2026-0001"
APPROVED = "## Decisions\n- Open the Lincoln High shelter\n\n| Item | Owner |\n|---|---|\n| Cots | County |\n"
DRAFT = "## Issues\n- Generators are short <script>alert('x')</script>\n"


@pytest.fixture
def cli(container, database_url, tmp_path, monkeypatch):
    """Two calls: call 1's notes approved, call 2's a draft; the CLI on the same database."""
    commands = Slash(container)
    commands.declare(parse_declare('hurricane "Hurricane Xavier" FL,GA'), user=COORDINATOR)
    for day in ("28", "29"):
        commands.run(Invocation("call", key=KEY, text=f"schedule 2026-11-{day} 15:00 "
                                "America/New_York"), user=COORDINATOR, channel=None)
    with container.db.unit_of_work() as uow:
        incident = uow.incidents.by_key(KEY)
        ids = [notes_review.open_draft(uow, uow.calls.by_number(incident.id, number), text=text,
                                       now=container.clock.now(), settings=container.settings).id
               for number, text in ((1, APPROVED), (2, DRAFT))]
        uow.commit()
    Slash(container).approve(ids[0], 1, user=OFFICIAL)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, list(args), env={"COORDBOT_DATABASE__URL": database_url})

    return run


def test_markdown_export_of_an_incident_marks_drafts(cli):
    result = cli("notes", "export", KEY)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith(f"# {KEY}: Hurricane Xavier — call notes")
    assert out.index("## Call 1") < out.index("Open the Lincoln High shelter") < out.index("## Call 2")
    assert f"Approved by {OFFICIAL} on" in out and "Draft v1 — not approved" in out


def test_html_export_is_a_full_document_that_escapes_html_in_notes(cli, tmp_path):
    target = tmp_path / "notes.html"
    result = cli("notes", "export", f"{KEY}#2", "--format", "html", "--output", str(target))
    assert result.exit_code == 0, result.output
    assert "exported the notes of 1 call(s)" in result.stderr
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<style>" in page and "<title>INC-2026-0001: Hurricane Xavier — notes of call 2" in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "Draft v1 — not approved" in page and "Lincoln High" not in page
    one = cli("notes", "export", f"{KEY}#1", "-f", "html").stdout
    assert "<table>" in one and "<td>Cots</td>" in one and "Approved by" in one


def test_bad_references_get_a_clear_message(cli, tmp_path):
    unknown = cli("notes", "export", "INC-2026-0099")
    assert unknown.exit_code == 1 and "there is no incident INC-2026-0099" in unknown.stderr
    malformed = cli("notes", "export", "hurricane")
    assert malformed.exit_code == 2 and "is not an incident or call" in malformed.stderr
    no_call = cli("notes", "export", f"{KEY}#7")
    assert no_call.exit_code == 1 and "has no call 7" in no_call.stderr
    bad_format = cli("notes", "export", KEY, "--format", "pdf")
    assert bad_format.exit_code == 2
    missing = cli("notes", "attach", f"{KEY}#2", str(tmp_path / "nope.txt"))
    assert missing.exit_code == 1 and "cannot read" in missing.stderr
    whole = cli("notes", "attach", KEY, str(tmp_path / "nope.txt"))
    assert whole.exit_code == 2 and "name the call too" in whole.stderr


def test_attach_keeps_edited_notes_and_refuses_approved_changes(cli, container, tmp_path):
    transcript = tmp_path / "call2.txt"
    transcript.write_text("[00:02] Ana: ISSUE: the hotline has no interpreter\n", encoding="utf-8")
    Slash(container).save_edit(2, DRAFT + "- Edited\n", user=COORDINATOR)
    result = cli("notes", "attach", f"{KEY}#2", str(transcript))
    assert result.exit_code == 0, result.output
    assert "1 marked line" in result.stdout and "edits are kept" in result.stdout
    with container.db.unit_of_work(read_only=True) as uow:
        assert [t.source for t in uow.notes.transcripts(uow.notes.get(2).call_id)] == [
            "file:call2.txt"]
    empty = tmp_path / "empty.txt"
    empty.write_text("\n", encoding="utf-8")
    refused = cli("notes", "attach", f"{KEY}#1", str(empty))
    assert refused.exit_code == 1 and "empty" in refused.stderr


LONG = "## Decisions\n" + "\n".join(f"- Shelter {n} needs water, cots and an interpreter tonight"
                                    for n in range(90)) + "\n"


def _pdf_pages(path):
    import unicodedata

    from pypdf import PdfReader

    return [" ".join(unicodedata.normalize("NFKC", page.extract_text()).split())
            for page in PdfReader(path).pages]


def test_pdf_export_states_the_notes_state_and_page_on_every_page(cli, container, tmp_path):
    with container.db.unit_of_work() as uow:
        notes = uow.notes.for_incident(uow.incidents.by_key(KEY).id)[1]
        notes_id = notes.id
    Slash(container).save_edit(notes_id, LONG, user=COORDINATOR)
    target = tmp_path / "notes.pdf"
    result = cli("notes", "export", KEY, "--format", "pdf", "--output", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"%PDF") and target.stat().st_mode & 0o777 == 0o600
    pages = _pdf_pages(target)
    assert len(pages) >= 2
    for number, text in enumerate(pages, 1):
        assert "Includes drafts — not approved" in text, number
        assert "Civil Rights Coordination Office" in text and f"Page {number} of {len(pages)}" in text
    approved = tmp_path / "call1.pdf"
    assert cli("notes", "export", f"{KEY}#1", "-f", "pdf", "-o", str(approved)).exit_code == 0
    assert all(f"Approved by {OFFICIAL} on" in text for text in _pdf_pages(approved))


def test_pdf_export_needs_an_output_file(cli):
    result = cli("notes", "export", KEY, "--format", "pdf")
    said = " ".join(result.output.replace("│", " ").split())
    assert result.exit_code == 2 and "a PDF is written to a file: add --output notes.pdf" in said


def test_invite_sends_officials_a_fresh_review_link(cli, container, tmp_path):
    (tmp_path / "config.toml").write_text(
        '[slack]\nsigning_secret = "cli-secret"\n\n'
        '[[officials]]\nid = "olu"\nname = "Olu Adeyemi"\nphone = "+12025550177"\n',
        encoding="utf-8")
    first = cli("notes", "invite", f"{KEY}#2")
    assert first.exit_code == 0, first.output
    assert "queued a fresh review link to 1 official(s)" in first.output
    unknown = cli("notes", "invite", f"{KEY}#2", "--official", "nobody")
    assert unknown.exit_code == 1 and "no such official: nobody (configured: olu)" in unknown.output
    assert cli("notes", "invite", KEY).exit_code == 2  # a call must be named
    with container.db.unit_of_work(read_only=True) as uow:
        [row] = uow.outbox.with_key_prefix("notes-review-link:")
        assert row.recipient == "+12025550177" and "/review?o=olu&e=" in row.payload["body"]


def test_amend_from_the_command_line_needs_approved_notes_and_a_reason(cli, container, tmp_path):
    amended = tmp_path / "amended.md"
    amended.write_text(APPROVED.replace("Lincoln High", "Lincoln Middle"), encoding="utf-8")
    draft = cli("notes", "amend", f"{KEY}#2", str(amended), "--reason", "Wrong school")
    assert draft.exit_code == 1 and "Only approved notes are amended" in draft.output
    blank = cli("notes", "amend", f"{KEY}#1", str(amended), "--reason", " ")
    assert blank.exit_code == 1 and "Say why the approved notes are amended" in blank.output
    done = cli("notes", "amend", f"{KEY}#1", str(amended), "--reason", "Wrong school")
    assert done.exit_code == 0, done.output
    assert "saved version 2" in done.output and "waits for an official's approval" in done.output
    with container.db.unit_of_work(read_only=True) as uow:
        notes = uow.notes.for_incident(uow.incidents.by_key(KEY).id)[0]
        assert (notes.status, notes.version, notes.approved_version) == ("draft", 2, 1)
        assert uow.notes.version(notes.id, 2).reason == "Amended: Wrong school"
    export = cli("notes", "export", f"{KEY}#1").stdout
    assert "Amendment v2 — not approved; approved by" in export
