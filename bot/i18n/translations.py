"""The translators' round trip: export the catalogs for review, import what comes back.

An import is validated in full before anything is written: a key no catalog has, a placeholder
lost or added, a keyword translated, an SMS over its segment budget or a voice prompt over its
length refuses the whole file, each problem with its line. Then every language's texts and
reviews are written together (``bot.i18n.files``). A text the file gives as approved (not fuzzy
in a PO file, ``reviewed = yes`` in a CSV) is recorded as reviewed; one translated from an
English text that has changed since the export is imported but stays unreviewed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.i18n import files, po, sheet
from bot.i18n.catalog import FALLBACK, is_cue, is_slack, is_voice, messages, placeholders
from bot.i18n.checks import DEFAULT_SMS_BUDGET, SMS_BUDGET, VOICE_LIMIT, check_text
from bot.i18n.exchange import Entry, LineProblem, Refused, Row
from bot.i18n.languages import LANGUAGES
from bot.i18n.review import reviewed_keys

FORMATS = ("po", "csv")
KEYWORDS = ("STOP", "START", "DONE")


def rows(tag: str) -> list[Row]:
    """Every text of ``tag``'s catalog with its English source, in the English file's order."""
    english, own, done = messages(FALLBACK), messages(tag), reviewed_keys(tag)
    return [Row(key, text, own.get(key, ""), key in done, note(key, text))
            for key, text in english.items()]


def note(key: str, english: str) -> str:
    """What a translator needs to know about one text."""
    if is_cue(key):
        what = ("Cue phrases, separated by |, never sent: a line of a call's transcript that "
                "contains one is suggested to the reviewers. Write what people say.")
    elif is_voice(key):
        what = f"Voice prompt, spoken on the phone line; at most {VOICE_LIMIT} characters."
    elif is_slack(key):
        what = "Read in Slack by the office's coordinators (a notice's send plan), never texted."
    else:
        budget = SMS_BUDGET.get(key, DEFAULT_SMS_BUDGET)
        what = f"SMS, at most {budget} segments with the values filled in."
    names = ", ".join(f"{{{name}}}" for name in sorted(placeholders(english)))
    words = [word for word in KEYWORDS if word in english]
    keep = f"Keep {' and '.join(words)} in English: the bot and carriers act on it." if words \
        else ""
    return " ".join(part for part in (what, f"Keep the placeholders {names}." if names else "",
                                      keep) if part)


def export(fmt: str, tags: list[str], now: datetime) -> bytes:
    """One PO file (one language) or one CSV file (any number of languages)."""
    if fmt == "po":
        if len(tags) != 1:
            raise ValueError("a PO file holds one language")
        return po.export_po(tags[0], rows(tags[0]), now)
    return sheet.export_csv({tag: rows(tag) for tag in tags}).encode("utf-8")


@dataclass
class Imported:
    """What an import changed in one language."""

    language: str
    changed: list[str] = field(default_factory=list)
    reviewed: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # translated from an older English text


def import_file(path: Path) -> list[Imported]:
    """Validate and import a ``.po`` or ``.csv`` file; ``Refused`` (with lines) writes nothing."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise Refused([LineProblem(1, None, f"{path.name} is not a .po or .csv file")])
    data = path.read_bytes()
    if suffix == "po":
        return import_entries(po.read_entries(data))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Refused([LineProblem(1, None, "not UTF-8 text: save the sheet as "
                                            "\"CSV UTF-8\"")]) from None
    return import_entries(sheet.read_entries(text))


def import_entries(entries: list[Entry]) -> list[Imported]:
    problems = _problems(entries)
    if problems:
        raise Refused(problems)
    english = messages(FALLBACK)
    updates: dict[str, files.Update] = defaultdict(files.Update)
    outcomes: dict[str, Imported] = {}
    for entry in entries:
        update = updates[entry.language]
        outcome = outcomes.setdefault(entry.language, Imported(entry.language))
        if entry.text != messages(entry.language).get(entry.key):
            update.texts[entry.key] = entry.text
            outcome.changed.append(entry.key)
        stale = entry.english is not None and entry.english != english[entry.key]
        if stale:
            outcome.stale.append(entry.key)
        if entry.reviewed and not stale:
            update.reviewed[entry.key] = entry.text
            outcome.reviewed.append(entry.key)
        else:
            update.unreviewed.add(entry.key)
    files.write(updates)
    return [outcomes[tag] for tag in LANGUAGES if tag in outcomes]


def _problems(entries: list[Entry]) -> list[LineProblem]:
    english = messages(FALLBACK)
    merged = {tag: dict(messages(tag)) for tag in {e.language for e in entries}}
    problems, seen = [], {}
    for entry in entries:
        where = (entry.language, entry.key)
        if where in seen:
            problems.append(LineProblem(entry.line, entry.key, f"given twice (also on line "
                                                               f"{seen[where]})"))
        seen[where] = entry.line
        if entry.key not in english:
            problems.append(LineProblem(entry.line, entry.key, "no catalog has this key"))
        else:
            merged[entry.language][entry.key] = entry.text
    for entry in entries:
        if entry.key in english:
            texts = merged[entry.language]
            problems += [LineProblem(entry.line, entry.key, reason) for reason in
                         check_text(entry.key, entry.text, english[entry.key], texts)]
    return problems
