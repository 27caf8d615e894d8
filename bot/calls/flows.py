"""``/incident call …``: schedule, list, show, cancel, reschedule, rsvps."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.calls import text as call_text
from bot.calls.rules.when import parse_schedule, parse_when
from bot.calls.service import calls
from bot.directory.service import people
from bot.dispatch.grammar import SUBCOMMANDS, Invocation, parse_call_action
from bot.dispatch.reply import Reply
from bot.errors import InvalidInput
from bot.i18n.formatting import local_time
from bot.incidents import service as incidents

if TYPE_CHECKING:
    from bot.bootstrap import Container


class CallCommands:
    def __init__(self, container: Container):
        self._c = container

    def run(self, invocation: Invocation, *, user: str, channel: str | None) -> Reply:
        action, rest = parse_call_action(invocation.text)
        if action in ("schedule", "cancel", "reschedule"):
            self._c.roles.require("coordinator", user, "schedule or change calls")
        zone = self._c.slack.user_timezone(user) or self._c.settings.timezone
        now = self._c.clock.now()
        name = self._c.names.lookup(user) if self._c.names and action == "schedule" else None
        with self._c.db.unit_of_work() as uow:
            incident = incidents.find(uow, key=invocation.key, channel_id=channel,
                                      example=SUBCOMMANDS["call"].example)
            people.remember(uow, user, name, now)  # the chair, named in the call's notes
            reply = getattr(self, f"_{action}")(uow, incident, rest, user=user, zone=zone, now=now)
            uow.commit()
        self._c.wakeup.notify()
        return reply

    def _schedule(self, uow, incident, rest: str, *, user: str, zone: str, now) -> Reply:
        request = parse_schedule(rest, now=now, default_zone=zone)
        scheduled = calls.schedule(uow, incident=incident, request=request, actor=user, now=now,
                                   settings=self._c.settings)
        invited = len(uow.calls.invitations(scheduled[0].id))
        first = scheduled[0]
        series = f" and {len(scheduled) - 1} more in the series" if len(scheduled) > 1 else ""
        return _reply(f"Scheduled call {first.number} for {local_time(first.starts_at, zone)}"
                      f"{series}. Inviting {invited} contacts (SMS in their languages, Slack "
                      f"for staff); PIN {first.pin}.")

    def _list(self, uow, incident, rest: str, *, user: str, zone: str, now) -> Reply:
        found = uow.calls.for_incident(incident.id)
        if not found:
            return _reply(f"{incident.key} has no calls yet. "
                          f"`{SUBCOMMANDS['call'].example}` schedules one.")
        return _reply("\n".join([f"*Calls for {incident.key}*",
                                 *(f"• {call_text.call_line(c, zone)}" for c in found)]))

    def _show(self, uow, incident, rest: str, *, user: str, zone: str, now) -> Reply:
        call = calls.find(uow, incident, rest or None, now=now)
        lines = [call_text.call_line(call, zone),
                 call_text.join_text(call, "en", self._c.settings.calls.dial_in_number)]
        if call.agenda:
            lines.append(f"Agenda: {call.agenda}")
        lines.append(call_text.rsvp_summary(call, calls.rsvp_rows(uow, call), zone)
                     .splitlines()[0])
        return _reply("\n".join(lines))

    def _cancel(self, uow, incident, rest: str, *, user: str, zone: str, now) -> Reply:
        call = calls.find(uow, incident, rest or None, now=now)
        calls.cancel(uow, incident=incident, call=call, actor=user, now=now,
                     settings=self._c.settings)
        return _reply(f"Call {call.number} is cancelled; everyone invited is told once.")

    def _reschedule(self, uow, incident, rest: str, *, user: str, zone: str, now) -> Reply:
        number, _, when = rest.partition(" ")
        if not number.lstrip("#").isdigit() or not when.strip():
            raise InvalidInput("Name the call number and the new time.",
                               "/incident call reschedule 2 friday 10:30")
        call = calls.find(uow, incident, number, now=now)
        starts_at = parse_when(when, now=now, default_zone=zone)
        calls.reschedule(uow, incident=incident, call=call, starts_at=starts_at, actor=user,
                         now=now, settings=self._c.settings)
        return _reply(f"Call {call.number} moved to {local_time(starts_at, zone)}; "
                      "everyone invited is told once and asked to answer again.")

    def _rsvps(self, uow, incident, rest: str, *, user: str, zone: str, now) -> Reply:
        call = calls.find(uow, incident, rest or None, now=now)
        return _reply(call_text.rsvp_summary(call, calls.rsvp_rows(uow, call), zone))


def _reply(text: str) -> Reply:
    return Reply(text)
