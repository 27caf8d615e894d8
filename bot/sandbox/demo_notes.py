"""Demo steps for action items and call notes (see ``bot.sandbox.demo``).

During the call the coordinator adds two action items (one owned by a contact on SMS) and a
colleague posts a decision in the channel; when the conference ends the bot drafts the notes in
the review channel, with what the Spanish caller said on the transcribed call under her name;
the official keeps that section, accepts its suggested action item ("Tarea para …") with an
owner and a due date, requests changes, edits the notes and approves; the approved notes are
published; the SMS owner closes their item by replying in Spanish.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from typing import TYPE_CHECKING

from rich.panel import Panel
from rich.text import Text

from bot.directory.rules.phones import mask
from bot.notes import blocks as notes_blocks
from bot.notes import suggestion_blocks
from bot.notes.rules.suggestions import AS_ACTION
from bot.sandbox.harness import wait_until
from bot.sandbox.slack import SlackEmulator

if TYPE_CHECKING:
    from bot.sandbox.demo import Demo

OFFICIAL = "U0OFFIC01"
COLLEAGUE = "U0STAFF01"
DECISION = "DECISION: Open the second shelter at Hope Church on Friday; county buses run from 8 am."
CHANGE_REQUEST = "Please add that the Red Cross confirmed 200 cots for Hope Church."
ADDED_LINE = "- The Red Cross confirmed 200 cots for Hope Church (added in review)."


def seed(emulator: SlackEmulator) -> dict:
    emulator.add_user(OFFICIAL, name="dana.official", real_name="Dana Official")
    emulator.add_user(COLLEAGUE, name="lee.staff", real_name="Lee Staff")
    review = emulator.add_channel("notes-review", members=[OFFICIAL])
    return {"notes": {"review_channel": review.id}}


def step_actions_during_call(demo: Demo) -> None:
    owner = _contact_name(demo, demo.spanish)
    reply = demo.type_command(f'action add "{owner}" "Send the shelter intake list to the county" '
                              "due tomorrow 5pm", channel=demo.channel)
    demo.check("A-1" in reply, f"A-1 is added for {owner}, a contact on SMS")
    reply = demo.type_command('action add <@U0COORD01|maria.coordinator> "Book Haitian Creole '
                              'interpreters for Friday"', channel=demo.channel)
    demo.check("A-2" in reply, "A-2 is added for a Slack user")
    sms = wait_until(lambda: [m for m in demo.live.twilio.messages_to(demo.spanish)
                              if "A-1" in m.body], timeout_s=20, what="the SMS to A-1's owner")
    demo.console.print(Panel(Text(sms[0].body), title=f"SMS · {mask(demo.spanish)}", expand=False))
    demo.check("LISTO" in sms[0].body, "the owner is told in Spanish, with how to reply DONE")
    _post_decision(demo)


def step_notes_review(demo: Demo) -> None:
    review = demo.live.container.settings.notes.review_channel
    card = _card(demo, review, "Draft")
    demo.check(card is not None, "the drafted notes wait in the review channel, with buttons")
    with demo.live.container.db.unit_of_work() as uow:
        notes_id = uow.notes.for_incident(1)[0].id
        draft = uow.notes.version(notes_id, 1).text
    demo.console.print(Panel(Text(draft), title="draft v1 (review channel only)", expand=False))
    demo.check("Open the second shelter" in draft and "| A-1 |" in draft and "| A-2 |" in draft,
               "the draft has the decision and both action items")
    demo.check(not _published(demo), "nothing is in the incident channel before approval")
    _review_the_transcript(demo, notes_id, draft, review)
    _press(demo, notes_blocks.CHANGES_ACTION, str(notes_id), review)
    _submit(demo, {"comment": CHANGE_REQUEST})
    _wait_status(demo, notes_id, "changes_requested")
    demo.check(True, "the official's change request is recorded and shown to reviewers")
    _press(demo, notes_blocks.EDIT_ACTION, str(notes_id), review)
    modal = demo.live.emulator.views[-1]
    text = modal["blocks"][1]["element"]["initial_value"]
    edited = text.replace("## Issues raised", f"{ADDED_LINE}\n\n## Issues raised", 1)
    before = _version(demo, notes_id)
    _submit(demo, {"part_1": edited})
    wait_until(lambda: _version(demo, notes_id) == before + 1, timeout_s=20,
               what=f"version {before + 1}")
    demo.check(True, f"the edit is saved as version {before + 1}; earlier versions are kept")
    _press(demo, notes_blocks.APPROVE_ACTION, f"{notes_id}:{before + 1}", review)
    _wait_status(demo, notes_id, "approved")
    published = wait_until(lambda: _published(demo), timeout_s=20, what="the published notes")
    demo.console.rule("Published call notes (incident channel)")
    for message in published:
        demo.console.print(Text("\n".join(b["text"]["text"] for b in message.blocks or []
                                          if b.get("type") == "section")))
    shown = "\n".join((b.get("text") or {}).get("text", "") for m in published
                      for b in m.blocks or [])
    demo.check("200 cots" in shown, "the approved, edited version is what was published")
    demo.check("cien catres" in shown and "A-3" in shown and "What was said" in shown,
               "the published notes show what was said, kept by the official, and A-3, the "
               "action item accepted from the Spanish caller's report")
    summary = wait_until(lambda: [m for m in demo.live.twilio.messages_to(demo.spanish)
                                  if "resumen" in m.body], timeout_s=20, what="the SMS summary")
    demo.console.print(Panel(Text(summary[0].body), title=f"SMS · {mask(demo.spanish)}",
                             expand=False))
    demo.check(True, "an attendee gets a short summary by SMS in Spanish")


def step_sms_done(demo: Demo) -> None:
    demo.console.print(Text.assemble("\n", (f"contact {mask(demo.spanish)}", "bold magenta"),
                                     " texts: ", ("LISTO 1", "bold")))
    answer = ElementTree.fromstring(demo.live.text_in("LISTO 1", sender=demo.spanish).text)
    demo.console.print(Panel(Text(answer.findtext("Message") or "(no reply)"), title="SMS reply",
                             expand=False))
    with demo.live.container.db.unit_of_work() as uow:
        demo.check(uow.actions.by_number(1, 1).status == "done", "A-1 is marked done by SMS")
    messages = demo.live.emulator.channels[demo.channel].messages
    wait_until(lambda: any(m.text.startswith("Action item A-1") and "Done by" in m.text
                           for m in messages), timeout_s=20, what="the A-1 card to show Done")
    demo.check(True, "the A-1 card in the channel now says who finished it")
    listing = demo.type_command("actions all", channel=demo.channel)
    demo.check("A-2" in listing, "`/incident actions all` lists both items")


def _post_decision(demo: Demo) -> None:
    # The message's ts is on the demo's compressed clock, as it would be on Slack's real one.
    ts = f"{demo.live.container.clock.now().timestamp():.6f}"
    demo.live.emulator.add_user_message(demo.channel, COLLEAGUE, DECISION, ts=ts)
    demo.console.print(Text.assemble("\n", ("lee.staff", "bold cyan"), " posts in the channel: ",
                                     (DECISION, "bold")))
    demo.live.post(demo.live.requests.message_event(demo.channel, COLLEAGUE, DECISION, ts))
    with_decision = lambda: _marked(demo)  # noqa: E731
    wait_until(with_decision, timeout_s=20, what="the decision to be recorded")
    demo.check(True, "the DECISION: message is kept for the call's notes")


def _marked(demo: Demo) -> bool:
    with demo.live.container.db.unit_of_work() as uow:
        return uow.actions.message(demo.channel, _last_ts(demo)) is not None


def _last_ts(demo: Demo) -> str:
    return next(m.ts for m in reversed(demo.live.emulator.channels[demo.channel].messages)
                if m.user == COLLEAGUE)


def _review_the_transcript(demo: Demo, notes_id: int, draft: str, review: str) -> None:
    """The Spanish caller's report is in the draft under her name; its "tarea para" line is
    suggested as an action item, which the official accepts with an owner and a due date, and
    she keeps "What was said" in the published notes."""
    speaker = _contact_name(demo, demo.callers[0].call.from_)
    demo.check("What was said" in draft and speaker in draft and "[es] En el refugio" in draft,
               f"the draft's “What was said” has the Spanish report under {speaker}'s name")
    with demo.live.container.db.unit_of_work(read_only=True) as uow:
        call_id = uow.notes.get(notes_id).call_id
        suggested = [(s.id, s.text) for s in uow.transcripts.suggestions(call_id)
                     if s.kind == "action"]
    demo.check(len(suggested) == 1 and "catres" in suggested[0][1],
               "its “Tarea para …” line is suggested as an action item, not yet a task")
    suggestion_id = suggested[0][0]
    _press(demo, suggestion_blocks.KEEP, f"{notes_id}:1", review)
    _press(demo, suggestion_blocks.ACCEPT_ACTION, str(suggestion_id), review)
    form = demo.live.emulator.views[-1]
    text = next(b for b in form["blocks"] if b["block_id"] == "text")["element"]["initial_value"]
    _submit(demo, {"owner": "<@U0COORD01|maria.coordinator>", "text": text,
                   "due": "tomorrow 5pm"})

    def accepted() -> bool:
        with demo.live.container.db.unit_of_work(read_only=True) as uow:
            found = uow.transcripts.suggestion(suggestion_id)
            return found.status == AS_ACTION and found.action_item_id is not None \
                and uow.notes.get(notes_id).transcript_kept

    wait_until(accepted, timeout_s=20, what="the accepted suggestion")
    with demo.live.container.db.unit_of_work(read_only=True) as uow:
        found = uow.transcripts.suggestion(suggestion_id)
        item = uow.actions.get(found.action_item_id)
        demo.check(found.decided_by == OFFICIAL and item.number == 3,
                   f"accepted by the official: A-{item.number} “{item.text}” is created once")


def _press(demo: Demo, action_id: str, value: str, channel: str) -> None:
    label = {notes_blocks.CHANGES_ACTION: "Request changes", notes_blocks.EDIT_ACTION: "Edit",
             notes_blocks.APPROVE_ACTION: "Approve",
             suggestion_blocks.KEEP: "Keep in published notes",
             suggestion_blocks.ACCEPT_ACTION: "Accept as action item"}[action_id]
    demo.console.print(f"[bold cyan]official[/bold cyan] presses [bold]{label}[/bold]")
    views = len(demo.live.emulator.views)
    demo.live.post(demo.live.requests.block_action(
        action_id, value, user_id=OFFICIAL, channel_id=channel,
        response_url=demo.live.emulator.new_response_url()))
    if action_id in (notes_blocks.CHANGES_ACTION, notes_blocks.EDIT_ACTION,
                     suggestion_blocks.ACCEPT_ACTION):
        wait_until(lambda: len(demo.live.emulator.views) > views, timeout_s=10,
                   what=f"the {label} form")


def _submit(demo: Demo, values: dict) -> None:
    view = demo.live.emulator.views[-1]
    response = demo.live.post(demo.live.requests.view_submission(view, values, user_id=OFFICIAL))
    demo.check(response.status_code == 200 and not response.content.strip(),
               f"the form “{view['title']['text']}” is accepted")


def _wait_status(demo: Demo, notes_id: int, status: str) -> None:
    def reached() -> bool:
        with demo.live.container.db.unit_of_work() as uow:
            return uow.notes.get(notes_id).status == status

    wait_until(reached, timeout_s=20, what=f"the notes to be {status}")


def _version(demo: Demo, notes_id: int) -> int:
    with demo.live.container.db.unit_of_work() as uow:
        return uow.notes.get(notes_id).version


def _card(demo: Demo, channel: str, status: str):
    messages = demo.live.emulator.channels[channel].messages
    return wait_until(lambda: next((m for m in messages if status in m.text and m.blocks), None),
                      timeout_s=30, what="the review card")


def _published(demo: Demo) -> list:
    return [m for m in demo.live.emulator.channels[demo.channel].messages
            if m.text.startswith("Call notes")]


def _contact_name(demo: Demo, phone: str) -> str:
    with demo.live.container.db.unit_of_work() as uow:
        return uow.contacts.by_phone(phone).name
