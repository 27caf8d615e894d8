"""SMS texts and voice prompts in every language the office uses, from ``catalogs/{tag}.toml``.

Each catalog is one TOML file per language of ``key = "text"`` with ``str.format``-style
``{name}`` placeholders. SMS keys are plain (``incident_notice``); what the phone bridge says is
under ``voice.`` (``voice.welcome = "…"``, a dotted TOML key, read here as ``"voice.welcome"``);
the phrases that suggest decisions and action items in a call's transcript under ``cue.``
(``cue.decision = "we decided|we agreed"``: never sent, only matched).
``en.toml`` is the reference: every other catalog has the same keys with the same placeholders,
each SMS within its segment budget and each prompt within its spoken length
(``bot.i18n.checks``, run by the tests and by ``coordbot catalogs import``).

``render(key, language, **values)`` picks the language's text, falling back to English for a
language without a catalog (or a key missing from one). The keywords STOP / START stay in English
in every language, because carriers act on those words.

The files are read again when they change on disk (a new inode, size or mtime): after
``coordbot catalogs import`` a running bot sends the imported texts without a restart.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from bot.errors import InvalidInput
from bot.i18n.languages import LANGUAGES, parse_language

FALLBACK = "en"
VOICE = "voice."  # the prefix of every voice prompt's key
SLACK = "plan."  # the prefix of texts read in Slack by the office (a notice's send plan)
CUE = "cue."  # the prefix of the cue phrases that suggest decisions and action items
PACKAGED = Path(__file__).parent / "catalogs"
_FORMATTER = string.Formatter()
_where = [PACKAGED]  # the directory in use: the packaged one unless ``use_directory`` says


class CatalogError(KeyError):
    """An unknown message key, or a placeholder left without a value."""

    def __str__(self) -> str:  # KeyError would show the repr of the message
        return str(self.args[0]) if self.args else ""


class UnknownMessage(CatalogError):
    pass


class MissingValue(CatalogError):
    pass


def directory() -> Path:
    """The directory the catalogs are read from and ``catalogs import`` writes to."""
    return _where[-1]


@contextmanager
def use_directory(path: Path) -> Iterator[Path]:
    """Read (and import into) the catalogs in ``path`` instead of the packaged ones, inside."""
    _where.append(Path(path))
    try:
        yield _where[-1]
    finally:
        _where.pop()


def catalog_path(tag: str) -> Path:
    return directory() / f"{tag}.toml"


def placeholders(template: str) -> set[str]:
    """Names of the ``{name}`` fields in a catalog text."""
    return {name for _, name, _, _ in _FORMATTER.parse(template) if name is not None}


def unsupported_placeholder(text: str) -> str | None:
    """The first field that is not a plain ``{name}`` (``{0}``, ``{a:>3}``, ``{a!r}``); a text
    whose braces do not parse is reported too, as ``ValueError`` would say it."""
    try:
        for _, name, spec, conversion in _FORMATTER.parse(text):
            if name is not None and (not name.isidentifier() or spec or conversion):
                return f"{{{name}}}"
    except ValueError as error:
        return str(error)
    return None


def read_toml(path: Path) -> dict:
    """A TOML file as a dict, read again only when it changed; ``{}`` when there is none."""
    version = _version(path)
    return _parsed(*version) if version else {}


def _version(path: Path) -> tuple[str, int, int, int] | None:
    """What tells one version of a file from the next (the caches' key); None when it is missing."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return str(path), stat.st_ino, stat.st_size, stat.st_mtime_ns


@lru_cache(maxsize=64)
def _parsed(path: str, _inode: int, _size: int, _mtime: int) -> dict:
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path}: {error}") from None


def flatten(data: dict, prefix: str = "") -> dict[str, str]:
    """``{"voice": {"welcome": "…"}}`` → ``{"voice.welcome": "…"}``."""
    flat: dict[str, str] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[prefix + key] = value
    return flat


def messages(tag: str) -> dict[str, str]:
    """Every text of one language's catalog by key; ``{}`` for a language without one.

    Flattened and checked once per version of the file, not at each call: every rendered text
    asks for its catalog, and checking each one's fields again was most of the time a reminder
    took to fire. The dict is shared by every caller: copy it before changing it."""
    version = _version(catalog_path(tag))
    return _checked_messages(*version) if version else {}


@lru_cache(maxsize=64)
def _checked_messages(path: str, inode: int, size: int, mtime: int) -> dict[str, str]:
    return _checked(Path(path), flatten(_parsed(path, inode, size, mtime)))


def _checked(path: Path, data: dict[str, object]) -> dict[str, str]:
    for key, value in data.items():
        if not isinstance(value, str):
            raise ValueError(f"{path}: {key} must be a string")
        bad = unsupported_placeholder(value)
        if bad:
            raise ValueError(f"{path}: {key} has an unsupported placeholder {bad}; "
                             "use plain {name} fields")
    return data  # type: ignore[return-value]  # every value was checked to be a str


def languages() -> list[str]:
    """Tags with a catalog, in the order of ``bot.i18n.languages.LANGUAGES``."""
    return [tag for tag in LANGUAGES if messages(tag)]


def keys() -> set[str]:
    """Every message key, SMS and voice (those of the English catalog)."""
    return set(messages(FALLBACK))


def is_voice(key: str) -> bool:
    return key.startswith(VOICE)


def is_slack(key: str) -> bool:
    """A text the office reads in Slack: never texted, so no segment budget."""
    return key.startswith(SLACK)
def is_cue(key: str) -> bool:
    return key.startswith(CUE)


def template(key: str, language: str) -> str:
    """The raw text for ``key`` in ``language`` (English when the language has none)."""
    english = messages(FALLBACK)
    if key not in english:
        raise UnknownMessage(f"unknown message {key!r}; known: {', '.join(sorted(english))}")
    try:
        tag = parse_language(language)
    except InvalidInput:
        tag = FALLBACK
    return messages(tag).get(key, english[key])


def render(key: str, language: str, **values: object) -> str:
    text = template(key, language)
    missing = placeholders(text) - values.keys()
    if missing:
        raise MissingValue(f"message {key!r} needs a value for {', '.join(sorted(missing))}")
    return text.format(**values)
