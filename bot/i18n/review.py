"""Which catalog texts a translator has reviewed.

The texts were written by developers (and some with machine help); the office's translators
review them in their own tools (``coordbot catalogs export`` / ``import``). A review is recorded
in ``catalogs/reviewed/{tag}.toml`` as ``key = "fingerprint"``, the fingerprint of the text the
translator approved. A text counts as reviewed only while it is still that text: a developer who
edits a reviewed string makes it unreviewed again without having to remember to say so, and a
catalog file and its review file can never disagree in the unsafe direction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.i18n.catalog import FALLBACK, directory, flatten, keys, messages, read_toml

REVIEWED = "reviewed"


def fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def review_path(tag: str) -> Path:
    return directory() / REVIEWED / f"{tag}.toml"


def recorded(tag: str) -> dict[str, str]:
    """The review file as written: key -> fingerprint of the reviewed text."""
    return {key: str(value) for key, value in flatten(read_toml(review_path(tag))).items()}


def reviewed_keys(tag: str) -> set[str]:
    """The keys whose current text is the one a translator reviewed."""
    marks = recorded(tag)
    return {key for key, text in messages(tag).items() if marks.get(key) == fingerprint(text)}


@dataclass(frozen=True)
class Status:
    language: str
    total: int
    unreviewed: tuple[str, ...]

    @property
    def reviewed(self) -> int:
        return self.total - len(self.unreviewed)

    @property
    def complete(self) -> bool:
        return not self.unreviewed


def status(tag: str) -> Status:
    done = reviewed_keys(tag)
    return Status(tag, len(keys()), tuple(sorted(keys() - done)))


def unreviewed_languages(tags: Iterable[str]) -> tuple[str, ...]:
    """Of ``tags`` (catalog languages), those whose catalog a translator has not reviewed in
    full, sorted. English is the reference the office writes itself, never listed."""
    return tuple(sorted(tag for tag in set(tags) if tag != FALLBACK and not status(tag).complete))
