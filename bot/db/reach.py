"""``contact_reach``, the audience's index, kept in step with the directory.

Every row is derived from ``contacts`` and its link tables by one ``INSERT … SELECT``
(``refresh``), so the index has a single definition whatever wrote the contact: the directory
import's bulk writes call it for the contacts they wrote, and ``keep_in_step`` calls it after
every ORM flush that changed a contact (a STOP, a number Twilio marked unusable, an erasure).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sqlalchemy import (
    Integer,
    Text,
    any_,
    bindparam,
    case,
    cast,
    delete,
    event,
    func,
    insert,
    literal,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from bot.db.models import Contact, ContactIncidentType, ContactReach, ContactRegion, ContactTag
from bot.directory.rules.names import ORDER_LENGTH, ORDER_SEPARATOR

EVERYONE = "*"  # the key every active contact has once: a coordinator's addition reads it
TAG = "#"  # a tag's key is "#" and the tag
CHUNK = 900  # stays under SQLite's bound-parameter limit in IN (…) lists
COLUMNS = ("key", "contact_id", "sort_key", "phone", "profile", "regions")


def scope_key(region: str, incident_type: str) -> str:
    return f"{region}/{incident_type}"


def tag_key(tag: str) -> str:
    return f"{TAG}{tag}"


def refresh(session: Session, contact_ids: Iterable[int]) -> None:
    """The rows of ``contact_ids`` rewritten from what the directory says of them now (none
    for a contact that is inactive or gone), written in the primary key's order.

    On PostgreSQL all of them in one statement (the ids as one array): the rows of a key then
    lie together in the table, in the order the audience reads them, so an audience reads a
    few hundred pages rather than one per member (5,700 pages and 23 ms for 15,000 members
    when an import wrote them in chunks). SQLite stores the table in its key's order whatever
    the order of writing, and takes the ids in chunks under its limit of bound parameters.
    """
    connection = session.connection()
    dialect = connection.dialect.name
    ids = sorted(set(contact_ids))
    for chunk in ([ids] if dialect == "postgresql" else _chunks(ids)):
        if not chunk:
            continue
        among = _among(dialect, chunk)
        connection.execute(delete(ContactReach).where(among(ContactReach.contact_id)))
        connection.execute(insert(ContactReach).from_select(COLUMNS, derived(dialect, among)))


def derived(dialect: str, among: Callable[[Any], Any] | None = None) -> Any:
    """The index rows of the contacts whose id column ``among`` accepts (of every contact when
    None), as a SELECT in the primary key's order (key, sort key, id)."""
    keys = union_all(
        _only(select(ContactRegion.contact_id, ContactRegion.region + "/"
                     + ContactIncidentType.incident_type)
              .join(ContactIncidentType, ContactIncidentType.contact_id == ContactRegion.contact_id),
              ContactRegion.contact_id, among),
        _only(select(ContactTag.contact_id, literal(TAG) + ContactTag.tag),
              ContactTag.contact_id, among),
        _only(select(Contact.id, literal(EVERYONE)), Contact.id, among),
    ).subquery()
    contact_id, key = keys.c
    order = func.substr(Contact.organisation_folded + literal(ORDER_SEPARATOR)
                        + Contact.name_folded, 1, ORDER_LENGTH)  # names.order_key, in SQL
    return (select(key, Contact.id, order, Contact.phone, profile(dialect),
                   cast(Contact.regions, Text))
            .join_from(keys, Contact, Contact.id == contact_id)
            .where(Contact.active.is_(True))
            .order_by(key, order.collate("C") if dialect == "postgresql" else order, Contact.id))


def _among(dialect: str, ids: list[int]) -> Callable[[Any], Any]:
    if dialect == "postgresql":
        array = bindparam("contact_ids", ids, type_=ARRAY(Integer))
        return lambda column: column == any_(array)
    return lambda column: column.in_(ids)


def profile(dialect: str) -> Any:
    """The row's ``profile``: ``[language, home_language, organisation_type, channel]`` as
    JSON text (``read_profile`` reads it)."""
    parts = (Contact.language, Contact.home_language, Contact.organisation_type, channel())
    if dialect == "postgresql":
        return cast(func.json_build_array(*parts), Text)
    return func.json_array(*parts)


@functools.lru_cache(maxsize=4096)
def read_profile(text: str) -> tuple[str, str, str, str]:
    """language, the language spoken (``language`` when the directory names none),
    organisation type, channel."""
    language, home, organisation_type, reach_by = json.loads(text)
    return language, home or language, organisation_type, reach_by


def channel() -> Any:
    """``bot.directory.rules.audience.channel_of`` as SQL, so that no row needs Python for it.

    Slack, SMS, a call (voice) or unreachable, from the channel asked for, the Slack id, the
    number, its status and the SMS consent. The rule is the statement; this is its copy in the
    index (tests compare the two over every combination of their inputs).
    """
    has_phone = func.coalesce(Contact.phone, "") != ""
    on_slack = func.coalesce(Contact.slack_user_id, "") != ""
    return case(
        ((Contact.channel == "voice") & has_phone & Contact.phone_status.in_(("ok", "landline")),
         "voice"),
        (on_slack & (Contact.channel != "sms"), "slack"),
        (has_phone & (Contact.phone_status == "ok") & (Contact.sms_consent != "opted_out"), "sms"),
        (on_slack, "slack"),
        (has_phone & (Contact.phone_status == "landline"), "voice"),
        else_="unreachable")


def keep_in_step(sessions: Any) -> None:
    """After each flush of a session from ``sessions`` (a sessionmaker), the rows of every
    contact it inserted, changed or deleted are refreshed, in the same transaction."""
    event.listen(sessions, "after_flush", _after_flush)


def _after_flush(session: Session, _context: Any) -> None:
    # The session's lists and attribute histories still show what this flush wrote.
    changed = [obj.id for obj in (*session.new, *session.deleted) if isinstance(obj, Contact)]
    changed += [obj.id for obj in session.dirty
                if isinstance(obj, Contact) and session.is_modified(obj, include_collections=False)]
    if changed:
        refresh(session, changed)


def _only(query: Any, column: Any, among: Callable[[Any], Any] | None) -> Any:
    return query if among is None else query.where(among(column))


def _chunks(items: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]
