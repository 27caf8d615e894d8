"""Call notes (Markdown) cut at their headings, so that a page can put what matters first and an
amendment can tell whether a decision changed. Fenced code is never taken for a heading."""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_BULLET = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)])[ \t]+(.*)$")
# Headings the page shows first, in this order (matched on a heading's words, any case).
FIRST = ("decision", "issue", "action")
ATTENDANCE = "attendance"
_GROUP = re.compile(r"^\*\*(?P<title>.+?) \((?P<count>\d+)\)\*\*$")
_MEMBERS = re.compile(r"^- (?P<label>[^:]+): (?P<names>.+)$")


@dataclass(frozen=True)
class Section:
    heading: str  # "" for what comes before the first heading
    level: int
    body: str


@dataclass(frozen=True)
class Group:
    label: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class AttendanceList:
    """One list of the drafted attendance ("Joined (12)"), by organisation."""

    title: str
    count: int
    groups: tuple[Group, ...]


def split(markdown: str) -> tuple[str | None, list[Section]]:
    """The document's title (its first level-1 heading, when it opens the text) and its sections
    at the level of its ``##`` headings (deeper headings stay in their section's body)."""
    title: str | None = None
    sections: list[Section] = []
    heading, level, lines, fenced = "", 0, [], False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        found = None if fenced else _HEADING.match(line)
        if found and len(found.group(1)) == 1 and title is None and not sections \
                and not "".join(lines).strip():
            title = found.group(2)
            continue
        if found and len(found.group(1)) <= 2:
            if heading or "".join(lines).strip():
                sections.append(Section(heading, level, "\n".join(lines).strip("\n")))
            heading, level, lines = found.group(2), len(found.group(1)), []
            continue
        lines.append(line)
    if heading or "".join(lines).strip():
        sections.append(Section(heading, level, "\n".join(lines).strip("\n")))
    return title, sections


def rank(section: Section) -> int:
    """Where a section goes: decisions, issues, actions first (in that order), then the rest as
    written (``len(FIRST)``)."""
    words = section.heading.casefold()
    return next((i for i, word in enumerate(FIRST) if word in words), len(FIRST))


def ordered(sections: list[Section]) -> list[Section]:
    return sorted(sections, key=rank)  # stable: the rest keep their order


def is_attendance(section: Section) -> bool:
    return ATTENDANCE in section.heading.casefold()


def attendance(body: str) -> list[AttendanceList] | None:
    """The drafted attendance's lists; None when the text is not in the drafted shape (edited
    by hand), so that the page shows it as written."""
    found: list[AttendanceList] = []
    for block in (b.strip() for b in body.split("\n\n") if b.strip()):
        head = _GROUP.match(block)
        if head:
            found.append(AttendanceList(head["title"], int(head["count"]), ()))
            continue
        if not found:
            continue  # a line before the lists ("Who joined was not recorded …")
        groups = []
        for line in block.splitlines():
            members = _MEMBERS.match(line.strip())
            if members is None:
                if line.strip() == "None.":
                    continue
                return None
            groups.append(Group(members["label"], tuple(n.strip() for n in
                                                        members["names"].split(", "))))
        last = found[-1]
        found[-1] = AttendanceList(last.title, last.count, last.groups + tuple(groups))
    return found or None


def decisions(markdown: str) -> list[str]:
    """The list items of the decisions section(s), whitespace folded, in order."""
    _, sections = split(markdown)
    items: list[str] = []
    for section in sections:
        if "decision" not in section.heading.casefold():
            continue
        for line in section.body.splitlines():
            item = _BULLET.match(line)
            if item:
                items.append(" ".join(item.group(1).split()))
            elif items and line.startswith("  ") and line.strip():
                items[-1] += " " + " ".join(line.split())
    return items
