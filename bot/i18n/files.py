"""Writing imported texts and reviews back into the catalog files, all or nothing.

``tomlkit`` edits the files in place, so the translators' notes (the comments: register,
keywords) and the order of the keys stay as they were. Every new file is written in full beside
the old one and flushed first; only then are they renamed over the old ones (``os.replace`` is
atomic on one file system). A failure while writing leaves every catalog as it was. Between two
renames a crash can leave a review file ahead of or behind its catalog: reviews are fingerprints
of texts (``bot.i18n.review``), so that shows as unreviewed, never as reviewed by mistake.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import tomlkit

from bot.i18n.catalog import catalog_path
from bot.i18n.review import fingerprint, recorded, review_path

REVIEW_HEADER = ("Reviewed by a translator: key = fingerprint of the text they approved.\n"
                 "Written by `coordbot catalogs import`; do not edit by hand.")


@dataclass
class Update:
    """One language's changes: new texts, and the keys now reviewed or unreviewed."""

    texts: dict[str, str] = field(default_factory=dict)
    reviewed: dict[str, str] = field(default_factory=dict)  # key -> the reviewed text
    unreviewed: set[str] = field(default_factory=set)


def write(updates: Mapping[str, Update]) -> None:
    """Apply every language's update, or none of them."""
    staged: list[tuple[Path, Path]] = []
    try:
        for tag, update in updates.items():
            if update.texts:
                staged.append(_stage(catalog_path(tag), _with_texts(catalog_path(tag),
                                                                    update.texts)))
            if update.reviewed or update.unreviewed:
                staged.append(_stage(review_path(tag), _with_reviews(tag, update)))
    except BaseException:
        for _, temporary in staged:
            temporary.unlink(missing_ok=True)
        raise
    for target, temporary in staged:
        os.replace(temporary, target)


def _with_texts(path: Path, texts: Mapping[str, str]) -> str:
    document = tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() \
        else tomlkit.document()
    for key, text in texts.items():
        _set(document, key.split("."), text)
    return tomlkit.dumps(document)


def _set(document, parts: list[str], text: str) -> None:
    table = document
    for part in parts[:-1]:
        if part not in table:
            document.append(tomlkit.key(parts), text)  # a key new to this file: at its end
            return
        table = table[part]
    if parts[-1] in table:
        table[parts[-1]] = text
    else:
        document.append(tomlkit.key(parts) if len(parts) > 1 else parts[0], text)


def _with_reviews(tag: str, update: Update) -> str:
    marks = recorded(tag)
    for key in update.unreviewed:
        marks.pop(key, None)
    marks.update({key: fingerprint(text) for key, text in update.reviewed.items()})
    document = tomlkit.document()
    for line in REVIEW_HEADER.splitlines():
        document.add(tomlkit.comment(line))
    for key in sorted(marks):
        document.add(tomlkit.key(key), marks[key])  # one quoted key: "voice.welcome"
    return tomlkit.dumps(document)


def _stage(target: Path, text: str) -> tuple[Path, Path]:
    """``text`` written and flushed to a temporary file beside ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        os.chmod(name, target.stat().st_mode & 0o777 if target.exists() else 0o644)
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return target, Path(name)
