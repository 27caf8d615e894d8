"""Text from outside made storable: kept, never refused, with what a database cannot hold replaced.

PostgreSQL refuses the NUL character in text columns (SQLite keeps it), so a message holding
one was an error on one backend and a row on the other, and an SMS with a NUL in it was lost.
Such characters become U+FFFD, the mark a reader recognises as "something unreadable was here";
bytes that are not UTF-8 become U+FFFD when decoded, in the same way.
"""

from __future__ import annotations

REPLACEMENT = "\ufffd"


def storable(text: str) -> str:
    """``text`` with NUL characters (and lone surrogates, which cannot be encoded) replaced."""
    if "\x00" in text:
        text = text.replace("\x00", REPLACEMENT)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = "".join(REPLACEMENT if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)
    return text


def decoded(data: bytes) -> str:
    """Bytes as text, whatever they hold: invalid UTF-8 sequences and NULs become U+FFFD."""
    return storable(data.decode("utf-8", "replace"))
