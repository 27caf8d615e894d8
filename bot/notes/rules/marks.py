"""Marked lines: messages and transcript lines that start ``DECISION:``, ``ISSUE:`` or ``ACTION:``."""

from __future__ import annotations

import re

MARKS = ("decision", "issue", "action")

_WORD = "|".join(MARKS)
# ``DECISION:``, ``*DECISION:*`` or ``*DECISION*:``; a bare ``*DECISION:`` is a bolded whole line.
_PREFIX = re.compile(
    rf"^\s*(?:\*(?P<bold>{_WORD})(?::\*|\*:)|\*(?P<line>{_WORD}):|(?P<plain>{_WORD}):)(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL)
_TIMESTAMP = re.compile(r"^\s*(?:\[[^\]\n]{1,40}\]|\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?(?=\s))\s*")
_SPEAKER = re.compile(r"^\s*(?:<v\s+(?P<voice>[^>\n]{1,60})>|(?P<name>[^:\[\]<>\n]{1,60}):\s)\s*")


def mark_of(text: str) -> tuple[str, str] | None:
    """``("decision", "open the shelter")`` for ``"DECISION: open the shelter"``; None if unmarked."""
    match = _PREFIX.match(text)
    if match is None:
        return None
    word = match.group("bold") or match.group("line") or match.group("plain")
    rest = match.group("rest").strip()
    if match.group("line") and rest.endswith("*"):
        rest = rest[:-1].rstrip()
    return (word.lower(), rest) if rest else None


def transcript_marks(text: str) -> list[tuple[str, str]]:
    """Every marked line of a transcript, in order, with the speaker (if named) after the text."""
    return [(kind, f"{said} ({speaker})" if speaker else said)
            for kind, said, speaker in transcript_lines(text)]


def transcript_lines(text: str) -> list[tuple[str, str, str]]:
    """Every marked line of a transcript, in order: (mark, what was said, the speaker or "")."""
    found = []
    for line in text.splitlines():
        marked = _line_mark(line)
        if marked is not None:
            found.append(marked)
    return found


def _line_mark(line: str) -> tuple[str, str, str] | None:
    line = _TIMESTAMP.sub("", line, count=1)
    speaker, rest = _split_speaker(line)
    marked = mark_of(rest)
    if marked is None:
        return None
    kind, said = marked
    return kind, said, speaker


def _split_speaker(line: str) -> tuple[str, str]:
    match = _SPEAKER.match(line)
    if match is None:
        return "", line
    speaker = (match.group("voice") or match.group("name")).strip()
    if not speaker or speaker.strip("*").lower() in MARKS:
        return "", line
    return speaker, line[match.end():]
