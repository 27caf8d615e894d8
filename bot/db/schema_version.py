"""Which schema revision the database is at, compared with this release's migrations.

``coordbot serve`` and ``coordbot worker`` read it at start and refuse an old, missing or unknown
schema (``coordbot db upgrade`` is the step that changes it); ``/readyz`` reports it. Reading it
is one ``SELECT`` of ``alembic_version``: no lock, no migration.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.db.unit_of_work import Database, alembic_config, unusable_unless_opened


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
            found = schema_version(db)
            if upgrade and found.state in ("old", "empty"):
                db.upgrade()
        except BaseException:
            db.dispose()
            raise
    return db, found
