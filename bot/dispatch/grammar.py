"""Parsing the text of ``/incident …`` into a subcommand and its arguments."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from bot.actions.rules import parse_action, parse_filter
from bot.directory.rules.regions import parse_regions
from bot.errors import InvalidInput
from bot.incidents.rules import (
    EDITABLE,
    IncidentChanges,
    IncidentDraft,
    IncidentType,
    Severity,
    normalise_key,
)


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str
    example: str
    summary: str
    coordinators_only: bool = False


SUBCOMMANDS: dict[str, Subcommand] = {
    s.name: s
    for s in (
        Subcommand("declare", 'declare [type "title" REGIONS severity=LEVEL summary="…"]',
                   '/incident declare hurricane "Hurricane Xavier" FL,GA severity=high',
                   "Declare an incident (with no text: open a form).", True),
        Subcommand("list", "list [active|closed|all]", "/incident list",
                   "List incidents (active ones by default)."),
        Subcommand("status", "status [KEY]", "/incident status INC-2026-0001",
                   "Show an incident's facts and latest updates."),
        Subcommand("update", "update [KEY] TEXT",
                   "/incident update Shelters open in Tallahassee and Valdosta",
                   "Add an update to the timeline and post it to the channel.", True),
        Subcommand("edit", 'edit [KEY] [severity=LEVEL summary="…" regions=FL,GA type=TYPE]',
                   '/incident edit severity=critical summary="Landfall near Apalachicola at 2am"',
                   "Change the incident's facts: the pinned summary is updated and the change "
                   "announced in the channel (with no fields: open a form).", True),
        Subcommand("close", "close [KEY]", "/incident close INC-2026-0001",
                   "Close an incident (asks for confirmation).", True),
        Subcommand("reopen", "reopen [KEY]", "/incident reopen INC-2026-0001",
                   "Reopen a closed incident.", True),
        Subcommand("contacts", "contacts [KEY] [add|remove|why PHONE-OR-NAME | export]",
                   "/incident contacts why Comunidad Unida",
                   "Who this incident reaches and why; add, remove or export them "
                   "(changes: coordinators)."),
        Subcommand("notify", "notify [KEY] TEXT (then optional `es: …` lines, one per language)",
                   "/incident notify Shelters are open at Lincoln High School.",
                   "Text the incident's SMS contacts, each in their language: always previewed "
                   "first, with a Confirm button when many. A translation line starts with a "
                   "language code of 2-3 letters or a language's name, then a colon (`es:`, "
                   "`Español:`); other colons are ordinary text. Closed incidents get no notices.",
                   True),
        Subcommand("call", "call schedule WHEN [for 1h] [agenda \"…\"] [bridge URL|twilio] "
                           "[every day|weekday|week until DATE] [transcribe [on|off]] | list | "
                           "show [N] | cancel [N] [series] | reschedule N WHEN | rsvps [N] | end N",
                   '/incident call schedule tomorrow 3pm ET for 1h agenda "Shelter needs"',
                   "Coordination calls: schedule (invitations go out by SMS and Slack), list, "
                   "change, RSVPs; `end N` ends a call under way and closes its bridge; `transcribe` has "
                   "the phone bridge transcribed for the notes (each caller may decline) "
                   "(changes: coordinators)."),
        Subcommand("action", 'action [KEY] add OWNER "TEXT" [due WHEN] | done N | reassign N OWNER | '
                             "due N WHEN",
                   '/incident action add @ana "Confirm shelter capacity" due friday 5pm',
                   "Action items, numbered A-1, A-2 …: owners are Slack users, contacts (they get "
                   "an SMS and can reply DONE N) or organisations."),
        Subcommand("actions", "actions [KEY] [open|mine|all]", "/incident actions mine",
                   "List action items (open ones by default)."),
        Subcommand("notes", "notes [KEY] [show [N] | attach [N] TEXT]", "/incident notes",
                   "Call notes: their review status and link; attach a transcript to a call."),
        Subcommand("rsvp", "rsvp [KEY] CONTACT yes|no|maybe [call N]",
                   "/incident rsvp Ana Ruiz yes call 2",
                   "Record the answer of someone who phoned in (contact by name or phone; the "
                   "next call unless N is given).", True),
        Subcommand("optout", "optout CONTACT", "/incident optout +1 202 555 0143",
                   "Stop texting someone who asked by phone; only their texting START undoes it.",
                   True),
        Subcommand("audit", "audit [KEY] [last N]", "/incident audit INC-2026-0001 last 50",
                   "The audit trail: who did what, when, newest last (coordinators and "
                   "officials; outside an incident channel with no key: the whole trail)."),
        Subcommand("hold", "hold [KEY] [release]", "/incident hold INC-2026-0001",
                   "Put an incident on legal hold, or release it: nothing of it is purged "
                   "while held (officials only; recorded in the audit trail)."),
        Subcommand("help", "help", "/incident help", "Show this help."),
    )
}

DECLARE_EXAMPLE = SUBCOMMANDS["declare"].example
EDIT_EXAMPLE = SUBCOMMANDS["edit"].example
LIST_FILTERS = ("active", "closed", "all")


@dataclass(frozen=True)
class Invocation:
    name: str
    key: str | None = None
    text: str = ""


def parse_invocation(text: str) -> Invocation:
    """Split ``/incident`` text into subcommand, optional incident key and the rest.

    An unknown or missing subcommand becomes ``help``.
    """
    text = unescape_slack(text)
    head, _, rest = text.strip().partition(" ")
    name = head.lower()
    if name not in SUBCOMMANDS:
        return Invocation("help", text=text.strip())
    rest = rest.strip()
    key = None
    if name in ("status", "update", "edit", "close", "reopen", "contacts", "notify", "call",
                "action", "actions", "notes", "rsvp", "audit", "hold"):
        first, _, remainder = rest.partition(" ")
        key = normalise_key(first) if first else None
        if key:
            rest = remainder.strip()
    if name in ("update", "notify") and not rest:
        raise InvalidInput(f"Say what the {name if name == 'update' else 'notice'} is.",
                           SUBCOMMANDS[name].example)
    if name == "edit" and rest:
        parse_edit(rest)
    if name == "contacts":
        parse_contacts_action(rest)
    if name == "call":
        parse_call_action(rest)
    if name == "action":
        parse_action(rest)
    if name == "actions":
        parse_filter(rest)
    if name == "rsvp":
        parse_rsvp_request(rest)
    if name == "optout":
        parse_optout(rest)
    if name == "audit":
        parse_last(rest)
    if name == "hold":
        parse_hold(rest)
    if name == "list" and rest and rest.lower() not in LIST_FILTERS:
        raise InvalidInput(f"Unknown list filter {rest!r}: use active, closed or all.",
                           "/incident list all")
    return Invocation(name, key, rest)


CONTACT_ACTIONS = ("add", "remove", "why", "export")
CALL_ACTIONS = ("schedule", "list", "show", "cancel", "reschedule", "rsvps", "end")


def parse_call_action(text: str) -> tuple[str, str]:
    """``"schedule tomorrow 3pm"`` -> ``("schedule", "tomorrow 3pm")``; nothing -> list."""
    action, _, rest = text.strip().partition(" ")
    action = action.lower() or "list"
    if action not in CALL_ACTIONS:
        raise InvalidInput(f"Unknown call action {action!r}: use schedule, list, show, cancel, "
                           "reschedule, rsvps or end.", SUBCOMMANDS["call"].example)
    if action == "end" and not rest.strip().lstrip("#").isdigit():
        raise InvalidInput("Name the call to end by its number (`/incident call list` shows "
                           "them).", "/incident call end 3")
    if action == "reschedule" and not rest.strip():
        raise InvalidInput(f"Say when: `/incident call {action} "
                           f"{'2 ' if action == 'reschedule' else ''}tomorrow 3pm ET`.")
    return action, rest.strip()


def parse_contacts_action(text: str) -> tuple[str, str]:
    """``"why Ana Ruiz"`` -> ``("why", "Ana Ruiz")``; no text -> ``("summary", "")``."""
    action, _, reference = text.strip().partition(" ")
    action = action.lower()
    if not action:
        return "summary", ""
    if action not in CONTACT_ACTIONS:
        raise InvalidInput(f"Unknown contacts action {action!r}: use add, remove, why or export.",
                           SUBCOMMANDS["contacts"].example)
    reference = reference.strip()
    if action != "export" and not reference:
        raise InvalidInput(f"Say who to {action}: a phone number or a contact's name.",
                           f"/incident contacts {action} +1 202 555 0143")
    return action, reference


RSVP_ANSWERS = ("yes", "no", "maybe")
_RSVP_TAIL = re.compile(r"\s+(yes|no|maybe)(?:\s+call\s+#?(\d+))?\s*$", re.IGNORECASE)


def parse_rsvp_request(text: str) -> tuple[str, str, str]:
    """``"Ana Ruiz yes call 2"`` -> ``("Ana Ruiz", "yes", "2")``; no call number -> ``""``."""
    match = _RSVP_TAIL.search(" " + text.strip())
    example = SUBCOMMANDS["rsvp"].example
    if match is None:
        raise InvalidInput("Name the contact, then yes, no or maybe (and optionally `call N`).",
                           example)
    contact = _unquote((" " + text.strip())[:match.start()])
    if not contact:
        raise InvalidInput("Say whose answer it is: a contact's name or phone number.", example)
    return contact, match[1].lower(), match[2] or ""


def parse_optout(text: str) -> str:
    """The contact to opt out, by name or phone number."""
    contact = _unquote(text)
    if not contact:
        raise InvalidInput("Say who to stop texting: a contact's name or phone number.",
                           SUBCOMMANDS["optout"].example)
    return contact


AUDIT_LAST = 20
AUDIT_MOST = 100  # 100 lines of at most ~300 characters stay well under Slack's 40,000 a message


def parse_last(text: str) -> int:
    """``/incident audit``'s count: ``""`` -> 20; ``"last 50"`` or ``"50"`` -> 50; 1-100."""
    example = SUBCOMMANDS["audit"].example
    words = text.strip().lower().split()
    if not words:
        return AUDIT_LAST
    if words[0] == "last":
        words = words[1:]
    if len(words) != 1 or not words[0].isdigit():
        raise InvalidInput(f"Say how many events to show, e.g. `last 50` (not {text.strip()!r}).",
                           example)
    count = int(words[0])
    if not 1 <= count <= AUDIT_MOST:
        raise InvalidInput(f"Show between 1 and {AUDIT_MOST} events; `coordbot audit export` "
                           "gives the whole trail.", example)
    return count


def parse_hold(text: str) -> bool:
    """``""`` -> put on hold; ``"release"`` -> release it."""
    word = text.strip().lower()
    if word not in ("", "release"):
        raise InvalidInput(f"`/incident hold` takes an incident key and optionally `release`, "
                           f"not {text.strip()!r}.", "/incident hold INC-2026-0001 release")
    return word == ""


def _unquote(text: str) -> str:
    return _straighten_quotes(text).strip().strip('"').strip()


def parse_declare(text: str) -> IncidentDraft:
    """``hurricane "Hurricane Xavier" FL,GA severity=high summary="…"`` -> a draft."""
    try:
        words = shlex.split(_straighten_quotes(text))
    except ValueError:
        raise InvalidInput("A quotation mark is not closed.", DECLARE_EXAMPLE) from None
    options = {}
    positional = []
    for word in words:
        name, sep, value = word.partition("=")
        if sep and name.lower() in ("severity", "summary", "regions", "title", "type"):
            options[name.lower()] = value
        elif sep:
            raise InvalidInput(f"Unknown option {name!r}: use severity=, summary= or regions=.",
                               DECLARE_EXAMPLE)
        else:
            positional.append(word)
    if "type" in options:
        positional.insert(0, options.pop("type"))
    if "title" in options:
        positional.insert(1, options.pop("title"))
    if len(positional) < 2:
        raise InvalidInput("Give the incident type, a title in quotes, and the affected regions.",
                           DECLARE_EXAMPLE)
    regions_text = " ".join(positional[2:]) + " " + options.get("regions", "")
    return IncidentDraft(
        type=IncidentType.parse(positional[0], example=DECLARE_EXAMPLE),
        title=positional[1].strip(),
        regions=parse_regions(regions_text, example=DECLARE_EXAMPLE),
        severity=Severity.parse(options.get("severity", "moderate"), example=DECLARE_EXAMPLE),
        summary=options.get("summary", "").strip(),
    )


def parse_edit(text: str) -> IncidentChanges:
    """``severity=critical summary="…" regions=FL,GA type=flood`` -> the changes asked for.

    Every field is checked before anything is returned, so a mistake changes nothing.
    """
    fields = ", ".join(f"{name}=" for name in EDITABLE)
    try:
        words = shlex.split(_straighten_quotes(text))
    except ValueError:
        raise InvalidInput("A quotation mark is not closed.", EDIT_EXAMPLE) from None
    if not words:
        raise InvalidInput(f"Say what to change: {fields}.", EDIT_EXAMPLE)
    given: dict[str, str] = {}
    for word in words:
        name, sep, value = word.partition("=")
        name = name.lower()
        if not sep:
            raise InvalidInput(f"Write each change as field=value ({fields}), not {word!r}; "
                               "put a summary in quotes.", EDIT_EXAMPLE)
        if name not in EDITABLE:
            raise InvalidInput(f"Unknown field {name!r}: you can edit {fields}.", EDIT_EXAMPLE)
        if name in given:
            raise InvalidInput(f"Give {name}= once.", EDIT_EXAMPLE)
        given[name] = value.strip()
    return changes_from(given, example=EDIT_EXAMPLE)


def changes_from(given: dict[str, str], *, example: str) -> IncidentChanges:
    """Typed changes from ``{field: text}`` (the command's words or the form's fields)."""
    return IncidentChanges(
        severity=Severity.parse(given["severity"], example=example) if "severity" in given
        else None,
        summary=given.get("summary"),
        regions=parse_regions(given["regions"], example=example) if "regions" in given else None,
        type=IncidentType.parse(given["type"], example=example) if "type" in given else None,
    )


_AUTO_LINK = re.compile(r"<(?:mailto|tel):[^|>]*\|([^>]*)>")


def unescape_slack(text: str) -> str:
    """Slack's command text: ``&amp;`` ``&lt;`` ``&gt;`` encoded, e-mails and phones auto-linked.

    Mentions (``<@U123|ana>``) and web links (``<https://…>``) are kept for the parsers that read
    them; an auto-linked phone number or e-mail address becomes the text the person typed.
    """
    text = _AUTO_LINK.sub(r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _straighten_quotes(text: str) -> str:
    # Slack clients often turn typed quotes into typographic ones.
    return text.translate(str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"}))
