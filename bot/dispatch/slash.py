"""``/incident`` text -> one typed command, in the ack path (pure and fast).

Mistakes in the text are raised here, so the ack itself tells the person what is wrong; the
command that comes out is what the worker process runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.actions.commands import AddAction, ListActions, MarkActionDone, ReassignAction, SetActionDue
from bot.actions.rules import ADD, DONE, REASSIGN, parse_action, parse_filter
from bot.calls.commands import (
    CancelCall,
    EndCall,
    ListCalls,
    RescheduleCall,
    ScheduleCall,
    ShowCall,
    ShowRsvps,
)
from bot.directory.commands import ChangeAudience, ExplainContact, ExportAudience, ShowAudience
from bot.directory.rules.audience import ADD as AUDIENCE_ADD
from bot.directory.rules.audience import REMOVE as AUDIENCE_REMOVE
from bot.dispatch.grammar import (
    Invocation,
    parse_call_action,
    parse_contacts_action,
    parse_declare,
    parse_edit,
    parse_hold,
    parse_last,
    parse_optout,
    parse_rsvp_request,
)
from bot.errors import InvalidInput
from bot.incidents.commands import (
    AskToClose,
    DeclareIncident,
    EditIncident,
    ListIncidents,
    PostUpdate,
    ReopenIncident,
    ShowIncident,
)
from bot.notes.commands import AttachTranscript, ShowNotes, ShowNotesStatus
from bot.notes.rules.subcommand import parse_notes_action
from bot.records.commands import SetLegalHold, ShowAudit
from bot.sms.commands import DraftNotice, OptOutByHand, RecordRsvpByHand
from bot.sms.rules.notice_text import parse_notice


def _contacts(invocation: Invocation) -> Any:
    action, reference = parse_contacts_action(invocation.text)
    key = invocation.key
    if action in (AUDIENCE_ADD, AUDIENCE_REMOVE):
        return ChangeAudience(key, action, reference)
    if action == "why":
        return ExplainContact(key, reference)
    if action == "export":
        return ExportAudience(key)
    return ShowAudience(key)


def _call(invocation: Invocation) -> Any:
    action, rest = parse_call_action(invocation.text)
    key = invocation.key
    if action == "schedule":
        return ScheduleCall(key, rest)
    if action == "reschedule":
        number, _, when = rest.partition(" ")
        if not number.lstrip("#").isdigit() or not when.strip():
            raise InvalidInput("Name the call number and the new time.",
                               "/incident call reschedule 2 friday 10:30")
        return RescheduleCall(key, number, when.strip())
    return {"list": ListCalls(key), "show": ShowCall(key, rest), "cancel": CancelCall(key, rest),
            "rsvps": ShowRsvps(key, rest), "end": EndCall(key, rest)}[action]


def _action(invocation: Invocation) -> Any:
    request, key = parse_action(invocation.text), invocation.key
    if request.verb == ADD:
        return AddAction(key, request.owner, request.text, request.due or "")
    if request.verb == DONE:
        return MarkActionDone(key, request.number)
    if request.verb == REASSIGN:
        return ReassignAction(key, request.number, request.owner)
    return SetActionDue(key, request.number, request.due)


def _notify(invocation: Invocation) -> DraftNotice:
    parse_notice(invocation.text)  # a mistyped language line is refused in the ack, before any work
    return DraftNotice(invocation.key, invocation.text)


def _notes(invocation: Invocation) -> Any:
    action, number, rest = parse_notes_action(invocation.text)
    if action == "attach":
        return AttachTranscript(invocation.key, number, rest)
    if action == "show":
        return ShowNotes(invocation.key, number)
    return ShowNotesStatus(invocation.key)


BUILDERS: dict[str, Callable[[Invocation], Any]] = {
    "declare": lambda i: DeclareIncident(parse_declare(i.text)),
    "list": lambda i: ListIncidents(i.text or "active"),
    "status": lambda i: ShowIncident(i.key),
    "update": lambda i: PostUpdate(i.key, i.text),
    "edit": lambda i: EditIncident(i.key, parse_edit(i.text)),
    "close": lambda i: AskToClose(i.key),
    "reopen": lambda i: ReopenIncident(i.key),
    "contacts": _contacts,
    "notify": _notify,
    "call": _call,
    "action": _action,
    "actions": lambda i: ListActions(i.key, parse_filter(i.text)),
    "notes": _notes,
    "rsvp": lambda i: RecordRsvpByHand(i.key, *parse_rsvp_request(i.text)),
    "optout": lambda i: OptOutByHand(parse_optout(i.text)),
    "audit": lambda i: ShowAudit(i.key, parse_last(i.text)),
    "hold": lambda i: SetLegalHold(i.key, parse_hold(i.text)),
}


def command_for(invocation: Invocation) -> Any:
    """The typed command for a parsed ``/incident`` (not ``help``, answered in the ack)."""
    return BUILDERS[invocation.name](invocation)
