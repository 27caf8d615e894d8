"""What a reviewer must judge in a notes version, read from its Markdown: the decisions, issues
and action items, and the attendance counts.

It reads the version's text (as edited), not the call's records, so the card shows what would
be approved. Sections are found by their headings' words (``## Decisions``, ``## Issues
raised``, ``## Action items``, ``## Actions raised in discussion``; an edited heading such as
``## Decisions taken`` still counts); tables become one line per row, each cell named by its
column (``**A-1** Map closed roads — Owner: County EOC; Status: Open``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DECISIONS, ISSUES, ACTIONS, RAISED = "Decisions", "Issues raised", "Action items", \
    "Actions raised in discussion"
ORDER = (DECISIONS, ISSUES, ACTIONS, RAISED)
EMPTY = frozenset({"none recorded.", "none.", "none"})

_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*[-*+]\s+")
_COUNT = re.compile(r"^\*\*(?P<title>[^*]+?) \((?P<count>\d+)\)\*\*\s*$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_RULE_CELL = re.compile(r"^:?-{3,}:?$")


@dataclass(frozen=True)
class Digest:
    """``lists``: (one of ``ORDER``, its items as Markdown) for each such section found;
    ``attendance``: (``Joined``, 42) … from the attendance section's bold counts."""

    lists: tuple[tuple[str, tuple[str, ...]], ...]
    attendance: tuple[tuple[str, int], ...]


def kind_of(heading: str) -> str | None:
    words = heading.lower()
    if "carried" in words or "earlier" in words:
        return None
    if "discussion" in words:
        return RAISED
    if "decision" in words:
        return DECISIONS
    if "issue" in words:
        return ISSUES
    if "action" in words:
        return ACTIONS
    return None


def digest(markdown: str) -> Digest:
    lists: dict[str, list[str]] = {}
    attendance: list[tuple[str, int]] = []
    current: list[str] | None = None
    in_attendance = False
    head: list[str] | None = None
    for line in markdown.splitlines():
        heading = _HEADING.match(line)
        if heading and len(heading.group(1)) > 1:  # the title (``#``) names no section
            kind = kind_of(heading.group(2))
            current = lists.setdefault(kind, []) if kind else None
            in_attendance, head = "attendance" in heading.group(2).lower(), None
            continue
        if in_attendance and (found := _COUNT.match(line.strip())):
            attendance.append((found["title"], int(found["count"])))
        if current is None or not line.strip():
            continue
        if line.lstrip().startswith("|"):
            head, row = table_row(line, head)
            if row is not None:
                current.append(row)
            continue
        head = None
        if _BULLET.match(line):
            current.append(_BULLET.sub("", line, count=1).strip())
        elif line[:1].isspace() and current:  # a later line of the item above
            current[-1] = f"{current[-1]} {line.strip()}"
        elif line.strip().lower() not in EMPTY:
            current.append(line.strip())
    return Digest(tuple((kind, tuple(lists[kind])) for kind in ORDER if kind in lists),
                  tuple(attendance))


def table_row(line: str, head: list[str] | None) -> tuple[list[str], str | None]:
    """One line of a table read: (the table's head, the row as a line; None for the head
    itself and the rule under it)."""
    cells = cells_of(line)
    if head is None:
        return cells, None
    return head, None if is_rule(cells) else row_text(head, cells)


def cells_of(row: str) -> list[str]:
    """The cells of a Markdown table row, ``\\|`` inside a cell kept as ``|``."""
    inner = row.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return [cell.strip().replace("\\|", "|") for cell in _CELL_SPLIT.split(inner)]


def is_rule(cells: list[str]) -> bool:
    """``| --- | :---: |``: the line under a table's head."""
    return all(_RULE_CELL.match(c) for c in cells if c)


def row_text(head: list[str], cells: list[str]) -> str:
    """One table row as a line: the first cell bold, the second as it is, the rest named by
    their columns; empty cells (and ``—``) left out."""
    if len(cells) == 1:
        return cells[0]
    first, text, *rest = cells
    named = [f"{name}: {value}" for name, value in zip(head[2:], rest, strict=False)
             if value and value != "—"]
    line = f"**{first}** {text}" if first else text
    return f"{line} — {'; '.join(named)}" if named else line
