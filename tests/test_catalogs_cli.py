"""``coordbot catalogs export|import|status``: the translators' round trip over the CLI."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.directory.rules.contacts import ContactRecord
from bot.i18n import catalog
from bot.i18n.catalog import render, use_directory
from tests.conftest import COORDINATOR
from tests.support.scenario import declared_with_contacts

ANA = "+12025550101"
OLD = '"Aviso de {office}: {title}\\n"'
NEW = '"Mensaje urgente de {office}: {title}\\n"'


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    copy = tmp_path / "catalogs"
    shutil.copytree(catalog.PACKAGED, copy)
    return copy


def run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_export_edit_import_and_the_sms_uses_the_new_text(container, sms, directory, tmp_path):
    po = tmp_path / "es.po"
    exported = run("catalogs", "export", "--format", "po", "--lang", "es", "--output", str(po),
                   "--dir", str(directory))
    assert exported.exit_code == 0, exported.output
    text = po.read_text(encoding="utf-8")
    assert text.count(OLD) == 1
    flagged = '#, fuzzy, python-brace-format\nmsgctxt "incident_notice"'
    po.write_text(text.replace(OLD, NEW).replace(flagged, flagged.replace("fuzzy, ", "")),
                  encoding="utf-8")

    imported = run("catalogs", "import", str(po), "--dir", str(directory))
    assert imported.exit_code == 0, imported.output
    assert imported.output == "es: 1 text(s) changed, 1 marked reviewed\n"
    status = run("catalogs", "status", "--lang", "es", "--dir", str(directory))
    assert re.search(r"^es  Spanish +1/\d+ reviewed  NOT REVIEWED$", status.output, re.MULTILINE)
    assert "incident_notice" not in status.output.split("unreviewed: ")[1]

    with use_directory(directory):
        commands = declared_with_contacts(container, [
            ContactRecord(name="Ana Ruiz", phone=ANA, language="es", regions=("FL",))])
        commands.run("notify INC-2026-0001 Shelters open.\nes: Refugios abiertos.",
                     user=COORDINATOR)
        commands.wait_out_undo_window()
        container.worker.drain()
        expected = render("incident_notice", "es", office=container.settings.office_name,
                          title="Hurricane Xavier", text="Refugios abiertos.")
    assert sms.to(ANA) == [expected]
    assert expected.startswith(f"Mensaje urgente de {container.settings.office_name}: Hurricane")


def test_a_broken_po_file_is_refused_with_its_line_number(directory, tmp_path):
    po = tmp_path / "es.po"
    run("catalogs", "export", "-l", "es", "-o", str(po), "--dir", str(directory))
    lines = po.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines, start=1) if line == OLD)
    lines[number - 1] = lines[number - 1].removesuffix('"')  # the closing quote lost
    po.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = (directory / "es.toml").read_bytes()

    refused = CliRunner().invoke(app, ["catalogs", "import", str(po), "--dir", str(directory)])
    assert refused.exit_code == 1
    assert f"coordbot: {po}: nothing was imported:\nline {number}: not a PO line" in refused.output
    assert (directory / "es.toml").read_bytes() == before
    assert not (directory / "reviewed").exists()


def test_export_csv_of_every_language_to_standard_output(directory):
    result = run("catalogs", "export", "--format", "csv", "--dir", str(directory))
    assert result.exit_code == 0
    assert result.output.startswith("\ufefflanguage,key,english,text,reviewed,note")
    assert {line.split(",")[0] for line in result.output.splitlines()[1:] if line[:3].endswith(",")} \
        >= {"en", "es", "zh", "ru"}


@pytest.mark.parametrize(("args", "message"), [
    (["export", "--format", "po"], "a PO file holds one language"),
    (["export", "--lang", "xx"], "unsupported language 'xx'"),
    (["import", "missing.po"], "there is no file missing.po"),
    (["status", "--dir", "/nonexistent/catalogs"], "/nonexistent/catalogs"),
])
def test_mistakes_get_a_clear_message_and_no_traceback(args, message):
    result = CliRunner().invoke(app, ["catalogs", *args])
    assert result.exit_code in (1, 2)
    assert message in result.output and "Traceback" not in result.output


def test_status_of_every_language(directory):
    result = run("catalogs", "status", "--dir", str(directory))
    assert result.exit_code == 0
    assert re.fullmatch(r"es  Spanish +0/\d+ reviewed  NOT REVIEWED", result.output.splitlines()[1])
    assert len(result.output.splitlines()) == 11
