"""What a translator's file holds, whatever its format (PO or CSV): one row per text."""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import InvalidInput


@dataclass(frozen=True)
class Row:
    """One text as exported: its key, the English text, the language's text, and a note for
    the translator (what the text is, its limit, its placeholders)."""

    key: str
    english: str
    text: str
    reviewed: bool
    note: str


@dataclass(frozen=True)
class Entry:
    """One text as a translator's file gives it back; ``line`` is where it starts."""

    language: str
    key: str
    text: str
    reviewed: bool
    english: str | None  # the English text it was translated from, when the file says
    line: int


@dataclass(frozen=True)
class LineProblem:
    line: int  # a PO file's line; a sheet's row, as a spreadsheet numbers it
    key: str | None
    reason: str
    unit: str = "line"  # or "row"

    def __str__(self) -> str:
        return f"{self.unit} {self.line}: " + (f"{self.key}: " if self.key else "") + self.reason


class Refused(InvalidInput):
    """A translator's file that cannot be imported; nothing of it was written."""

    def __init__(self, problems: list[LineProblem]) -> None:
        self.problems = sorted(problems, key=lambda p: p.line)
        super().__init__("nothing was imported:\n" + "\n".join(str(p) for p in self.problems))
