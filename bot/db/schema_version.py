"""Which schema revision the database is at, compared with this release's migrations.

``coordbot serve`` and ``coordbot worker`` read it at start and refuse an old, missing or unknown
schema (``coordbot db upgrade`` is the step that changes it); ``/readyz`` reports it. Reading it
is one ``SELECT`` of ``alembic_version``: no lock, no migration.

A start on a schema at head does not load Alembic either (about a fifth of a worker's start-up,
which a cold restart adds to every reminder due meanwhile): ``quick_heads`` reads the revision
ids from the migration files' ``revision =`` / ``down_revision =`` lines, and only when the
database is not at those heads does Alembic say exactly what it found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from bot.db.unit_of_work import MIGRATIONS, Database, alembic_config, unusable_unless_opened

_REVISION = re.compile(r"^(down_revision|revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class SchemaVersion:
    """``current``: the revisions recorded in the database (none: no schema yet); ``heads``:
    this release's newest; ``unknown``: recorded revisions this release has no migration for
    (a newer release migrated the database)."""

    current: tuple[str, ...]
    heads: tuple[str, ...]
    unknown: tuple[str, ...]

    @property
    def at_head(self) -> bool:
        return set(self.current) == set(self.heads)

    @property
    def state(self) -> str:
        """``head``, ``empty`` (no schema), ``old`` (an upgrade brings it to head) or
        ``unknown`` (newer than this release: nothing this release can do)."""
        if self.unknown:
            return "unknown"
        if self.at_head:
            return "head"
        return "old" if self.current else "empty"

    def describe(self) -> str:
        """A sentence for an operator: what the schema is, next to what this release needs."""
        at, newest = _revisions(self.current), _revisions(self.heads)
        return {
            "head": f"the database schema is at revision {at}, this release's newest",
            "empty": f"the database has no coordbot schema yet (this release needs revision "
                     f"{newest})",
            "old": f"the database schema is at revision {at}, older than this release's {newest}",
            "unknown": f"the database schema is at revision {at}, which this release does not "
                       f"know (its newest is {newest}): a newer release has migrated it",
        }[self.state]


def schema_version(db: Database) -> SchemaVersion:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    known = {revision.revision for revision in script.walk_revisions()}
    current: tuple[str, ...] = ()
    if not _missing_file(db):  # connecting would create it: a mistyped path left a file behind
        with db.engine.connect() as connection:
            current = tuple(sorted(MigrationContext.configure(connection).get_current_heads()))
    return SchemaVersion(current=current, heads=tuple(sorted(script.get_heads())),
                         unknown=tuple(r for r in current if r not in known))


def quick_heads() -> tuple[str, ...] | None:
    """This release's newest revisions, read from the migration files without importing them;
    None when a file states its revisions in a way this reading does not follow (then Alembic
    is asked)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = dict(_REVISION.findall(path.read_text(encoding="utf-8")))
        if "revision" not in found or "down_revision" not in found:
            return None
        revision = _literal(found["revision"])
        down = _literal(found["down_revision"])
        if not isinstance(revision, str) or not (down is None or isinstance(down, str | tuple)):
            return None
        revisions.add(revision)
        parents.update((down,) if isinstance(down, str) else down or ())
    return tuple(sorted(revisions - parents)) or None


def _literal(source: str):
    import ast

    try:
        return ast.literal_eval(source)
    except (ValueError, SyntaxError):
        return _UNREADABLE


_UNREADABLE = object()


def at_head_quickly(db: Database) -> SchemaVersion | None:
    """The version when the database is at this release's heads, found with one ``SELECT`` and
    no Alembic; None when it is not (or cannot be told this way)."""
    heads = quick_heads()
    if heads is None or _missing_file(db):
        return None
    from sqlalchemy import text

    try:
        with db.engine.connect() as connection:
            current = tuple(sorted(row[0] for row in connection.execute(
                text("SELECT version_num FROM alembic_version"))))
    except DBAPIError:  # no alembic_version table yet: Alembic says what that means
        return None
    if current != heads:
        return None
    return SchemaVersion(current=current, heads=heads, unknown=())


def _missing_file(db: Database) -> bool:
    """A SQLite database whose file does not exist yet."""
    url = db.engine.url
    name = url.database
    return url.get_backend_name() == "sqlite" and bool(name) and name != ":memory:" \
        and not name.startswith("file:") and not Path(name).exists()


def _revisions(revisions: tuple[str, ...]) -> str:
    return ", ".join(revisions) or "none"


def open_checked(url: str, *, echo: bool = False, upgrade: bool = False) -> tuple[Database, SchemaVersion]:
    """The database of a long-running process and the schema version it was found at.

    With ``upgrade`` an old or empty schema is brought to head first (under the migration lock,
    like ``coordbot db upgrade``); an unknown one never is. Raises ``DatabaseUnusable`` when the
    database cannot be reached."""
    with unusable_unless_opened(url):
        db = Database(url, echo=echo)
        try:
            found = at_head_quickly(db) or schema_version(db)
            if upgrade and found.state in ("old", "empty"):
                db.upgrade()
        except BaseException:
            db.dispose()
            raise
    return db, found


def open_current(url: str, *, echo: bool = False) -> Database:
    """The database of a one-off command: brought to head when it is not there yet (as every
    command but ``serve`` and ``worker`` always did), with no schema work, no lock and no Alembic
    when it already is. Raises ``DatabaseUnusable`` when the database cannot be reached."""
    with unusable_unless_opened(url):
        db = Database(url, echo=echo)
        try:
            if at_head_quickly(db) is None:
                db.upgrade()
        except BaseException:
            db.dispose()
            raise
    return db
