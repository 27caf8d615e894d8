"""Changes the review makes to the notes' Markdown itself: a line added to a section (an
accepted suggestion), the transcript's section left out of what is published."""

from __future__ import annotations

from bot.notes.rules.sections import Section, split

NONE = "None recorded."
SAID = "What was said"  # the live transcript's section


def published(markdown: str, *, transcript_kept: bool) -> str:
    """What leaves the review: the transcript's section only if a reviewer kept it."""
    return markdown if transcript_kept else without(markdown, SAID)


def add_line(markdown: str, heading: str, line: str, *, table_head: str | None = None) -> str:
    """``markdown`` with ``line`` at the end of the section called ``heading`` (replacing its
    "None recorded."; under ``table_head`` when the line is a table row and the section has no
    table yet). A section people renamed or deleted is added again at the end."""
    title, sections = split(markdown)
    for index, section in enumerate(sections):
        if section.heading.casefold() == heading.casefold():
            sections[index] = Section(section.heading, section.level,
                                      _added(section.body, line, table_head))
            return join(title, sections)
    body = f"{table_head}\n{line}" if table_head else line
    return join(title, [*sections, Section(heading, 2, body)])


def _added(body: str, line: str, table_head: str | None) -> str:
    lines = body.split("\n")
    if NONE in (candidate.strip() for candidate in lines):
        at = next(i for i, candidate in enumerate(lines) if candidate.strip() == NONE)
        lines[at:at + 1] = [table_head, line] if table_head else [line]
        return "\n".join(lines)
    marker = "|" if table_head else "- "
    last = max((i for i, candidate in enumerate(lines) if candidate.lstrip().startswith(marker)
                or (not table_head and candidate.startswith("  ") and candidate.strip())),
               default=None)
    if last is None:
        block = f"{table_head}\n{line}" if table_head else line
        return f"{body.rstrip()}\n\n{block}" if body.strip() else block
    lines.insert(last + 1, line)
    return "\n".join(lines)


def add_first(markdown: str, heading: str, body: str) -> str:
    """``markdown`` with a section ``heading`` right after its header (the title and the lines
    before the first section), or replacing the section of that name if it has one."""
    title, sections = split(markdown)
    kept = [s for s in sections if s.heading.casefold() != heading.casefold()]
    at = 1 if kept and not kept[0].heading else 0
    return join(title, [*kept[:at], Section(heading, 2, body), *kept[at:]])


def without(markdown: str, heading: str) -> str:
    """``markdown`` without the section called ``heading``; what followed its body (the drafted
    notes' closing line) is kept."""
    title, sections = split(markdown)
    kept = [s for s in sections if s.heading.casefold() != heading.casefold()]
    return markdown if len(kept) == len(sections) else join(title, kept)


def join(title: str | None, sections: list[Section]) -> str:
    parts = [f"# {title}"] if title is not None else []
    for section in sections:
        head = f"{'#' * section.level} {section.heading}" if section.heading else ""
        parts.append("\n\n".join(p for p in (head, section.body) if p))
    return "\n\n".join(parts) + "\n"
