"""Queries and bulk writes for the stakeholder directory."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    delete,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from bot.db import reach
from bot.db.models import (
    AudienceChange,
    Contact,
    ContactIncidentType,
    ContactReach,
    ContactRegion,
    ContactTag,
    SlackUserName,
)

CHUNK = 900  # stays under SQLite's bound-parameter limit in IN (…) lists
LINKS = ((ContactRegion, "region", "regions"), (ContactIncidentType, "incident_type", "incident_types"),
         (ContactTag, "tag", "tags"))
ALL_TYPES = "all"  # the incident type of a contact that follows every type
# Statistics are refreshed after a bulk write of at least this many contacts (PostgreSQL).
ANALYZE_AFTER = 1000
STREAM_CHUNK = 2000  # rows per chunk of the audience's rows from PostgreSQL
SORT_MEMORY = "64MB"  # PostgreSQL's work_mem for the audience query's sort


class ContactRepository:
    def __init__(self, session: Session):
        self._session = session

    def get(self, contact_id: int) -> Contact | None:
        return self._session.get(Contact, contact_id)

    def by_phone(self, phone: str) -> Contact | None:
        return self._session.scalar(select(Contact).where(Contact.phone == phone))

    def by_folded_name(self, folded: str) -> Sequence[Contact]:
        """Contacts whose folded name (``bot.directory.rules.names.name_key``) is ``folded``."""
        return self._session.scalars(select(Contact).where(Contact.name_folded == folded)
                                     .order_by(Contact.id)).all()

    def organisation_folded(self, folded: str) -> str | None:
        """The organisation's name as the directory spells it, found by its folded name."""
        return self._session.scalar(select(Contact.organisation)
                                    .where(Contact.organisation_folded == folded,
                                           Contact.organisation != "")
                                    .order_by(Contact.id).limit(1))

    def remember_slack_name(self, user_id: str, name: str, now: datetime) -> None:
        known = self._session.get(SlackUserName, user_id)
        if known is None:
            self._session.add(SlackUserName(user_id=user_id, name=name, seen_at=now))
        else:
            known.name, known.seen_at = name, now

    def slack_name(self, user_id: str) -> str | None:
        known = self._session.get(SlackUserName, user_id)
        return known.name if known else None

    def by_slack_user(self, user_id: str) -> Contact | None:
        return self._session.scalar(select(Contact).where(Contact.slack_user_id == user_id))

    def count(self) -> int:
        return self._session.scalar(select(func.count()).select_from(Contact)) or 0

    def all(self, *, search: str | None = None, folded: str = "",
            limit: int | None = None) -> Sequence[Contact]:
        """Every contact; with ``search``, those whose folded name or organisation contains
        ``folded`` (the caller's fold of ``search``), who speak or are texted in ``search``, or
        carry it as a tag."""
        query = select(Contact).order_by(Contact.id)
        if search:
            word = search.strip().lower()
            query = query.where(or_(Contact.name_folded.contains(folded, autoescape=True),
                                    Contact.organisation_folded.contains(folded, autoescape=True),
                                    Contact.language == word, Contact.home_language == word,
                                    Contact.id.in_(select(ContactTag.contact_id)
                                                   .where(ContactTag.tag == word))))
        return self._session.scalars(query.limit(limit)).all()

    def identity_index(self) -> tuple[dict[str, int], dict[str, int]]:
        """Every contact id by phone and by email, to match imported rows in memory."""
        phones, emails = {}, {}
        for contact_id, phone, email in self._session.execute(
                select(Contact.id, Contact.phone, Contact.email)):
            if phone:
                phones[phone] = contact_id
            if email:
                emails[email] = contact_id
        return phones, emails

    def load(self, ids: Iterable[int]) -> dict[int, Contact]:
        found: dict[int, Contact] = {}
        for chunk in _chunks(list(ids)):
            for contact in self._session.scalars(select(Contact).where(Contact.id.in_(chunk))):
                found[contact.id] = contact
        return found

    def insert_many(self, rows: list[dict[str, Any]]) -> list[int]:
        """Bulk insert with ids reserved up front: no RETURNING, one executemany (fast at 100k).

        ``render_nulls`` keeps rows with and without an email in one batch.
        """
        if not rows:
            return []
        ids = self._reserve_ids(len(rows))
        self._insert(Contact, [{**row, "id": cid} for cid, row in zip(ids, rows, strict=True)])
        self._write_links(ids, rows)
        return ids

    def _refresh_statistics(self, written: int, tables: str) -> None:
        """``ANALYZE`` the directory's ``tables`` after a large bulk write, on PostgreSQL.

        A server without autovacuum (or before it gets round to it) plans from empty
        statistics: the audience query guessed 7 index entries where a state has thousands,
        and the index refresh of an import, planned for empty link tables, scanned them for
        every chunk (100,000 contacts took 74 s to import rather than 24). SQLite is left
        alone: its plans are already the index ones, and ``ANALYZE`` could only move them.
        """
        if written < ANALYZE_AFTER or self._session.get_bind().dialect.name != "postgresql":
            return
        self._session.execute(text(f"ANALYZE {tables}"))

    def _insert(self, model: Any, rows: list[dict[str, Any]]) -> None:
        """One executemany; on PostgreSQL a ``COPY`` (a million contacts in a few minutes
        rather than tens) when every row names the same columns, so no default is skipped."""
        columns = list(rows[0])
        if (self._session.get_bind().dialect.name != "postgresql"
                or any(len(row) != len(columns) for row in rows)):
            self._session.execute(insert(model), rows, execution_options={"render_nulls": True})
            return
        table = model.__table__
        json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
        statement = f'COPY {table.name} ({", ".join(columns)}) FROM STDIN'
        driver = self._session.connection().connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([json.dumps(row[c]) if c in json_columns else row[c]
                                for c in columns])

    def _reserve_ids(self, count: int) -> list[int]:
        if self._session.get_bind().dialect.name == "postgresql":
            return list(self._session.scalars(
                text("SELECT nextval(pg_get_serial_sequence('contacts', 'id')) "
                     "FROM generate_series(1, :n)"), {"n": count}))
        # SQLite: this transaction holds the write lock (BEGIN IMMEDIATE), so nobody else can
        # take these ids before we insert them.
        start = (self._session.scalar(select(func.max(Contact.id))) or 0) + 1
        return list(range(start, start + count))

    def update_many(self, rows: list[dict[str, Any]]) -> None:
        """``rows`` carry ``id``; the link rows of those contacts are rewritten."""
        if not rows:
            return
        self._session.execute(update(Contact), rows)
        ids = [row["id"] for row in rows]
        for model in (link[0] for link in LINKS):
            for chunk in _chunks(ids):
                self._session.execute(delete(model).where(model.contact_id.in_(chunk)))
        self._write_links(ids, rows)

    def _write_links(self, ids: list[int], rows: list[dict[str, Any]]) -> None:
        for model, column, field in LINKS:
            links = [{"contact_id": cid, column: value}
                     for cid, row in zip(ids, rows, strict=True) for value in row[field]]
            if links:
                self._insert(model, links)
        self._refresh_statistics(len(ids), "contacts, contact_regions, contact_incident_types, "
                                           "contact_tags")
        reach.refresh(self._session, ids)
        self._refresh_statistics(len(ids), "contact_reach")

    def audience_candidates(self, *, regions: Sequence[str], incident_type: str,
                            tags: Sequence[str], incident_id: int
                            ) -> tuple[Iterable[Any], list[int]]:
        """Active contacts that may belong to the audience, read from ``contact_reach`` alone.

        A contact is a candidate when one of its index rows pairs one of ``regions`` with
        ``incident_type`` or ``all``, when it carries one of ``tags``, or when a coordinator
        added it to incident ``incident_id`` (the rules apply the latest change). Returns the
        rows and ``matches``. A row: id, phone, ``profile`` (``bot.db.reach.read_profile``
        reads it), regions (JSON text), the part of the query that found it, then the sort key
        on SQLite (a compound SELECT sorts by columns of its own) and None on PostgreSQL (not
        sent). ``matches[part]`` is what that part matched: bit i for ``regions[i]`` with the
        type or ``all``, bit len(regions) for type ``all``, bit len(regions) + 1 + j for
        ``tags[j]`` (0 for a coordinator's addition). Python's integers hold any number of
        bits; the database's would not past 63 regions and tags. In the index's order: sort key
        (``names.order_key``), then id, byte by byte as Python compares. A contact that
        several rows match has several rows, next to each other: the caller ORs their matches.

        One SELECT per key, each read from the primary key in that order, merged rather than
        sorted: PostgreSQL merges them (Merge Append) and SQLite too (its compound SELECT's
        merge). With a million contacts (147,000 rows) PostgreSQL's sort of the rows took 110
        of its 167 ms; the merge of the keys' scans, 85 ms in all. PostgreSQL's rows are
        streamed (see ``_streamed``): read them once, to the end, before the next statement.
        """
        connection = self._session.connection()
        statement, matches = self._audience_query(connection, regions=regions,
                                                  incident_type=incident_type, tags=tags,
                                                  incident_id=incident_id)
        if connection.dialect.name == "postgresql":
            return _streamed(connection, statement), matches
        # The driver's own tuples: none of these columns needs SQLAlchemy's conversion, and
        # wrapping 100,000 rows in Row objects cost a fifth of the call.
        result = connection.execute(statement)
        try:
            return result.cursor.fetchall(), matches
        finally:
            result.close()

    def audience_plan(self, *, regions: Sequence[str], incident_type: str, tags: Sequence[str],
                      incident_id: int) -> Any:
        """How the database would run ``audience_candidates`` (in this transaction, with its
        settings): PostgreSQL's ``EXPLAIN (FORMAT JSON)`` plan, SQLite's ``EXPLAIN QUERY PLAN``
        lines."""
        connection = self._session.connection()
        statement, _ = self._audience_query(connection, regions=regions,
                                            incident_type=incident_type, tags=tags,
                                            incident_id=incident_id)
        compiled = statement.compile(dialect=connection.dialect)
        if connection.dialect.name == "postgresql":
            return connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + str(compiled),
                                              compiled.params).scalar()[0]["Plan"]
        values = tuple(compiled.params[name] for name in compiled.positiontup or ())
        return [row[3] for row in connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + str(compiled), values)]

    @staticmethod
    def _audience_query(connection: Any, *, regions: Sequence[str], incident_type: str,
                        tags: Sequence[str], incident_id: int) -> tuple[Any, list[int]]:
        """``audience_candidates``' statement and ``matches`` (on PostgreSQL with the settings
        its plan needs, for the transaction)."""
        reach_columns = (ContactReach.contact_id, ContactReach.phone, ContactReach.profile,
                         ContactReach.regions)
        keys = _key_bits(regions, incident_type, tags)
        matches = [*keys.values(), 0]
        branches = [select(*reach_columns, literal(part).label("part"), ContactReach.sort_key)
                    .where(ContactReach.key == key) for part, key in enumerate(keys)]
        added = select(AudienceChange.contact_id).where(AudienceChange.incident_id == incident_id,
                                                        AudienceChange.action == "add")
        branches.append(select(*reach_columns, literal(len(keys)), ContactReach.sort_key)
                        .where(ContactReach.key == reach.EVERYONE,
                               ContactReach.contact_id.in_(added)))
        if connection.dialect.name != "postgresql":
            return union_all(*branches).order_by(text("sort_key"), text("contact_id")), matches
        _plan_a_merge(connection)
        order = (ContactReach.sort_key, ContactReach.contact_id)
        rows = union_all(*(branch.order_by(*order) for branch in branches)).subquery()
        return (select(*list(rows.c)[:5], null()).order_by(rows.c.sort_key, rows.c.contact_id),
                matches)

    def names(self, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
        """The name and organisation of each contact in ``ids``."""
        found: dict[int, tuple[str, str]] = {}
        for chunk in _chunks(list(ids)):
            query = select(Contact.id, Contact.name, Contact.organisation).where(Contact.id.in_(chunk))
            for contact_id, name, organisation in self._session.execute(query):
                found[contact_id] = (name, organisation)
        return found

    def interpreter_languages(self) -> set[str]:
        """The languages that active contacts tagged ``interpreter`` speak."""
        query = (select(Contact.home_language).distinct()
                 .join(ContactTag, ContactTag.contact_id == Contact.id)
                 .where(ContactTag.tag == "interpreter", Contact.active.is_(True)))
        return set(self._session.scalars(query))

    def add_audience_change(self, change: AudienceChange) -> None:
        self._session.add(change)

    def audience_changes(self, incident_id: int) -> Sequence[AudienceChange]:
        return self._session.scalars(select(AudienceChange)
                                     .where(AudienceChange.incident_id == incident_id)
                                     .order_by(AudienceChange.id)).all()


def _streamed(connection: Any, statement: Any) -> Iterator[tuple]:
    """The rows of ``statement`` as PostgreSQL sends them, a chunk at a time (psycopg's
    ``stream``, libpq's chunked rows), to be read once, to the end: the caller makes the first
    members while the server merges the rest, where ``fetchall`` waited for the last row. The
    statement runs in the session's transaction, on its connection."""
    compiled = statement.compile(dialect=connection.dialect)
    cursor = connection.connection.driver_connection.cursor()
    try:
        yield from cursor.stream(str(compiled), compiled.params, size=STREAM_CHUNK)
    finally:
        cursor.close()


def _plan_a_merge(connection: Any) -> None:
    """PostgreSQL's settings for the audience query, for its transaction only.

    The planner prices a key's scan in index order as if each row were a random read (the sort
    key correlates with the table's order only within a key, which its statistics cannot
    say), so it would read a large key with a bitmap scan and sort it. Without bitmap and
    sequential scans it merges the keys' index scans; the coordinators' additions are looked
    up by contact and sorted (a few rows). No parallel workers (their plan sorts again), the
    sorts that remain in memory, no JIT (compiling the plan took 10 ms and made nothing
    faster).
    """
    for setting in ("enable_bitmapscan = off", "enable_seqscan = off",
                    "max_parallel_workers_per_gather = 0", f"work_mem = '{SORT_MEMORY}'",
                    "jit = off"):
        connection.execute(text(f"SET LOCAL {setting}"))


def _key_bits(regions: Sequence[str], incident_type: str, tags: Sequence[str]) -> dict[str, int]:
    """Each index key the audience reads, with the ``matched`` bits a row of it sets (a value
    listed twice sets both of its bits)."""
    kinds, bits = len(regions), {}
    for i, region in enumerate(regions):
        for kind, extra in ((incident_type, 0), (ALL_TYPES, 1 << kinds)):
            key = reach.scope_key(region, kind)
            bits[key] = bits.get(key, 0) | 1 << i | extra
    for j, tag in enumerate(tags):
        key = reach.tag_key(tag)
        bits[key] = bits.get(key, 0) | 1 << (kinds + 1 + j)
    return bits


def _chunks(items: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]
