"""The checks every catalog passes, SMS and voice alike: the tests run them on the packaged
catalogs, and ``coordbot catalogs import`` runs them on a translator's file before it writes.

* every key of the English catalog in every language, and no other key;
* the same ``{placeholders}`` as the English text, plain ``{name}`` fields only, none empty;
* the words carriers and the bot act on stay in English: STOP / START, ``DONE {number}``, and
  the answer digits 1, 2, 3 of a call invitation;
* an SMS within its segment budget, rendered with long sample values (a 120-character notice,
  a 100-character task, a date with the year). One non-GSM character makes a whole message UCS-2
  (70 characters a segment, 67 when concatenated, instead of 160 / 153), so the budget is counted
  on the rendered text of each language, not on its length;
* a voice prompt within ``VOICE_LIMIT`` characters: a caller hears it once, on a phone line, and
  the keypad waits after it (for the PIN, or a message call's menu of keys: its longest, the
  RSVP menu naming five keys, is about 15 seconds spoken);
* a cue phrase list (``cue.…``) of at most ``CUE_PHRASES`` phrases separated by ``|``, none
  empty or longer than ``CUE_LENGTH`` characters: never sent, only looked for in transcripts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.i18n.catalog import is_cue, is_slack, is_voice, placeholders, unsupported_placeholder
from bot.sms.rules.segments import segments

SMS_BUDGET = {"incident_notice": 4, "call_invite": 4, "call_rescheduled": 4, "call_reminder": 4,
              "notes_summary": 4, "action_assigned": 4, "action_reminder": 4,
              "action_reassigned": 4, "notes_amended": 4, "notes_review_link": 4}
DEFAULT_SMS_BUDGET = 2
VOICE_LIMIT = 260
CUE_PHRASES = 20
CUE_LENGTH = 60

NOTICE_TEXT = ("Shelters are open at Lincoln High School and the Eastside Community Center. "
               "Bring ID if you have one. Pets may come too.")  # 120 characters
TASK_TEXT = ("Call the three families on Oak Street and tell them that the Eastside shelter has "
             "room for pets now.")  # 100 characters
SAMPLE = {"office": "Civil Rights Coordination Office", "title": "Hurricane Xavier",
          "text": NOTICE_TEXT, "code": "482913"}
CALL_SAMPLE = {**SAMPLE, "text": TASK_TEXT, "when": "Tue 1 Dec 2026, 3:00 PM EST",
               "old_when": "Mon 30 Nov 2026, 3:00 PM EST", "number": "A-3", "due": "Wed 2 Dec",
               "url": "https://meet.example.org/abc",
               # call_series_more: a series' first calls and how many more
               "first": "Tue 1 Dec, Wed 2 Dec 2026, 3:00 PM EST", "count": "12"}
PHONE_SAMPLE = {"number": "+1 202 555 0100", "pin": "482913"}
CALL_FIELDS = {"when", "number", "url", "first"}  # calls and tasks: {text} is a task or a call summary

LAST_LINE_STOP = ("incident_notice", "call_invite", "notes_summary", "notes_amended")
MUST_CONTAIN = {"stop_confirmation": "START", "opted_out_reminder": "START",
                "start_confirmation": "STOP", "help": "STOP",
                "action_assigned": "DONE {number}", "action_reminder": "DONE {number}"}
ANSWER_DIGITS = ("call_invite", "call_rescheduled")


@dataclass(frozen=True)
class Problem:
    key: str
    reason: str


def check_catalog(texts: Mapping[str, str], english: Mapping[str, str]) -> list[Problem]:
    """Every problem of one language's catalog, measured against the English one."""
    found = [Problem(key, "not a message of the English catalog") for key in texts
             if key not in english]
    found += [Problem(key, "missing") for key in english if key not in texts]
    for key, text in texts.items():
        if key in english:
            found += [Problem(key, reason) for reason in check_text(key, text, english[key], texts)]
    return found


def check_text(key: str, text: str, english: str, texts: Mapping[str, str]) -> list[str]:
    """Why ``text`` cannot be the catalog's ``key``; ``texts`` is its whole catalog (an SMS
    with ``{join}`` is measured with that catalog's own ``call_join_phone``)."""
    if not text.strip():
        return ["the text is empty"]
    bad = unsupported_placeholder(text)
    if bad:
        return [f"unsupported placeholder {bad}: use plain {{name}} fields"]
    if placeholders(text) != placeholders(english):
        return [_placeholder_reason(placeholders(text), placeholders(english))]
    if is_cue(key):
        return cue_problems(text)
    reasons = _keywords(key, text)
    if is_voice(key):
        if len(text) > VOICE_LIMIT:
            reasons.append(f"a voice prompt has at most {VOICE_LIMIT} characters, this one "
                           f"{len(text)}")
        return reasons
    if is_slack(key):
        return reasons
    count = segments(text.format(**sample(key, texts))).segments
    budget = SMS_BUDGET.get(key, DEFAULT_SMS_BUDGET)
    if count > budget:
        reasons.append(f"{count} SMS segments with long sample values; at most {budget}")
    return reasons


def cue_problems(text: str) -> list[str]:
    phrases = [phrase.strip() for phrase in text.split("|")]
    reasons = []
    if len(phrases) > CUE_PHRASES:
        reasons.append(f"at most {CUE_PHRASES} cue phrases, this list has {len(phrases)}")
    if any(not phrase for phrase in phrases):
        reasons.append("an empty cue phrase (two | in a row, or one at an end)")
    long = [phrase for phrase in phrases if len(phrase) > CUE_LENGTH]
    if long:
        reasons.append(f"a cue phrase has at most {CUE_LENGTH} characters: {long[0][:80]!r}")
    return reasons


def sample(key: str, texts: Mapping[str, str]) -> dict[str, str]:
    """The long values an SMS is measured with."""
    if key == "call_join_phone":
        return PHONE_SAMPLE
    english_fields = placeholders(texts.get(key, ""))
    if not english_fields & CALL_FIELDS:
        return SAMPLE
    join = texts.get("call_join_phone", "{number} {pin}").format(**PHONE_SAMPLE)
    return {**CALL_SAMPLE, "join": join}


def _placeholder_reason(got: set[str], wanted: set[str]) -> str:
    parts = []
    if wanted - got:
        parts.append("missing " + ", ".join(f"{{{n}}}" for n in sorted(wanted - got)))
    if got - wanted:
        parts.append("unknown " + ", ".join(f"{{{n}}}" for n in sorted(got - wanted)))
    return "placeholders differ from the English text: " + "; ".join(parts)


def _keywords(key: str, text: str) -> list[str]:
    reasons = []
    if key in LAST_LINE_STOP and "STOP" not in text.split("\n")[-1]:
        reasons.append("the last line must say STOP (in English: carriers act on it)")
    if key in MUST_CONTAIN and MUST_CONTAIN[key] not in text:
        reasons.append(f"must contain {MUST_CONTAIN[key]} in English (the bot and carriers "
                       "act on it)")
    if key in ANSWER_DIGITS and re.findall(r"\d", text) != ["1", "2", "3"]:
        reasons.append("must offer the answers 1, 2 and 3, in that order, and no other digit")
    return reasons
