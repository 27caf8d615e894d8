"""What people read about calls: Slack posts, join lines, the attendance summary, the .ics file."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from itertools import groupby
from zoneinfo import ZoneInfo

import phonenumbers

from bot.db.models import Call, Contact, Incident
from bot.i18n.catalog import render
from bot.i18n.rules import clock, days_in_a_row, join, local_time
from bot.slack_ui.text import escape


def join_text(call: Call, language: str, dial_in: str) -> str:
    if call.bridge == "twilio":
        number = phonenumbers.format_number(phonenumbers.parse(dial_in),
                                            phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        return render("call_join_phone", language, number=number, pin=call.pin)
    return render("call_join_link", language, url=call.bridge)


def rsvp_confirmation(answer: str, call: Call, contact: Contact) -> str:
    """The thank-you for an answer, in the contact's language and time zone."""
    return render(f"rsvp_{answer}", contact.language,
                  when=local_time(call.starts_at, contact.timezone, contact.language))


def without_stop_line(text: str) -> str:
    """An SMS text for a Slack direct message: its last line, "Reply STOP …", means nothing
    there (every catalog's ``call_invite`` ends with that line)."""
    head, _, last = text.rpartition("\n")
    return head if head and "STOP" in last else text


def occurrences(starts: Sequence[datetime], zone: str, language: str = "en") -> str:
    """A series' starts on the clocks of ``zone`` for a reader of ``language``, grouped by time
    of day: ``Sat 28 Nov, Sun 29 Nov, Mon 30 Nov 2026, 3:00 PM EST`` (``; `` between groups, as
    when a DST change moves the abbreviation). One start is written as ``local_time`` writes
    it."""
    if len(starts) == 1:
        return local_time(starts[0], zone, language)
    return starts_listed(starts, zone, language)


def starts_listed(starts: Sequence[datetime], zone: str, language: str) -> str:
    """Starts as a list of short dates, grouped by time of day (``occurrences`` but for one
    start too: ``Thu 1 Oct 2026, 1:30 AM EEST``)."""
    local = [start.astimezone(ZoneInfo(zone)) for start in starts]
    groups = []
    for at, days in groupby(local, key=lambda moment: clock(moment, language)):
        groups.append(join(days_in_a_row([day.date() for day in days], language), at, language))
    return "; ".join(groups)


def occurrences_that_fit(starts: Sequence[datetime], zone: str, language: str,
                         fits: Callable[[str], bool]) -> str:
    """``occurrences`` when the message it goes into ``fits`` with it; else the first starts
    (short dates) and "and N more" (``call_series_more``), listing as many as fit and at least
    the first: an invitation within ``sms.max_segments`` in every language however long the
    series (each later call is announced again before it, ``calls.series_notice_before_min``).
    Where even that is too long (a very long title), the first call and the count are sent."""
    full = occurrences(starts, zone, language)
    if len(starts) == 1 or fits(full):
        return full
    for listed in range(len(starts) - 1, 0, -1):
        text = render("call_series_more", language, first=starts_listed(starts[:listed], zone, language),
                      count=str(len(starts) - listed))
        if fits(text):
            return text
    return text


def renumbered(moved: Sequence[tuple[int, int]]) -> str:
    """``moved``: (former number, new number) of calls whose number changed."""
    if not moved:
        return ""
    return ("Calls are numbered by time, so later ones moved up: "
            + ", ".join(f"call {old} is now call {new}" for old, new in sorted(moved)) + ".")


def call_line(call: Call, zone: str) -> str:
    state = "" if call.status == "scheduled" else f" ({call.status.replace('_', ' ')})"
    return f"Call {call.number}: {local_time(call.starts_at, zone)}, {call.duration_min} min{state}"


def announcement(incident: Incident, calls: Sequence[Call], zone: str, dial_in: str,
                 ics_url: str | None, moved: Sequence[tuple[int, int]] = ()) -> str:
    """The channel post for a call or a series (which has one PIN for every call)."""
    first = calls[0]
    lines = [f":telephone_receiver: *Coordination call for {incident.key}: "
             f"{escape(incident.title)}*",
             *(f"• {call_line(c, zone)}" for c in calls[:10])]
    if len(calls) > 10:
        lines.append(f"• … and {len(calls) - 10} more")
    lines.append(join_text(first, "en", dial_in)
                 + (" The same PIN works for every call in the series." if len(calls) > 1
                    and first.bridge == "twilio" else ""))
    if moved:
        lines.append(renumbered(moved))
    if first.agenda:
        lines.append(f"Agenda: {escape(first.agenda)}")
    if ics_url:
        lines.append(f"Add to calendar: {ics_url}")
    lines.append("Invitations go to the incident's audience (SMS in each contact's language)"
                 + (": one per contact listing every call, then each call is announced before "
                    "it." if len(calls) > 1 else "."))
    return "\n".join(lines)


def calendar_comment(incident: Incident, calls: Sequence[Call], zone: str) -> str:
    """The line posted with a calendar file: what it is and what opening it does."""
    live = [c for c in calls if c.status != "cancelled"]
    series = len(calls) > 1
    what = (f"calls {calls[0].number}–{calls[-1].number}" if series
            else f"call {calls[0].number}")
    if not live:
        return (f":calendar: Cancellation for {incident.key} {what}: open this file to remove "
                f"{'them' if series else 'it'} from your calendar.")
    when = _when(live, zone)
    changed = any(c.version > 1 for c in calls) or len(live) < len(calls)
    verb = "Updated calendar file" if changed else "Calendar file"
    return (f":calendar: {verb} for {incident.key} {what} ({when}): open it to "
            f"{'update' if changed else 'add'} the call{'s' if series else ''} in your calendar, "
            "with the dial-in number, PIN and a reminder.")


def _when(calls: Sequence[Call], zone: str) -> str:
    return occurrences([c.starts_at for c in calls], zone) if len(calls) <= 10 else (
        f"{len(calls)} calls from {local_time(calls[0].starts_at, zone)}")


def change_post(call: Call, zone: str, *, cancelled: bool, old_start=None) -> str:
    if cancelled:
        return f":x: Call {call.number} on {local_time(call.starts_at, zone)} is cancelled."
    return (f":arrows_counterclockwise: Call {call.number} moved from "
            f"{local_time(old_start, zone)} to {local_time(call.starts_at, zone)}.")


def rsvp_summary(call: Call, rows: Sequence[tuple[str, str, str]], zone: str) -> str:
    """``rows``: (name, channel, rsvp)."""
    counts = {answer: sum(1 for r in rows if r[2] == answer)
              for answer in ("yes", "maybe", "no", "pending")}
    lines = [f"*RSVPs for call {call.number}* ({local_time(call.starts_at, zone)}): "
             f"{counts['yes']} yes, {counts['maybe']} maybe, {counts['no']} no, "
             f"{counts['pending']} no answer"]
    for answer in ("yes", "maybe", "no", "pending"):
        names = [escape(name) for name, _, rsvp in rows if rsvp == answer]
        if names:
            lines.append(f"*{answer}:* {', '.join(names[:40])}"
                         + (f" … (+{len(names) - 40})" if len(names) > 40 else ""))
    return "\n".join(lines)


def attendance_summary(call: Call, joined: Sequence[tuple[str, int]], rsvp_yes: Sequence[str],
                       absent: Sequence[str], zone: str, *, declined: Sequence[str] = (),
                       maybe: Sequence[str] = ()) -> str:
    """``joined``: (name, minutes on the line). Those who answered no (``declined``) or maybe
    and did not join are listed as such, not among the absent (``absent``: no answer, or a yes
    and not seen on the line)."""
    answers = [("Declined", declined), ("Said maybe, did not join", maybe)]
    if call.bridge != "twilio":
        lines = [f"*Attendance, call {call.number}* ({local_time(call.starts_at, zone)}): "
                 f"held on an external bridge, so who joined was not recorded; "
                 f"{len(rsvp_yes)} said yes, {len(declined)} declined."]
        return "\n".join(lines + _named([("Said yes", rsvp_yes), *answers]))
    lines = [f"*Attendance, call {call.number}* ({local_time(call.starts_at, zone)}): "
             f"{len(joined)} joined, {len(rsvp_yes)} said yes, {len(declined)} declined, "
             f"{len(absent)} invited and absent"]
    if joined:
        lines.append("*Joined:* " + ", ".join(f"{escape(n)} ({m} min)" for n, m in joined))
    return "\n".join(lines + _named([("Said yes", rsvp_yes), *answers,
                                     ("Invited, did not join", absent)]))


def _named(groups: Sequence[tuple[str, Sequence[str]]]) -> list[str]:
    """``*Title:* a, b`` for each group with someone in it (at most 60 names each)."""
    return [f"*{title}:* " + ", ".join(escape(n) for n in names[:60])
            for title, names in groups if names]
