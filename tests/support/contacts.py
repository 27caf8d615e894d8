"""What the contacts-file tests share: the example file, reading bytes as the CLI does, importing
with the test clock, and a snapshot of the directory."""

from __future__ import annotations

from pathlib import Path

from bot.db.unit_of_work import Database
from bot.directory.rules.contact_file import read_contacts
from bot.directory.rules.contacts import COLUMNS
from bot.directory.service.files import import_file

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "contacts.csv"
EXAMPLE_ROWS = 50
HEADER = ",".join(COLUMNS)


def read(data: bytes | str, filename: str = "contacts.csv"):
    if isinstance(data, str):
        data = data.encode()
    return read_contacts(data, filename=filename, default_region="US",
                         default_timezone="America/New_York")


def problems(report) -> list[tuple[int, str, str]]:
    return [(e.line, e.column, e.value) for e in report.errors]


def run_import(db, settings, clock, path: Path, **options):
    return import_file(db, path, settings=settings, actor="cli:admin", now=clock.now(), **options)


def snapshot(db: Database) -> dict[str, tuple]:
    """Every contact by phone (or email), with the fields an import sets."""
    with db.unit_of_work() as uow:
        return {c.phone or c.email: (c.name, c.organisation, c.organisation_type, c.role, c.email,
                                     c.slack_user_id, c.language, c.home_language, c.timezone,
                                     list(c.regions), list(c.incident_types), list(c.tags),
                                     c.sms_consent, c.active, c.phone_extension)
                for c in uow.contacts.all()}


def example_lines() -> list[str]:
    return EXAMPLE.read_text(encoding="utf-8").splitlines()


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


