"""Parsing ``/incident action …`` and ``/incident actions …``.

``add OWNER "TEXT" [due WHEN]``: the owner is one word or quoted ("Comunidad Unida"), a Slack
mention (``<@U123|ana>`` or ``@ana``), a contact's name or phone, or an organisation. The text
may be quoted or not; an unquoted text ends at its last ``due`` that has words after it.

``parse_done`` reads an owner's SMS "DONE 3" / "DONE A-3" (and the local words, "LISTO 3",
"完成 A-3", …) and gives the item's label ``"A-3"``. It matches words as the RSVP answers do
(``bot.calls.rules.rsvp``), and a STOP / START / HELP always wins.

* PRONTO is left out of the DONE words: it means "done/ready" in Portuguese but "soon" in
  Spanish, so "PRONTO 3" from a Spanish speaker would wrongly close the task.
* Digits may be any script's decimal digits (Arabic-Indic ١ ٢ ٣ too); task numbers are written
  "3", "#3", "A3", "A-3" (Latin or Cyrillic A, any dash), with or without a space after the word.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.calls.rules.rsvp import is_keyword
from bot.calls.rules.when import WEEKDAYS, parse_when
from bot.errors import InvalidInput
from bot.sms.rules.words import WordTable, normalise

ADD, DONE, REASSIGN, DUE = "add", "done", "reassign", "due"
VERBS = (ADD, DONE, REASSIGN, DUE)
FILTERS = ("open", "mine", "all")
ACTION_EXAMPLE = '/incident action add @ana "Confirm shelter capacity" due friday 5pm'
MAX_TEXT = 1000

_NUMBER = re.compile(r"#?\s*[aа]?\s*[-‐‑–—]?\s*(\d{1,6})", re.IGNORECASE)
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_NEXT_WEEKDAY = re.compile(r"\bnext\s+(" + "|".join(day[:3] for day in WEEKDAYS) + r")[a-z]*\b",
                           re.IGNORECASE)
# A time of day as the call-time parser reads one: 5pm, 5 p.m., 17:30, noon.
_CLOCK_WORD = re.compile(r"(?i)(?<![\w:-])(?:\d{1,2}(?::\d{2})?\s*[ap]\.?m\b\.?|\d{1,2}:\d{2}(?![\d-])"
                         r"|noon|midday)")
DUE_EXAMPLE = "/incident action due 3 friday 5pm"
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})


@dataclass(frozen=True)
class ActionRequest:
    verb: str
    number: int | None = None
    owner: str | None = None
    text: str | None = None
    due: str | None = None


@dataclass(frozen=True)
class Mention:
    user_id: str | None
    name: str | None


def parse_action(text: str) -> ActionRequest:
    verb, _, rest = text.strip().partition(" ")
    verb, rest = verb.lower(), rest.strip()
    if verb not in VERBS:
        raise InvalidInput(f"Unknown action {verb!r}: use add, done, reassign or due." if verb
                           else "Say what to do: add, done, reassign or due.", ACTION_EXAMPLE)
    if verb == ADD:
        return _parse_add(rest)
    number_text, _, tail = rest.partition(" ")
    number = parse_number(number_text, example=f"/incident action {verb} 3")
    tail = tail.strip()
    if verb == DONE:
        if tail:
            raise InvalidInput(f"`action done` takes only the item's number, not {tail!r}.",
                               "/incident action done 3")
        return ActionRequest(DONE, number)
    if not tail:
        what = "the new owner" if verb == REASSIGN else "the new due date"
        raise InvalidInput(f"Say {what}.", "/incident action reassign 3 @ana" if verb == REASSIGN
                           else "/incident action due 3 tomorrow 5pm")
    if verb == REASSIGN:
        return ActionRequest(REASSIGN, number, owner=_unquote(tail))
    return ActionRequest(DUE, number, due=tail)


def parse_number(text: str, *, example: str = "/incident action done 3") -> int:
    """``3`` / ``#3`` / ``A-3`` / ``a3`` -> 3."""
    match = _NUMBER.fullmatch(text.strip())
    if not match or int(match[1]) == 0:
        raise InvalidInput(f"{text!r} is not an action item number (like 3 or A-3)."
                           if text else "Give the action item's number (like 3 or A-3).", example)
    return int(match[1])


def parse_filter(text: str) -> str:
    which = text.strip().lower() or "open"
    if which not in FILTERS:
        raise InvalidInput(f"Unknown filter {which!r}: use open, mine or all.", "/incident actions mine")
    return which


def mention(owner: str) -> Mention | None:
    """A Slack user named in the owner field, or None when it names a contact or organisation."""
    match = _MENTION.fullmatch(owner.strip())
    if match:
        return Mention(match[1], match[2] or None)
    if owner.startswith("@") and len(owner) > 1:
        return Mention(None, owner[1:])
    return None


def _parse_add(rest: str) -> ActionRequest:
    if not rest:
        raise InvalidInput("Say who owns the action item and what needs doing.", ACTION_EXAMPLE)
    try:
        words = _split(rest.translate(_QUOTES))
    except ValueError:
        raise InvalidInput("A quotation mark is not closed.", ACTION_EXAMPLE) from None
    owner, words = words[0], words[1:]
    cut = _last_due(words)
    text = " ".join(words if cut is None else words[:cut]).strip()
    due = None if cut is None else " ".join(words[cut + 1:])
    if not text:
        raise InvalidInput("Say what needs doing, in quotes.", ACTION_EXAMPLE)
    return ActionRequest(ADD, owner=owner, text=check_text(text), due=due)


def check_text(text: str) -> str:
    """The item's text, trimmed; refused over ``MAX_TEXT`` (a card, a DM and an owner's SMS must
    each carry it), whether it came from the command, the shortcut's form or anywhere else."""
    text = text.strip()
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"The action item is {len(text)} characters; keep it under {MAX_TEXT}.",
                           ACTION_EXAMPLE)
    return text


def _split(text: str) -> list[str]:
    # Only double quotes group words: an apostrophe ("Ana's") is just a letter.
    lexer = shlex.shlex(text, posix=True)
    lexer.quotes, lexer.whitespace_split, lexer.escape = '"', True, ""
    return list(lexer)


def _last_due(words: list[str]) -> int | None:
    for index in range(len(words) - 2, 0, -1):
        if words[index].lower() == "due":
            return index
    return None


def _unquote(text: str) -> str:
    text = text.translate(_QUOTES).strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1].strip()
    return text


# "DONE <number>": DONE in every language (every text asks for it), and the local words.
DONE_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("DONE",),
    "es": ("LISTO", "HECHO"),
    "zh": ("完成", "已完成"),
    "vi": ("XONG",),
    "ko": ("완료",),
    "tl": ("TAPOS", "TAPOS NA"),
    "ar": ("تم",),
    "ht": ("FINI", "FÈT"),
    "fr": ("FAIT", "FINI"),
    "pt": ("FEITO",),
    "ru": ("ГОТОВО", "СДЕЛАНО"),
}

_TRAILING_NUMBER = re.compile(r"(.*?)(\d{1,6})")
# What may stand between the DONE word and the digits: a colon, "#", the letter A (Latin or
# Cyrillic), a dash of any kind, and spaces.
_NUMBER_PREFIX = re.compile(r"[\s:：]*(?:#\s*)?(?:[aа]\s*[-‐‑‒–—―−]?\s*)?")
_LONGEST_DONE_HEAD = 40
DONE_TABLE = WordTable.build((word, "done", tag) for tag, words in DONE_WORDS.items() for word in words)


def parse_done(body: str) -> str | None:
    """``"DONE 3"`` / ``"listo a-3"`` / ``"完成#3"`` -> ``"A-3"``; None when it is anything else."""
    if is_keyword(body):
        return None
    text = normalise(body)
    match = _TRAILING_NUMBER.fullmatch(text)
    if match is None or len(match[1]) > _LONGEST_DONE_HEAD:
        return None
    head, digits = match.groups()
    number = int(digits)
    if number == 0:
        return None
    # Every split of the head into WORD + prefix: "tapos na 3" is TAPOS NA, not TAPOS N + "a".
    for cut in range(len(head), 0, -1):
        if _NUMBER_PREFIX.fullmatch(head, cut) and DONE_TABLE.lookup(head[:cut].rstrip()):
            return f"A-{number}"
    return None


def parse_due(text: str, *, now: datetime, zone: str, owner_zone: str, end_of_day: time) -> datetime:
    """When an item is due: ``friday 5pm`` in ``zone`` (the coordinator's), ``thursday`` or
    ``next tuesday`` (no time: ``end_of_day`` on that day in ``owner_zone``), ``in 2 days``.

    The call-time parser reads the words; a day without a time of day is given ``end_of_day``
    and read on the owner's clocks. ``next WEEKDAY`` is read by dateparser: the first such day
    after today (on a Tuesday, ``next tuesday`` is a week ahead and ``next thursday`` is in two
    days).
    """
    text = _next_weekday(text.strip(), now, zone)
    if _CLOCK_WORD.search(text) or text.lower().startswith("in "):
        return parse_when(text, now=now, default_zone=zone)
    return parse_when(f"{text} {end_of_day:%H:%M}", now=now, default_zone=owner_zone)


def _next_weekday(text: str, now: datetime, zone: str) -> str:
    """``next tuesday 5pm`` -> ``2026-12-08 5pm`` (the date on the clocks of ``zone``)."""
    match = _NEXT_WEEKDAY.search(text)
    if match is None:
        return text
    import dateparser  # here: only commands read dates; the worker's start-up skips it

    local_now = now.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    found = dateparser.parse(f"next {match[1]}", languages=["en"], settings={
        "PREFER_DATES_FROM": "future", "RELATIVE_BASE": local_now})
    if found is None or found.date() <= local_now.date():
        raise InvalidInput(f"I could not read “{match[0]}” as a date.", DUE_EXAMPLE)
    return f"{text[:match.start()]}{found.date().isoformat()}{text[match.end():]}".strip()
