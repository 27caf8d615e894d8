"""People's and organisations' names as the directory compares them: accents and case ignored.

One fold, used both when a contact is written (the folded name is stored beside the name, so
SQLite and PostgreSQL compare the same text) and when someone is looked up. SQLite's ``lower()``
knows only ASCII, so "Miguel Ángel" folded in SQL would not match "miguel ángel"; folding in
Python, once, makes both backends agree.
"""

from __future__ import annotations

import unicodedata

MAX_KEY = 600  # characters kept of a folded name (the column's size; NFKD can lengthen text)
# The directory's order is one string: folded organisation, ORDER_SEPARATOR, folded name, its
# first ORDER_LENGTH characters. The separator sorts below every character a folded name holds
# (see UNDECOMPOSED), so the string sorts as (organisation, name) would. It is part of an index
# key in the database, and PostgreSQL refuses a B-tree entry over about 2,700 bytes: 500
# characters are at most 2,000 bytes of UTF-8 (two contacts whose first 500 agree are ordered
# by id).
ORDER_SEPARATOR = "\x1f"
ORDER_LENGTH = 500
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


def order_key(organisation: str, name: str) -> str:
    """Where a contact sorts in the directory: by organisation, then name, accents and case
    aside (``bot.db.reach`` writes the same string from the stored folded names)."""
    return (name_key(organisation) + ORDER_SEPARATOR + name_key(name))[:ORDER_LENGTH]
