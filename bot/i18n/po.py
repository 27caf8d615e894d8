"""Catalogs as gettext PO files, one language a file, written and read by Babel.

The layout, chosen so that Poedit and Weblate show each text with what the translator needs::

    #. SMS, at most 2 segments with long values. Placeholders: {office}. Keep STOP in English.
    #, fuzzy, python-brace-format
    msgctxt "help"
    msgid "These texts are from {office}. A person reads every reply. Reply STOP to stop."
    msgstr "Estos mensajes son de {office}. …"

* ``msgctxt`` is the message's key (shown as "context"; it tells two equal English texts apart);
* ``msgid`` is the English text, the source the tools show beside the translation;
* ``msgstr`` is the language's text (in the English file, the English text again);
* ``#.`` is the note for translators: SMS or voice, its limit, its placeholders;
* ``fuzzy`` ("Needs work" in Poedit and Weblate) marks a text no translator has reviewed yet.
  Clearing it, by approving the text, is what marks it reviewed on import;
* ``python-brace-format`` lets the tools check that ``{office}`` and the like are kept.

Babel's reader is lenient about quoting (a line ``msgstr "Hola`` loses its last letter instead
of failing), so before Babel reads a file every line is checked to be a comment, a keyword with
one double-quoted string, or a continued string; a line that is not is refused with its number.
"""

from __future__ import annotations

import io
import re
from datetime import datetime

from babel.core import UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.pofile import PoFileError, read_po, write_po

from bot.errors import InvalidInput
from bot.i18n.exchange import Entry, LineProblem, Refused, Row
from bot.i18n.languages import LANGUAGES, parse_language

_STRING = r'"(?:[^"\\]|\\.)*"'
_LINE = re.compile(rf"^\s*(?:#.*|(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s*{_STRING}"
                   rf"|{_STRING})?\s*$")


def export_po(tag: str, rows: list[Row], now: datetime) -> bytes:
    english, own = LANGUAGES[tag]
    catalog = Catalog(locale=tag, project="coordbot", version="catalogs", creation_date=now,
                      revision_date=now, language_team=f"{english} ({own})",
                      header_comment=_header(tag), fuzzy=False)
    for row in rows:
        catalog.add(row.english, row.text, context=row.key, auto_comments=[row.note],
                    flags=["python-brace-format"] + ([] if row.reviewed else ["fuzzy"]))
    out = io.BytesIO()
    write_po(out, catalog, width=0)
    return out.getvalue()


def _header(tag: str) -> str:
    english = LANGUAGES[tag][0]
    return (f"# coordbot: the SMS texts and voice prompts in {english} ({tag}).\n"
            "# msgctxt = the key, msgid = the English text, msgstr = the text to review.\n"
            "# Fuzzy (Needs work) = not reviewed yet: approve a text once it is right.\n"
            "# Give the file back to the office for `coordbot catalogs import`.")


def read_entries(data: bytes) -> list[Entry]:
    """The texts of a PO file; a file that is not one, or names no supported language, is
    refused with the line to look at."""
    text = _decode(data)
    bad = [LineProblem(number, None, "not a PO line: a text must be one string in double "
                                     "quotes, with \\\" for a quote inside it")
           for number, line in enumerate(text.splitlines(), start=1) if not _LINE.match(line)]
    if bad:
        raise Refused(bad)
    try:
        catalog = read_po(io.StringIO(text), abort_invalid=True)
    except PoFileError as error:  # its lineno counts from 0
        raise Refused([LineProblem(error.lineno + 1, None,
                                   str(error).rsplit(" on ", 1)[0])]) from None
    except (UnknownLocaleError, ValueError) as error:
        raise Refused([LineProblem(1, None,
                                   f"the header's Language is not usable: {error}")]) from None
    tag = _language(catalog)
    entries, problems = [], []
    for message in catalog:
        if not message.id:
            continue  # the header
        line = message.lineno or 1
        if not message.context:
            problems.append(LineProblem(line, None, "no msgctxt: the message's key is missing"))
        elif message.pluralizable or not isinstance(message.string, str):
            problems.append(LineProblem(line, message.context, "plural forms are not used"))
        else:
            entries.append(Entry(tag, message.context, message.string, not message.fuzzy,
                                 str(message.id), line))
    if problems:
        raise Refused(problems)
    return entries


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise Refused([LineProblem(line, None, "not UTF-8 text: save the file as UTF-8")]) from None


def _language(catalog: Catalog) -> str:
    named = catalog.locale_identifier or ""
    if not named:
        raise Refused([LineProblem(1, None, "the header names no Language (e.g. \"Language: es\\n\")")])
    try:
        return parse_language(named)
    except InvalidInput as error:
        raise Refused([LineProblem(1, None, str(error))]) from None
