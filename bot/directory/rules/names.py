"""People's and organisations' names as the directory compares them: accents and case ignored.

One fold, used both when a contact is written (the folded name is stored beside the name, so
SQLite and PostgreSQL compare the same text) and when someone is looked up. SQLite's ``lower()``
knows only ASCII, so "Miguel Ángel" folded in SQL would not match "miguel ángel"; folding in
Python, once, makes both backends agree.
"""

from __future__ import annotations

import unicodedata

MAX_KEY = 600  # characters kept of a folded name (the column's size; NFKD can lengthen text)
# Letters that NFKD leaves whole (a stroke or a ligature is not a combining mark), written as
# people type them without the keyboard for it: "Dang" finds "Đặng", "Lodz" finds "Łódź".
UNDECOMPOSED = str.maketrans({"đ": "d", "ð": "d", "ø": "o", "ł": "l", "ħ": "h", "ŧ": "t",
                              "ı": "i", "æ": "ae", "œ": "oe", "þ": "th"})
# Control characters that are not whitespace are dropped (the whitespace ones become a space):
# a folded name then holds nothing below "\x20", which the directory's sort key relies on.
UNDECOMPOSED.update({code: None for code in (*range(0x20), *range(0x7F, 0xA0))
                     if not chr(code).isspace()})


def fold(text: str) -> str:
    """``"  Miguel  ÁNGEL Torres"`` -> ``"miguel angel torres"``: NFKD, combining marks and
    control characters dropped, casefolded, runs of whitespace made one space."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().translate(UNDECOMPOSED).split())


def name_key(text: str) -> str:
    """The folded form as stored and searched (cut to the column's size on both sides)."""
    return fold(text)[:MAX_KEY]
