"""The audit trail's hash chain: pure functions over plain event dicts (database rows or an export).

Each event's ``hash`` is SHA-256 over its canonical form, which includes the previous event's
hash (``prev_hash``; the first event's is 64 zeros) and its position ``seq`` (1, 2, 3 …). The
canonical form is the UTF-8 JSON of the fields ``seq``, ``at``, ``actor``, ``action``,
``incident_id``, ``details`` and ``prev_hash`` with keys sorted at every level, no spaces
(``separators=(",", ":")``), non-ASCII written as itself, and ``at`` in UTC as
``YYYY-MM-DDTHH:MM:SS.ffffffZ``. Changing any field of any event changes its hash and breaks the
link to every later one, so :func:`verify` names the first event that was altered, inserted or
removed. It cannot tell a chain rewritten from scratch from the original: only a head hash copied
somewhere else earlier (an anchor) can.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
FIELDS = ("seq", "at", "actor", "action", "incident_id", "details", "prev_hash")


def utc_text(at: datetime | str) -> str:
    """An instant as the canonical form writes it; text (from an export) is taken as written."""
    if isinstance(at, str):
        return at
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(event: Mapping[str, Any]) -> bytes:
    """The bytes that are hashed: see the module's docstring."""
    fields = {name: event.get(name) for name in FIELDS}
    fields["at"] = utc_text(fields["at"])
    fields["details"] = fields["details"] or {}
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(event: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(event)).hexdigest()


def as_stored(details: Mapping[str, Any] | None) -> dict[str, Any]:
    """Details as a JSON column gives them back (integer keys become text, tuples lists), so
    that the hash computed before writing matches the one recomputed after reading."""
    return json.loads(json.dumps(details or {}, default=str))


@dataclass(frozen=True)
class Break:
    """The first place the chain does not hold, and why, in words a records officer can act on."""

    seq: int | None
    id: int | None
    kind: str  # "altered", "inserted", "removed", "head"
    message: str


@dataclass(frozen=True)
class Result:
    checked: int
    head: str
    problem: Break | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(events: Iterable[Mapping[str, Any]], *, head: Mapping[str, Any] | None = None,
           complete: bool = True) -> Result:
    """Recomputes the chain over ``events`` (in ``seq`` order) and stops at the first break.

    ``head`` is the recorded head (``seq`` and ``hash``), read before the events: the chain must
    pass through it (events appended since are checked like the others), else it lost its last
    events. ``complete=False`` is for a filtered export: each event's own hash is checked, links
    only between events whose ``seq`` follow each other.
    """
    rows = list(events)
    expected_prev, expected_seq, last = GENESIS, 1, None
    passed_head = head is not None and head.get("seq") == 0 and head.get("hash") == GENESIS
    for index, event in enumerate(rows):
        seq, prev = event.get("seq"), event.get("prev_hash")
        contiguous = complete or (last is not None and seq == (last.get("seq") or 0) + 1)
        if digest(event) != event.get("hash"):
            follower = rows[index + 1] if index + 1 < len(rows) else None
            return Result(index, expected_prev, _bad_row(event, follower, expected_prev, head))
        if contiguous and (prev != expected_prev or seq != expected_seq):
            return Result(index, expected_prev, _bad_link(event, last, expected_seq))
        expected_prev, expected_seq, last = event["hash"], seq + 1, event
        passed_head = passed_head or (head is not None and (seq, event["hash"]) == (
            head.get("seq"), head.get("hash")))
    problem = _bad_head(last, head) if head is not None and complete and not passed_head else None
    return Result(len(rows), expected_prev, problem)


def _name(event: Mapping[str, Any] | None) -> str:
    if event is None:
        return "the start of the trail"
    return f"event {event.get('seq')} (id {event.get('id')}, {event.get('action')})"


def _bad_row(event: Mapping[str, Any], follower: Mapping[str, Any] | None, prev: str,
             head: Mapping[str, Any] | None) -> Break:
    """A row whose hash does not match its content: changed, or put in without the chain (the
    next event still links past it, or it lies beyond the recorded head)."""
    seq = event.get("seq")
    beyond_head = follower is None and head is not None and (seq is None or seq > head["seq"])
    if beyond_head or (follower is not None and follower.get("prev_hash") == prev):
        return Break(event.get("seq"), event.get("id"), "inserted",
                     f"{_name(event)} was inserted: the next event links to the one before it")
    return Break(event.get("seq"), event.get("id"), "altered",
                 f"{_name(event)} was altered: its content no longer matches its hash")


def _bad_link(event: Mapping[str, Any], last: Mapping[str, Any] | None, seq: int) -> Break:
    return Break(event.get("seq"), event.get("id"), "removed",
                 f"an event was removed (or the chain re-linked) between {_name(last)} and "
                 f"{_name(event)}: expected position {seq} linking to the previous hash")


def _bad_head(last: Mapping[str, Any] | None, head: Mapping[str, Any]) -> Break:
    seq = last.get("seq") if last else 0
    return Break(seq, last.get("id") if last else None, "head",
                 f"the trail ends at {_name(last)} but the recorded head is event "
                 f"{head.get('seq')} ({str(head.get('hash'))[:12]}…): the last events were removed")
