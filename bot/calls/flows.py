"""What each call command does; the dispatcher runs them (role, transaction, reply).

Times are read and shown in the user's Slack time zone, looked up before the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.calls import commands as call_commands
from bot.calls import text as call_text
from bot.calls.commands import CancelCall, ListCalls, RescheduleCall, ScheduleCall, ShowCall, ShowRsvps
from bot.calls.rules.when import parse_schedule, parse_when
from bot.calls.service import calls, conference, series
from bot.directory.service import people
from bot.dispatch.dispatcher import Actor, Context, Ports, Route
from bot.dispatch.grammar import SUBCOMMANDS
from bot.dispatch.reply import Reply, queued
from bot.i18n.rules import local_time
from bot.incidents.where import incident_for as find
from bot.slack_ui.text import escape


@dataclass(frozen=True)
class Asked:
    zone: str
    name: str | None = None


def _zone(command, actor: Actor, ports: Ports) -> Asked:
    return Asked(ports.zone_of(actor.user))


def _zone_and_name(command, actor: Actor, ports: Ports) -> Asked:
    """The chair's zone, and their name for the call's notes."""
    return Asked(ports.zone_of(actor.user), ports.name_of(actor.user))


def schedule(command: ScheduleCall, context: Context) -> Reply:
    asked: Asked = context.prepared
    uow, now = context.uow, context.now
    incident = find(context, command.key, "call")
    people.remember(uow, context.user, asked.name, now)
    request = parse_schedule(command.text, now=now, default_zone=asked.zone)
    before = _numbers(context, incident.id)
    scheduled = calls.schedule(uow, incident=incident, request=request, actor=context.user,
                               now=now, settings=context.settings)
    first = scheduled[0]
    invited = len(uow.calls.invitations(first.id))
    series_note = (f" and {len(scheduled) - 1} more in the series (one invitation each, "
                   "listing them all; one PIN for every call)" if len(scheduled) > 1 else "")
    lead = (f"Scheduled call {first.number} for {local_time(first.starts_at, asked.zone)}"
            f"{series_note}; PIN {first.pin}. Invitations to {invited} contacts are queued (SMS "
            f"in their languages, Slack for staff).{_transcribed(first)}"
            f"{_moved(context, incident.id, before)}")
    return queued(lead, key=calls.ics_key(scheduled), what="the calendar file",
                  channel=incident.channel_id)


def _transcribed(call) -> str:
    return (" It is transcribed for the notes: every caller hears so and may press 9 to join "
            "without being transcribed." if call.transcribe else "")


def _numbers(context: Context, incident_id: int) -> dict[int, int]:
    return {c.id: c.number for c in context.uow.calls.for_incident(incident_id)}


def _moved(context: Context, incident_id: int, before: dict[int, int]) -> str:
    """`` Calls are numbered by time …`` when calls that existed ``before`` were renumbered."""
    after = _numbers(context, incident_id)
    moved = [(old, after[i]) for i, old in before.items() if after.get(i, old) != old]
    return f" {call_text.renumbered(moved)}" if moved else ""


def list_calls(command: ListCalls, context: Context) -> Reply:
    incident = find(context, command.key, "call")
    found = context.uow.calls.for_incident(incident.id)
    if not found:
        return Reply(f"{incident.key} has no calls yet. "
                     f"`{SUBCOMMANDS['call'].example}` schedules one.")
    zone = context.prepared.zone
    return Reply("\n".join([f"*Calls for {incident.key}*",
                            *(f"• {call_text.call_line(c, zone)}" for c in found)]))


def show(command: ShowCall, context: Context) -> Reply:
    incident = find(context, command.key, "call")
    call = calls.find(context.uow, incident, command.reference or None, now=context.now)
    zone = context.prepared.zone
    lines = [call_text.call_line(call, zone),
             call_text.join_text(call, "en", context.settings.calls.dial_in_number)]
    if call.agenda:
        lines.append(f"Agenda: {escape(call.agenda)}")
    lines.append(call_text.rsvp_summary(call, calls.rsvp_rows(context.uow, call), zone)
                 .splitlines()[0])
    return Reply("\n".join(lines))


def cancel(command: CancelCall, context: Context) -> Reply:
    """``cancel [N]``, or ``cancel [N] series`` for every call of N's series still to come."""
    incident = find(context, command.key, "call")
    words = command.reference.split()
    whole = any(w.lower() == "series" for w in words)
    reference = " ".join(w for w in words if w.lower() != "series")
    call = calls.find(context.uow, incident, reference or None, now=context.now)
    if whole:
        cancelled = series.cancel_series(context.uow, incident=incident, call=call,
                                         actor=context.user, now=context.now,
                                         settings=context.settings)
        return Reply(f"Calls {', '.join(str(c.number) for c in cancelled)} are cancelled; "
                     "everyone invited is told once.")
    calls.cancel(context.uow, incident=incident, call=call, actor=context.user, now=context.now,
                 settings=context.settings)
    return Reply(f"Call {call.number} is cancelled; a message to everyone invited is queued "
                 "(each is told once).")


def reschedule(command: RescheduleCall, context: Context) -> Reply:
    zone = context.prepared.zone
    incident = find(context, command.key, "call")
    call = calls.find(context.uow, incident, command.number, now=context.now)
    starts_at = parse_when(command.when, now=context.now, default_zone=zone)
    before = _numbers(context, incident.id)
    calls.reschedule(context.uow, incident=incident, call=call, starts_at=starts_at,
                     actor=context.user, now=context.now, settings=context.settings)
    return Reply(f"Call {before[call.id]} moved to {local_time(starts_at, zone)}; a message to "
                 "everyone invited is queued (each is told once and asked to answer again)."
                 f"{_moved(context, incident.id, before)}")


def end(command: call_commands.EndCall, context: Context) -> Reply:
    """``end N``: the call is over now, its bridge closed for everyone still on it."""
    asked: Asked = context.prepared
    incident = find(context, command.key, "call")
    call = calls.find(context.uow, incident, command.number, now=context.now)
    people.remember(context.uow, context.user, asked.name, context.now)
    by = asked.name or people.name_of(context.uow, context.user)
    on_line = conference.end_by_coordinator(context.uow, incident=incident, call=call,
                                            actor=context.user, by=by, now=context.now,
                                            settings=context.settings)
    bridge = (f" The bridge is closing for the {on_line} still on the line." if on_line
              else " Nobody was on the line.") if call.bridge == "twilio" else ""
    return Reply(f"Call {call.number} ended at {local_time(context.now, asked.zone)}.{bridge} "
                 "Its reminders and dial-outs are cancelled; the attendance summary and the "
                 "notes draft follow in the channel.")


def rsvps(command: ShowRsvps, context: Context) -> Reply:
    incident = find(context, command.key, "call")
    call = calls.find(context.uow, incident, command.reference or None, now=context.now)
    return Reply(call_text.rsvp_summary(call, calls.rsvp_rows(context.uow, call),
                                        context.prepared.zone))


CHANGE = ("coordinator", "schedule or change calls")
ROUTES = (
    Route(ScheduleCall, schedule, *CHANGE, before=_zone_and_name),
    Route(ListCalls, list_calls, read_only=True, before=_zone),
    Route(ShowCall, show, read_only=True, before=_zone),
    Route(CancelCall, cancel, *CHANGE),
    Route(RescheduleCall, reschedule, *CHANGE, before=_zone),
    Route(ShowRsvps, rsvps, read_only=True, before=_zone),
    Route(call_commands.EndCall, end, "coordinator", "end calls", before=_zone_and_name),
)
