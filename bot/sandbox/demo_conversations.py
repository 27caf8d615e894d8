"""Demo step for conversations (see ``bot.sandbox.demo``).

A number the office has never texted asks in Spanish where the nearest shelter is. Its SMS
arrives through the signed Twilio webhook and gets an automatic answer in Spanish; the card
appears in the announcements channel with its buttons; the coordinator presses Reply and
answers in Spanish; the Twilio emulator receives that text, to that number, and the reply is
shown in the card's thread.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from typing import TYPE_CHECKING

from rich.panel import Panel
from rich.text import Text

from bot.directory.rules.phones import mask
from bot.sandbox.harness import wait_until
from bot.sms import blocks as sms_blocks
from bot.sms import forms as sms_forms

if TYPE_CHECKING:
    from bot.sandbox.demo import Demo

STRANGER = "+17875550177"
QUESTION = "Hola, ¿dónde está el refugio más cercano a Guayama?"
ANSWER = ("Hola, le habla Maria de la oficina. El refugio más cercano es la Escuela Genaro "
          "Cautiño, calle Ashford 3, Guayama. Abierto toda la noche.")


def step_unknown_texter(demo: Demo) -> None:
    live = demo.live
    demo.console.print(Text.assemble("\n", (f"unknown number {mask(STRANGER)}", "bold magenta"),
                                     " texts: ", (QUESTION, "bold")))
    response = live.text_in(QUESTION, sender=STRANGER)
    demo.check(response.status_code == 200, "Twilio's signed webhook was accepted")
    reply = ElementTree.fromstring(response.text).findtext("Message") or ""
    demo.console.print(Panel(Text(reply), title="automatic SMS reply", expand=False))
    demo.check(reply.startswith("Gracias") and "persona" in reply,
               "the automatic answer is in Spanish and says a person will answer")
    channel = live.emulator.channels[live.container.settings.slack.announcements_channel]
    card = wait_until(lambda: next((m for m in channel.messages if "SMS from" in m.text
                                    and "Guayama" in m.text), None),
                      timeout_s=20, what="the conversation's card")
    buttons = {e["action_id"]: e for b in card.blocks or [] if b["type"] == "actions"
               for e in b["elements"]}
    demo.console.print(Panel(Text(card.text + "\n" + "  ".join(f"[{e['text']['text']}]"
                                                               for e in buttons.values())),
                             title=f"#{channel.name}", expand=False))
    demo.check(STRANGER not in card.text and {
        sms_blocks.CONVERSATION_REPLY_ACTION, sms_blocks.CONVERSATION_CLAIM_ACTION,
        sms_blocks.CONVERSATION_ADD_ACTION, sms_blocks.CONVERSATION_REVEAL_ACTION} <= set(buttons),
        "the card is in announcements, the number masked, with Reply, Claim, Add to directory "
        "and Reveal number")
    _reply(demo, channel.id, card.ts, buttons[sms_blocks.CONVERSATION_REPLY_ACTION]["value"])
    texts = wait_until(lambda: live.twilio.messages_to(STRANGER), timeout_s=20,
                       what="the reply at the Twilio emulator")
    demo.check([m.body for m in texts] == [ANSWER],
               "the Twilio emulator received the Spanish reply, as typed, to that number")
    echo = wait_until(lambda: next((m for m in channel.messages if m.thread_ts == card.ts), None),
                      timeout_s=20, what="the reply in the thread")
    demo.console.print(f"\nThread: {echo.text}")
    demo.check("Replied by Maria Alvarez" in echo.text, "the reply is shown in the card's thread")


def _reply(demo: Demo, channel: str, ts: str, value: str) -> None:
    live = demo.live
    demo.console.print("[bold cyan]coordinator[/bold cyan] presses [bold]Reply[/bold] and types: "
                       f"[bold]{ANSWER}[/bold]")
    views = len(live.emulator.views)
    live.post(live.requests.block_action(sms_blocks.CONVERSATION_REPLY_ACTION, value,
                                         user_id=demo.coordinator, channel_id=channel,
                                         response_url=live.emulator.new_response_url(),
                                         message_ts=ts))
    wait_until(lambda: len(live.emulator.views) > views, timeout_s=10, what="the reply form")
    view = live.emulator.views[-1]
    demo.check(view["callback_id"] == sms_forms.REPLY_CALLBACK_ID, "the Reply form opened")
    response = live.post(live.requests.view_submission(view, {"text": ANSWER},
                                                       user_id=demo.coordinator))
    demo.check(response.status_code == 200, "the form was accepted")
