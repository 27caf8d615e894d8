"""``coordbot demo``: the real web app on a fresh SQLite database, against the Slack emulator.

It plays a coordinator (and a bystander, and SMS contacts) sending signed requests exactly as
Slack and Twilio would: declares an incident, imports the sample directory, shows the audience,
refuses a notice with a mistyped language line, previews a notice and sends it in each
contact's language through the Twilio emulator, posts it in the incident channel, answers STOP and
HELP replies, answers an unknown number that texted in Spanish from Slack (Reply, in Spanish),
follows the delivery summary, edits the incident's facts, and closes the incident
(the pinned summary says Closed, the next call is cancelled). It checks
that every step did what it should, and prints a transcript of what Slack would show.
"""

from __future__ import annotations

import csv
import re
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from bot.config import Settings
from bot.directory.rules.phones import mask
from bot.directory.service.files import import_file
from bot.incidents.blocks import CLOSE_CONFIRM_ACTION
from bot.sandbox import demo_calls, demo_conversations, demo_notes
from bot.sandbox.harness import Live, live_app, wait_until
from bot.sandbox.slack import SlackEmulator
from bot.sms.blocks import NOTICE_CONFIRM_ACTION

COORDINATOR = "U0COORD01"
BYSTANDER = "U0GUEST01"
CLOCK_SPEED = 120.0
SAMPLE_CONTACTS = Path(__file__).resolve().parents[2] / "examples" / "contacts.csv"
NOTICE = ("notify Shelters are open at Lincoln High School and Hope Church. Bring ID and "
          "medicine.\nes: Los refugios están abiertos en Lincoln High School y Hope Church. "
          "Traiga identificación y medicinas.")
MISTYPED_NOTICE = "notify Shelters are open at Hope Church.\nsp: Los refugios están abiertos."
DECLARE = ('declare hurricane "Hurricane Xavier" FL,GA,PR severity=high '
           'summary="Category 3 landfall expected near Apalachicola Thursday night."')


class DemoFailure(Exception):
    pass


class Demo:
    def __init__(self, live: Live, console: Console):
        self.live = live
        self.console = console
        self.coordinator = COORDINATOR
        self.channel: str | None = None
        self.pin = ""
        self.spanish = ""
        self.invitees: list[str] = []
        self.callers: list = []

    def check(self, condition: object, what: str) -> None:
        if not condition:
            raise DemoFailure(what)
        self.console.print(f"   [green]✓[/green] {what}")

    def type_command(self, text: str, *, user: str = COORDINATOR, channel: str = "CGENERAL01") -> str:
        who = "coordinator" if user == COORDINATOR else "guest"
        self.console.print(Text.assemble("\n", (who, "bold cyan"), " types: ",
                                         (f"/incident {text}", "bold")))
        response, url = self.live.command(text, user=user, channel=channel)
        self.check(response.status_code == 200, f"Slack got its ack (HTTP {response.status_code})")
        # Help and malformed text are answered in the ack; the rest through the response_url.
        reply = _visible(response.json() if response.content else self.live.wait_response(url))
        self.console.print(Panel(Text(reply), title="only visible to you", expand=False))
        return reply

    def settle(self) -> None:
        wait_until(lambda: self._outbox_idle(), timeout_s=20, what="the outbox to drain")

    def _outbox_idle(self) -> bool:
        with self.live.container.db.unit_of_work() as uow:
            counts = uow.outbox.count_by_status()
        return not any(counts.get(status) for status in ("pending", "sending", "unknown"))


def _visible(payload: dict) -> str:
    """What Slack shows of a reply: the section texts of its blocks, else its text."""
    sections = [b["text"]["text"] for b in payload.get("blocks") or []
                if b.get("type") == "section" and b.get("text")]
    buttons = [e["text"]["text"] for b in payload.get("blocks") or [] if b.get("type") == "actions"
               for e in b["elements"]]
    if not sections:
        return payload["text"]
    return "\n".join(sections) + ("\n" + "  ".join(f"[{b}]" for b in buttons) if buttons else "")


def run_demo(keep_database: Path | None = None) -> int:
    console = Console(highlight=False)
    with tempfile.TemporaryDirectory(prefix="coordbot-demo-") as workdir:
        path = keep_database or Path(workdir) / "demo.db"
        path.unlink(missing_ok=True)
        # A low threshold so that the notice shows the preview-and-confirm step.
        # The compressed clock runs 120 times faster: the call "in 30 minutes" starts in 15 s,
        # its reminder, 20 minutes before, goes out 5 s after scheduling, its bridge opens 10 s
        # after scheduling and its 30 minutes end 30 s after scheduling.
        settings = Settings(database={"url": f"sqlite:///{path}"}, timezone="America/New_York",
                            sms={"confirm_threshold": 10, "rate_per_s": 0},
                            calls={"reminder_offsets_min": [20]},
                            roles={"officials": [demo_notes.OFFICIAL]},
                            notes={"sms_summary": True},
                            scheduler={"tick_s": 0.2}, outbox={"poll_interval_s": 0.2},
                            sandbox_clock={"origin": datetime.now(UTC), "speed": CLOCK_SPEED})
        console.rule("[bold]coordbot demo[/bold] — local Slack emulator, fresh SQLite database")
        with live_app(settings, coordinators=[COORDINATOR], prepare=_seed) as live:
            demo = Demo(live, console)
            try:
                for step in STEPS:
                    step(demo)
            except (DemoFailure, AssertionError) as failure:
                console.print(f"\n[bold red]✗ demo failed:[/bold red] {failure}")
                return 1
            _print_slack(console, live.emulator)
    console.print("\n[bold green]Every step did what it should.[/bold green]")
    return 0


def _seed(emulator: SlackEmulator) -> dict:
    emulator.add_user(COORDINATOR, name="maria.coordinator", real_name="Maria Alvarez")
    emulator.add_user(BYSTANDER, name="sam.guest", real_name="Sam Guest")
    with SAMPLE_CONTACTS.open(encoding="utf-8") as handle:  # staff in the sample are on Slack
        for row in csv.DictReader(handle):
            if row.get("slack_user_id"):
                emulator.add_user(row["slack_user_id"], name=row["name"].lower().replace(" ", "."),
                                  real_name=row["name"], tz=row.get("timezone") or "America/New_York")
    emulator.add_channel("general", members=[COORDINATOR, BYSTANDER])
    return demo_notes.seed(emulator)


def step_health(demo: Demo) -> None:
    response = demo.live.http.get(f"{demo.live.server.url}/healthz")
    demo.console.print(f"GET /healthz → {response.status_code} {response.text}")
    demo.check(response.status_code == 200, "the web app is healthy")


def step_help(demo: Demo) -> None:
    reply = demo.type_command("help", user=BYSTANDER)
    demo.check("/incident declare" in reply, "help lists every subcommand with an example")


def step_declare(demo: Demo) -> None:
    reply = demo.type_command(DECLARE)
    demo.check("Declared" in reply, "the incident is declared")
    demo.settle()
    with demo.live.container.db.unit_of_work() as uow:
        incident = uow.incidents.list()[0]
        demo.channel = incident.channel_id
    channel = demo.live.emulator.channels.get(demo.channel or "")
    demo.check(channel is not None, f"a channel #{channel.name if channel else '?'} was created")
    demo.check(COORDINATOR in channel.members, "the coordinator was invited")
    demo.check(channel.pins, "the incident summary is pinned")
    announcements = demo.live.emulator.channel_by_name("incident-announcements")
    demo.check(announcements.messages, "the announcements channel got a line")


def step_refusal(demo: Demo) -> None:
    reply = demo.type_command("update Everything is fine", user=BYSTANDER, channel=demo.channel)
    demo.check("Only coordinators" in reply, "a non-coordinator is refused, with the reason")


def step_malformed(demo: Demo) -> None:
    reply = demo.type_command('declare hurricane "Hurricane Yolanda" XY')
    demo.check("Unknown region" in reply and "Example" in reply,
               "malformed text gets what was wrong and an example")


def step_update(demo: Demo) -> None:
    reply = demo.type_command("update Shelters open in Tallahassee and Valdosta; "
                              "Spanish and Haitian Creole interpreters requested.",
                              channel=demo.channel)
    demo.check("Update added" in reply, "the update is on the timeline")
    demo.settle()
    messages = demo.live.emulator.channels[demo.channel].messages
    demo.check(any("Shelters open" in m.text for m in messages), "the update is in the channel")


def step_edit(demo: Demo) -> None:
    reply = demo.type_command('edit severity=critical summary="Landfall near Apalachicola at 2am"',
                              channel=demo.channel)
    demo.check("Severity high → critical" in reply, "the facts are changed")
    demo.settle()
    demo.check("Critical" in _pinned(demo) and "Apalachicola" in _pinned(demo),
               "the pinned summary shows the new facts")
    messages = demo.live.emulator.channels[demo.channel].messages
    demo.check(any("Severity high → critical" in m.text and "by Maria Alvarez" in m.text
                   for m in messages), "the change is announced in the channel, by name")


def _pinned(demo: Demo) -> str:
    """The pinned summary's blocks as text, as Slack shows them now."""
    channel = demo.live.emulator.channels[demo.channel]
    pinned = [m for m in channel.messages if m.ts in channel.pins]
    return " ".join(str(block) for m in pinned for block in m.blocks or [])


def step_list_and_status(demo: Demo) -> None:
    demo.check("Hurricane Xavier" in demo.type_command("list", user=BYSTANDER),
               "anyone can list incidents")
    demo.check("Shelters open" in demo.type_command("status", channel=demo.channel),
               "status shows the latest updates")


def step_close(demo: Demo) -> None:
    scheduled = demo.type_command("call schedule tomorrow 3pm ET", channel=demo.channel)
    demo.check("Scheduled call" in scheduled, "a next call is scheduled")
    demo.settle()
    with demo.live.container.db.unit_of_work(read_only=True) as uow:
        upcoming = sum(1 for c in uow.calls.for_incident(1) if c.status == "scheduled")
    reply = demo.type_command("close", channel=demo.channel)
    demo.check(reply.startswith("Close"), "closing asks for confirmation")
    key = re.search(r"INC-\d{4}-\d{4,}", reply).group(0)
    demo.console.print("[bold cyan]coordinator[/bold cyan] presses [bold]Close incident[/bold]")
    url = demo.live.emulator.new_response_url()
    demo.live.post(demo.live.requests.block_action(CLOSE_CONFIRM_ACTION, key, user_id=COORDINATOR,
                                                   channel_id=demo.channel, response_url=url))
    answer = demo.live.wait_response(url)["text"]
    demo.console.print(Panel(Text(answer), title="only visible to you", expand=False))
    demo.check("is closed" in answer, f"{key} is closed")
    demo.check(upcoming > 1 and f"Cancelled {upcoming} upcoming calls" in answer,
               f"its {upcoming} upcoming calls (the series too) are cancelled, with their dates")
    demo.settle()
    demo.check("(closed)" in _pinned(demo) and "Closed" in _pinned(demo),
               "the pinned summary says Closed")


def step_forged(demo: Demo) -> None:
    forged = demo.live.requests.command("close", user_id=COORDINATOR, channel_id="C1",
                                        response_url=demo.live.emulator.new_response_url(),
                                        timestamp=int(time.time()) - 600)
    status = demo.live.post(forged).status_code
    demo.console.print(f"\na request signed 10 minutes ago → HTTP {status}")
    demo.check(status == 401, "stale or forged requests are refused")


def step_directory(demo: Demo) -> None:
    path = SAMPLE_CONTACTS
    demo.check(path.exists(), f"the sample directory {path.name} is present")
    container = demo.live.container
    result = import_file(container.db, path, settings=container.settings, actor=COORDINATOR,
                         now=container.clock.now())
    demo.console.print(f"\n[bold cyan]administrator[/bold cyan] runs: "
                       f"coordbot contacts import examples/{path.name}")
    demo.console.print(f"   {result.summary.line() if result.summary else result.report}")
    demo.check(result.written and result.summary.created > 0, "the sample directory is imported")
    reply = demo.type_command("contacts", channel=demo.channel)
    demo.check("Audience for" in reply and "•••" in reply,
               "the audience is shown with reasons and masked phone numbers")


def step_mistyped_notice(demo: Demo) -> None:
    reply = demo.type_command(MISTYPED_NOTICE, channel=demo.channel)
    demo.check("`sp:` is not a language" in reply and "es (Spanish, Español)" in reply,
               "a mistyped language line is refused with the valid codes and names")
    demo.check(not demo.live.twilio.messages and _sms_recipients(demo) == 0,
               "nothing was queued or sent")


def step_notice(demo: Demo) -> None:
    reply = demo.type_command(NOTICE, channel=demo.channel)
    demo.check("Preview" in reply and "segment(s) each" in reply and "Los refugios" in reply,
               "the notice is previewed by language, with counts and segments, before any send")
    twilio = demo.live.twilio
    if "Nothing has been sent" in reply:
        demo.check(not twilio.messages, "nothing is sent before the coordinator confirms")
        notice_id = _notice_id(demo)
        demo.console.print("[bold cyan]coordinator[/bold cyan] presses [bold]Send[/bold]")
        url = demo.live.emulator.new_response_url()
        demo.live.post(demo.live.requests.block_action(
            NOTICE_CONFIRM_ACTION, notice_id, user_id=COORDINATOR, channel_id=demo.channel,
            response_url=url))
        demo.console.print(Panel(Text(demo.live.wait_response(url)["text"]),
                                 title="only visible to you", expand=False))
    expected = _sms_recipients(demo)
    wait_until(lambda: len(twilio.messages) >= expected, timeout_s=30, what="the SMS notices")
    demo.check(len({m.to for m in twilio.messages}) == len(twilio.messages) == expected,
               f"{expected} contacts got exactly one SMS each")
    demo.console.rule("SMS as each contact receives it (one per language)")
    shown: set[str] = set()
    for message in twilio.messages:
        language = demo_calls.language_of(demo, message.to)
        if language not in shown:
            shown.add(language)
            demo.console.print(Panel(Text(message.body), expand=False,
                                     title=f"{language} · {mask(message.to)} · "
                                           f"{message.num_segments} segment(s)"))
    twilio.wait_for_callbacks(20)
    messages = demo.live.emulator.channels[demo.channel].messages
    summary = wait_until(lambda: _final_summary(messages, expected), timeout_s=40,
                         what="the delivery summary")
    demo.console.print(f"\nIncident channel: {summary}")
    demo.check("Los refugios están abiertos" in summary and "Shelters are open" in summary,
               "the sent notice is in the incident channel, in each language")
    demo.check(f"{expected} delivered" in summary, "the delivery summary counts every delivery")


def step_sms_replies(demo: Demo) -> None:
    spanish, creole = _phone_for(demo, "es"), _phone_for(demo, "ht")
    for phone, body in ((spanish, "ALTO"), (creole, "HELP"),
                        (creole, "Nou bezwen dlo ak manje nan Little Haiti")):
        demo.console.print(Text.assemble("\n", (f"contact {mask(phone)}", "bold magenta"),
                                         " texts: ", (body, "bold")))
        answer = ElementTree.fromstring(demo.live.text_in(body, sender=phone).text)
        reply = answer.findtext("Message")
        demo.console.print(Panel(Text(reply or "(no reply)"), title="SMS reply", expand=False))
    with demo.live.container.db.unit_of_work() as uow:
        demo.check(uow.sms.is_opted_out(spanish), "ALTO opted the Spanish speaker out")
    messages = demo.live.emulator.channels[demo.channel].messages
    wait_until(lambda: any("Nou bezwen dlo" in m.text for m in messages), timeout_s=20,
               what="the reply in the channel")
    demo.check(True, "a free-text reply was forwarded to the incident channel for a person")


def _notice_id(demo: Demo) -> str:
    with demo.live.container.db.unit_of_work() as uow:
        from bot.db.models import Notice

        return str(max(n.id for n in uow.session.query(Notice).all()))


def _sms_recipients(demo: Demo) -> int:
    with demo.live.container.db.unit_of_work() as uow:
        return sum(1 for m in uow.outbox.list() if m.kind == "sms")


def _phone_for(demo: Demo, language: str) -> str:
    sent = {m.to for m in demo.live.twilio.messages}
    with demo.live.container.db.unit_of_work() as uow:
        return next(c.phone for c in uow.contacts.all() if c.language == language
                    and c.phone in sent)


def _final_summary(messages: list, expected: int) -> str | None:
    summaries = [m.text for m in messages if m.text.startswith("SMS notice")]
    return summaries[-1] if summaries and f"Delivery: {expected} delivered" in summaries[-1] \
        else None


STEPS: list[Callable[[Demo], None]] = [
    step_health, step_help, step_declare, step_refusal, step_malformed, step_update,
    step_list_and_status, step_edit, step_directory, step_mistyped_notice, step_notice,
    step_sms_replies, demo_conversations.step_unknown_texter, demo_calls.step_landline_contact,
    demo_calls.step_call,
    demo_calls.step_rsvp, demo_calls.step_landline_call, demo_calls.step_bridge_and_reminder,
    demo_calls.step_transcribed_report,
    demo_notes.step_actions_during_call,
    demo_calls.step_call_ends, demo_notes.step_notes_review, demo_notes.step_sms_done,
    demo_calls.step_series, step_close,
    step_forged,
]


def _print_slack(console: Console, emulator: SlackEmulator) -> None:
    console.rule("What Slack shows")
    for channel in emulator.channels.values():
        if not channel.messages or channel.is_im:
            continue
        console.print(f"\n[bold]#{channel.name}[/bold]  members: {', '.join(channel.members)}")
        for message in channel.messages:
            pin = "📌 " if message.ts in channel.pins else ""
            console.print(Text(f"  {pin}{message.ts} ") + Text(message.text))
