"""``coordbot demo``: the real web app on a fresh SQLite database, against the Slack emulator.

It plays a coordinator (and a bystander) sending signed requests exactly as Slack would, checks
that every step did what it should, and prints a transcript of what Slack would show.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from bot.config import Settings
from bot.messages.incident_blocks import CLOSE_CONFIRM_ACTION

from .harness import Live, live_app, wait_until
from .slack_emulator import SlackEmulator

COORDINATOR = "U0COORD01"
BYSTANDER = "U0GUEST01"
DECLARE = ('declare hurricane "Hurricane Xavier" FL,GA,PR severity=high '
           'summary="Category 3 landfall expected near Apalachicola Thursday night."')


class DemoFailure(Exception):
    pass


class Demo:
    def __init__(self, live: Live, console: Console):
        self.live = live
        self.console = console
        self.channel: str | None = None

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
        reply = (response.json() if response.content else self.live.wait_response(url))["text"]
        self.console.print(Panel(Text(reply), title="only visible to you", expand=False))
        return reply

    def settle(self) -> None:
        wait_until(lambda: self._outbox_idle(), timeout_s=20, what="the outbox to drain")

    def _outbox_idle(self) -> bool:
        with self.live.container.db.unit_of_work() as uow:
            counts = uow.outbox.count_by_status()
        return not counts.get("pending") and not counts.get("sending")


def run_demo(keep_database: Path | None = None) -> int:
    console = Console(highlight=False)
    with tempfile.TemporaryDirectory(prefix="coordbot-demo-") as workdir:
        path = keep_database or Path(workdir) / "demo.db"
        path.unlink(missing_ok=True)
        settings = Settings(database={"url": f"sqlite:///{path}"}, timezone="America/New_York")
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


def _seed(emulator: SlackEmulator) -> None:
    emulator.add_user(COORDINATOR, name="maria.coordinator", real_name="Maria Alvarez")
    emulator.add_user(BYSTANDER, name="sam.guest", real_name="Sam Guest")
    emulator.add_channel("general", members=[COORDINATOR, BYSTANDER])


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


def step_list_and_status(demo: Demo) -> None:
    demo.check("Hurricane Xavier" in demo.type_command("list", user=BYSTANDER),
               "anyone can list incidents")
    demo.check("Shelters open" in demo.type_command("status", channel=demo.channel),
               "status shows the latest updates")


def step_close(demo: Demo) -> None:
    reply = demo.type_command("close", channel=demo.channel)
    demo.check(reply.startswith("Close"), "closing asks for confirmation")
    key = reply.split()[1]
    demo.console.print("[bold cyan]coordinator[/bold cyan] presses [bold]Close incident[/bold]")
    url = demo.live.emulator.new_response_url()
    demo.live.post(demo.live.requests.block_action(CLOSE_CONFIRM_ACTION, key, user_id=COORDINATOR,
                                                   channel_id=demo.channel, response_url=url))
    answer = demo.live.wait_response(url)["text"]
    demo.console.print(Panel(Text(answer), title="only visible to you", expand=False))
    demo.check("is closed" in answer, f"{key} is closed")
    demo.settle()


def step_forged(demo: Demo) -> None:
    forged = demo.live.requests.command("close", user_id=COORDINATOR, channel_id="C1",
                                        response_url=demo.live.emulator.new_response_url(),
                                        timestamp=int(time.time()) - 600)
    status = demo.live.post(forged).status_code
    demo.console.print(f"\na request signed 10 minutes ago → HTTP {status}")
    demo.check(status == 401, "stale or forged requests are refused")


STEPS: list[Callable[[Demo], None]] = [
    step_health, step_help, step_declare, step_refusal, step_malformed, step_update,
    step_list_and_status, step_close, step_forged,
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
