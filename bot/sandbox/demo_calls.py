"""Demo steps for the coordination call (see ``bot.sandbox.demo``).

The coordinator schedules a call "in 30 minutes" (compressed time): SMS invitations go out in
each contact's language with a calendar file in the channel; contacts RSVP by SMS; the reminder
goes out 20 minutes before; when the bridge opens (10 minutes before) two callers dial in with the
PIN; they hang up, and the bridge stays open: one calls back with the same PIN; once everyone has
left after the scheduled end the attendance is posted. A Spanish speaker answers in a sentence
("Sí, ahí estaré"), which is counted as a yes. Later a daily series is scheduled: each contact
gets one invitation listing every call, all with one PIN.

The call is transcribed for the notes: each caller hears so after the PIN and lets the
announcement pass (pressing 9 would have kept their words out); the Spanish caller then reports
what she sees, and the emulator's transcription events (shuffled, each delivered twice) leave
her lines stored once, under her name, in Spanish.

A contact on a landline (who cannot text) is invited by a phone call instead: the call reads the
invitation in Spanish and she presses 1 to attend.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from datetime import timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rich.panel import Panel
from rich.text import Text

from bot.calls.rules.transcription import speaker_label
from bot.directory.rules.contacts import ContactRecord
from bot.directory.rules.phones import mask
from bot.directory.service import contacts as directory
from bot.i18n.languages import language_name
from bot.i18n.voice import prompt
from bot.sandbox.harness import SMS_NUMBER, wait_until

if TYPE_CHECKING:
    from bot.sandbox.demo import Demo


LANDLINE = "+13055550188"
LANDLINE_CONTACT = ContactRecord(name="Carmen Ortiz", organisation="Iglesia San José",
                                 phone=LANDLINE, language="es", regions=("FL",), channel="voice")


def step_landline_contact(demo: Demo) -> None:
    """A contact whose only phone is a landline: texts to it are refused (Twilio 21614), and the
    directory says to call her (``channel`` voice)."""
    demo.live.twilio.mark_invalid(LANDLINE, 21614)
    container = demo.live.container
    with container.db.unit_of_work() as uow:
        directory.import_records(uow, [LANDLINE_CONTACT], source="demo", actor="demo",
                                 now=container.clock.now())
        uow.commit()
    demo.console.print(f"\n[bold cyan]administrator[/bold cyan] adds {LANDLINE_CONTACT.name} "
                       f"({mask(LANDLINE)}, a landline; Spanish) with channel=voice")
    demo.check(True, "a contact who cannot text is in the directory, to be called")


def step_landline_call(demo: Demo) -> None:
    """The landline rings with the invitation; Carmen hears it in Spanish and presses 1."""
    twilio = demo.live.twilio
    call = wait_until(lambda: next(iter(twilio.calls_to(LANDLINE)), None), timeout_s=30,
                      what="the invitation call to the landline")
    demo.check(not twilio.messages_to(LANDLINE), "no text was sent to the landline")
    session = twilio.answer_call(call.sid)
    said = [s for s in session.spoken if s.verb == "Say"]
    demo.console.print(Panel(Text("\n".join(s.text for s in said)), expand=False,
                             title=f"call to {mask(LANDLINE)} · <Say language=\"{said[0].language}\" "
                                   f"voice=\"{said[0].voice}\"> · read twice"))
    demo.check(said[0].language == "es-US" and said[-1].text == prompt("rsvp_menu", "es"),
               "the invitation is read in Spanish, twice, with the keys to answer")
    demo.console.print(Text.assemble((f"{LANDLINE_CONTACT.name}", "bold magenta"),
                                     " presses ", ("1", "bold")))
    session.press("1")
    demo.console.print(Panel(Text(session.said()[-1]), title="she hears", expand=False))
    with demo.live.container.db.unit_of_work(read_only=True) as uow:
        carmen = uow.contacts.by_phone(LANDLINE)
        rsvp = next(i.rsvp for i in uow.calls.invitations(_the_call(uow).id)
                    if i.contact_id == carmen.id)
    demo.check(rsvp == "yes" and session.ended, "pressing 1 recorded her RSVP: yes")


def step_call(demo: Demo) -> None:
    sent_before = len(demo.live.twilio.messages)
    reply = demo.type_command('call schedule in 30 minutes for 30m agenda "Shelters, water, '
                              'interpreters" transcribe', channel=demo.channel)
    demo.check("Scheduled call 1" in reply, "the call is scheduled and invitations go out")
    demo.check("transcribed for the notes" in reply,
               "it is transcribed; every caller will hear so and may press 9 to decline")
    demo.pin = re.search(r"PIN (\d{6})", reply).group(1)
    twilio = demo.live.twilio
    invited = _invited_by_sms(demo)
    wait_until(lambda: len(twilio.messages) >= sent_before + invited, timeout_s=30,
               what="the SMS invitations")
    invitations = twilio.messages[sent_before:]
    demo.check(len({m.to for m in invitations}) == len(invitations) == invited,
               f"{invited} SMS contacts got exactly one invitation each")
    _show_one_per_language(demo, invitations, "SMS invitations (one per language)")
    files = wait_until(lambda: [f for f in demo.live.emulator.files.values()
                                if f["filename"].endswith(".ics")], timeout_s=20,
                       what="the calendar file")
    demo.check(files, "a calendar file (.ics) is posted in the incident channel")
    demo.invitees = [m.to for m in invitations]


def step_rsvp(demo: Demo) -> None:
    spanish = _invitee(demo, "es")
    vietnamese = _invitee(demo, "vi")
    for phone, body in ((spanish, "Sí, ahí estaré"), (vietnamese, "2")):
        demo.console.print(Text.assemble("\n", (f"contact {mask(phone)}", "bold magenta"),
                                         " texts: ", (body, "bold")))
        reply = ElementTree.fromstring(demo.live.text_in(body, sender=phone).text)
        demo.console.print(Panel(Text(reply.findtext("Message") or "(no reply)"),
                                 title="SMS reply", expand=False))
    rsvps = demo.type_command("call rsvps", channel=demo.channel)
    demo.check("1 yes" in rsvps and "1 no" in rsvps,
               "the RSVPs are counted, the sentence “Sí, ahí estaré” as a yes")
    demo.spanish = spanish


def step_bridge_and_reminder(demo: Demo) -> None:
    twilio = demo.live.twilio
    spanish_texts = lambda: [m for m in twilio.messages_to(demo.spanish)]  # noqa: E731
    wait_until(lambda: len(spanish_texts()) >= 3, timeout_s=30, what="the reminder")
    reminder = spanish_texts()[-1]
    demo.console.print(Panel(Text(reminder.body), expand=False,
                             title=f"reminder · {mask(demo.spanish)}"))
    demo.check(_nobody_joined(demo), "a reminder went out 20 (compressed) minutes before the "
               "call, before anyone joined")
    opens = _bridge_opens(demo)
    wait_until(lambda: demo.live.container.clock.now() >= opens, timeout_s=30,
               what="the bridge to open")
    demo.callers = [_dial_in(demo, phone) for phone in (demo.spanish, _invitee(demo, "ht"))]
    demo.check(all(c.conference for c in demo.callers),
               "callers join the bridge with the PIN once it opens, 10 minutes before the start")


def step_transcribed_report(demo: Demo) -> None:
    """The Spanish caller reports what she sees; Twilio's transcription events for her leg reach
    the bot shuffled and each twice, and her lines are stored once, under her name, in order."""
    twilio, caller = demo.live.twilio, demo.callers[0]
    report = ["En el refugio de Hialeah hay ciento veinte personas.",
              "Necesitamos agua potable y un intérprete de creole para mañana.",
              "Tarea para la Cruz Roja: llevar cien catres al refugio de Hialeah."]
    demo.console.print(Text.assemble("\n", (f"{mask(caller.call.from_)}", "bold magenta"),
                                     " says on the call: ", (" ".join(report), "italic")))
    for line in report:
        twilio.say(caller.call_sid, line, deliver_now=False)
    delivered = twilio.deliver_transcription(order="shuffled", duplicate=True, seed=18)
    demo.check(delivered and all(e["status"] == 204 for e in twilio.transcription_callbacks()),
               "Twilio's transcription events (partials and finals) reach the bot, shuffled "
               "and each twice")
    with demo.live.container.db.unit_of_work(read_only=True) as uow:
        lines = [(s.speaker, s.language, s.text)
                 for s in uow.transcripts.finals_for_call(_the_call(uow).id)]
    demo.console.print(Panel(Text("\n".join(f"{who} [{language}]: {text}"
                                            for who, language, text in lines)),
                             title="what was said (stored for the notes)", expand=False))
    demo.check([text for _, _, text in lines] == report
               and {(who, language) for who, language, _ in lines} == {
                   (_speaker(demo, caller.call.from_), "es-US")},
               "each final line is stored once, in order, under her name and in Spanish")


def step_call_ends(demo: Demo) -> None:
    twilio = demo.live.twilio
    demo.console.print("\nthe callers hang up; the conference empties")
    for caller in demo.callers:
        caller.hang_up()
    twilio.wait_for_voice_callbacks(10)
    demo.check(_call_status(demo) in ("scheduled", "in_progress"),
               "the call is not over: its bridge stays open until the scheduled end")
    again = _dial_in(demo, demo.spanish)
    demo.check(again.conference is not None, "the same PIN works again after everyone hung up")
    again.hang_up()
    twilio.wait_for_voice_callbacks(10)
    messages = demo.live.emulator.channels[demo.channel].messages
    summary = wait_until(lambda: next((m.text for m in messages
                                       if m.text.startswith("*Attendance")), None),
                         timeout_s=60, what="the attendance summary after the scheduled end")
    demo.console.print(Panel(Text(summary), title="incident channel", expand=False))
    demo.check("2 joined" in summary and _call_status(demo) == "completed",
               "at the scheduled end, with everyone gone, attendance is recorded and posted")


def step_series(demo: Demo) -> None:
    twilio = demo.live.twilio
    sent_before = len(twilio.messages)
    office = ZoneInfo(demo.live.container.settings.timezone)
    until = (demo.live.container.clock.now().astimezone(office) + timedelta(days=3)).date()
    reply = demo.type_command("call schedule tomorrow 9am ET for 30m every day until "
                              f"{until:%Y-%m-%d}", channel=demo.channel)
    pin = re.search(r"PIN (\d{6})", reply)
    demo.check(pin is not None and "more in the series" in reply,
               "a daily series is scheduled in plain words")
    expected = _series_sms_invitees(demo)
    wait_until(lambda: len(twilio.messages) >= sent_before + len(expected), timeout_s=30,
               what="the series invitations")
    invitations = [m for m in twilio.messages[sent_before:] if pin[1] in m.body]
    demo.check(sorted(m.to for m in invitations) == sorted(expected),
               f"{len(expected)} SMS contacts got exactly one invitation each for the whole series")
    demo.check(_series_pins(demo) == {pin[1]}, "every call of the series has the one PIN")
    _show_one_per_language(demo, invitations, "series invitations (one per language)")


def _series_calls(uow):
    return [c for c in uow.calls.for_incident(1) if c.series_id is not None]


def _series_sms_invitees(demo: Demo) -> list[str]:
    """The phones of the series' SMS invitees who may be texted (not opted out)."""
    with demo.live.container.db.unit_of_work(read_only=True) as uow:
        first = min(_series_calls(uow), key=lambda c: c.starts_at)
        contacts = uow.contacts.load({i.contact_id for i in uow.calls.invitations(first.id)
                                      if i.channel == "sms"})
        phones = [c.phone for c in contacts.values() if c.phone]
        stopped = uow.sms.opted_out_among(phones)
        return [p for p in phones if p not in stopped]


def _series_pins(demo: Demo) -> set[str]:
    with demo.live.container.db.unit_of_work(read_only=True) as uow:
        return {c.pin for c in _series_calls(uow)}


def _dial_in(demo: Demo, phone: str):
    language = _language_tag(demo, phone)
    caller = demo.live.twilio.place_call(voice_url=f"{demo.live.server.url}/twilio/voice",
                                         from_=phone, to=SMS_NUMBER)
    caller.press(demo.pin)
    if caller.gathering is not None and caller.said()[-1] == prompt("transcribed", language):
        demo.console.print(f"{mask(phone)} hears “{caller.said()[-1]}” and lets it pass")
        caller.no_input()  # transcribed: the default
    demo.console.print(f"{mask(phone)} calls in, hears “{caller.spoken[0].text}”, "
                       f"enters the PIN → in the conference: {caller.conference is not None}")
    return caller


def _the_call(uow):
    return uow.calls.for_incident(1)[0]


def _bridge_opens(demo: Demo):
    before = timedelta(minutes=demo.live.container.settings.calls.bridge_opens_before_min)
    with demo.live.container.db.unit_of_work(read_only=True) as uow:
        return _the_call(uow).starts_at - before


def _call_status(demo: Demo) -> str:
    with demo.live.container.db.unit_of_work(read_only=True) as uow:
        return _the_call(uow).status


def _nobody_joined(demo: Demo) -> bool:
    with demo.live.container.db.unit_of_work(read_only=True) as uow:
        return not uow.calls.attendance(_the_call(uow).id)


def _invited_by_sms(demo: Demo) -> int:
    with demo.live.container.db.unit_of_work() as uow:
        return sum(1 for c in uow.calls.for_incident(1) for i in uow.calls.invitations(c.id)
                   if i.channel == "sms")


def _invitee(demo: Demo, language: str) -> str:
    with demo.live.container.db.unit_of_work() as uow:
        return next(p for p in demo.invitees
                    if (c := uow.contacts.by_phone(p)) and c.language == language)


def _show_one_per_language(demo: Demo, messages: list, title: str) -> None:
    demo.console.rule(title)
    shown: set[str] = set()
    for message in messages:
        language = language_of(demo, message.to)
        if language not in shown and len(shown) < 4:
            shown.add(language)
            demo.console.print(Panel(Text(message.body), expand=False,
                                     title=f"{language} · {mask(message.to)}"))


def _speaker(demo: Demo, phone: str) -> str:
    with demo.live.container.db.unit_of_work(read_only=True) as uow:
        contact = uow.contacts.by_phone(phone)
        return speaker_label(name=contact.name, organisation=contact.organisation, phone=phone)


def _language_tag(demo: Demo, phone: str) -> str:
    with demo.live.container.db.unit_of_work(read_only=True) as uow:
        contact = uow.contacts.by_phone(phone)
        return contact.language if contact else "en"


def language_of(demo: Demo, phone: str) -> str:
    with demo.live.container.db.unit_of_work() as uow:
        contact = uow.contacts.by_phone(phone)
        return language_name(contact.language) if contact else "?"
