"""The review card and the published notes within Block Kit's limits, for a large call.

A validator counts what Slack limits (blocks, characters, fields, elements); it is checked
against hand-made bad messages first, so a pass means something.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.notes import blocks as notes_blocks
from bot.notes.rules.content import Attendance, Group, ItemRow, Marked, NextCall, NotesContent
from bot.notes.rules.digest import digest
from bot.notes.text import render
from tests.conftest import OFFICIAL
from tests.support.notes import KEY, card, commands, draft, incident_channel, notes_posts, review_settings

START = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)
TITLE = "Hurricane Xavier"
LIMITS = {"blocks": 50, "section": 3000, "fields": 10, "field": 2000, "context": 10,
          "context_text": 3000, "elements": 25, "button": 75, "value": 2000, "id": 255,
          "confirm_title": 100, "confirm_text": 300, "confirm_button": 30, "header": 150,
          "text": 40000}


@pytest.fixture
def settings(settings):
    return review_settings(settings)


def problems(text: str, blocks: list[dict]) -> list[str]:
    """Every Block Kit limit the message breaks (empty: Slack takes it)."""
    found = []

    def check(what: str, value: int, limit: str) -> None:
        if value > LIMITS[limit]:
            found.append(f"{what}: {value} > {LIMITS[limit]}")

    check("blocks", len(blocks), "blocks")
    check("fallback text", len(text), "text")
    for number, block in enumerate(blocks):
        where = f"block {number} ({block['type']})"
        check(f"{where} block_id", len(block.get("block_id", "")), "id")
        if block["type"] == "section":
            check(f"{where} text", len(block.get("text", {}).get("text", "")), "section")
            check(f"{where} fields", len(block.get("fields", [])), "fields")
            for field in block.get("fields", []):
                check(f"{where} field", len(field["text"]), "field")
        elif block["type"] == "context":
            check(f"{where} elements", len(block["elements"]), "context")
            for element in block["elements"]:
                check(f"{where} element", len(element.get("text", "")), "context_text")
        elif block["type"] == "actions":
            check(f"{where} elements", len(block["elements"]), "elements")
            for button in block["elements"]:
                check(f"{where} button text", len(button["text"]["text"]), "button")
                check(f"{where} value", len(button.get("value", "")), "value")
                check(f"{where} action_id", len(button.get("action_id", "")), "id")
                confirm = button.get("confirm")
                if confirm:
                    check(f"{where} confirm title", len(confirm["title"]["text"]),
                          "confirm_title")
                    check(f"{where} confirm text", len(confirm["text"]["text"]), "confirm_text")
                    for key in ("confirm", "deny"):
                        check(f"{where} {key}", len(confirm[key]["text"]), "confirm_button")
        elif block["type"] == "header":
            check(f"{where} text", len(block["text"]["text"]), "header")
        elif block["type"] != "divider":
            found.append(f"{where}: a block type this validator does not know")
    if "```" in json.dumps(blocks):
        found.append("a code block")
    return found


def test_the_validator_finds_what_slack_would_refuse():
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001},
               "fields": [{"type": "mrkdwn", "text": "f"}] * 11}
    code = {"type": "section", "text": {"type": "mrkdwn", "text": "```| a | b |```"}}
    found = problems("t" * 40001, [section, code] * 26)
    assert any(p.startswith("blocks: 52") for p in found)
    assert any("text: 3001" in p for p in found) and any("fields: 11" in p for p in found)
    assert "a code block" in found and any(p.startswith("fallback text") for p in found)
    assert problems("ok", [{"type": "section", "text": {"type": "mrkdwn", "text": "ok"}}]) == []


def _marked(kind: str, count: int) -> tuple[Marked, ...]:
    return tuple(Marked(f"{kind} {i}: the county opens the shelter at the Lincoln High gym and "
                        f"posts the hours in Spanish, Haitian Creole and Vietnamese",
                        by="Karen Whitfield", at=START + timedelta(minutes=i))
                 for i in range(1, count + 1))


def large_call(attendees: int = 60, items: int = 30) -> NotesContent:
    organisations = [f"Community Organisation {n}" for n in range(12)]
    joined = tuple(Group(org, tuple(f"Person {n} of {org}" for n in range(attendees // 12)))
                   for org in organisations)
    rows = tuple(ItemRow(number=i, text=f"Deliver {i * 10} cots and blankets to the shelter at "
                                           f"site {i} | before dark",
                         owner=f"Community Organisation {i % 12}", started_at=START,
                         status="Open", due_at=START + timedelta(days=1)) for i in
                 range(1, items + 1))
    return NotesContent(
        zone="America/New_York", incident_key=KEY, incident_title=TITLE, incident_type="hurricane",
        regions=("FL", "GA"), severity="high", summary="Landfall near Cedar Key.",
        previous_call=None, call_number=1, starts_at=START, ends_at=START + timedelta(hours=1),
        bridge="twilio", chair="Maria Alvarez", agenda="Shelters",
        attendance=Attendance(recorded=True, joined=joined, said_yes_absent=joined[:2],
                              invited_absent=joined[2:4]),
        updates=(), items=rows, decisions=_marked("Decision", items),
        issues=_marked("Issue", items), actions=_marked("Action", items), carried=rows,
        next_call=NextCall(2, START + timedelta(days=1)))


def facts(text: str, status: str = "draft") -> notes_blocks.CardFacts:
    return notes_blocks.CardFacts(
        notes_id=7, incident_key=KEY, incident_title=TITLE, call_number=1, status=status,
        version=3, author="coordbot", written_at=START, reason="drafted", text=text,
        zone="America/New_York", link="https://bot.example.org/notes/7?e=1&t=" + "a" * 90,
        link_expires=START + timedelta(hours=72))


def shown_items(blocks: list[dict], kind: str) -> tuple[int, int]:
    """(items shown, items said to be left out) of one list on the card."""
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    mine = [s for s in sections if s.startswith(f"*{kind} (")]
    following = sections[sections.index(mine[0]) + 1:] if mine else []
    body = mine[:1] + [s for s in following[:notes_blocks.CARD_LIST_SECTIONS - 1]
                       if s.startswith("•")]
    lines = [line for s in body for line in s.splitlines()]
    left = next((int(line.split(" and ")[1].split()[0]) for line in lines
                 if line.startswith("_… and ")), 0)
    return sum(1 for line in lines if line.startswith("• ")), left


@pytest.mark.parametrize(("attendees", "items"), [(60, 30), (0, 0), (12, 1), (240, 200)])
def test_the_review_card_fits_slack_and_shows_what_to_judge(attendees, items):
    text = render(large_call(attendees, items))
    for status in ("draft", "approved"):
        fallback, blocks = notes_blocks.review_card(facts(text, status))
        assert problems(fallback, blocks) == []
        shown = json.dumps(blocks)
        title = f"{KEY}: {TITLE}, call 1"
        assert shown.count(title) == 1  # said once
        for kind in ("Decisions", "Issues raised", "Action items"):
            count, left = shown_items(blocks, kind)
            assert count + left == items and (items == 0 or count > 0), kind
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert sections[1].startswith(f"*In these notes:* {items} decisions · {items} issues raised")
    assert f"{attendees // 12 * 12} joined" in sections[1]
    assert not any("Person 0 of" in s for s in sections)  # no attendance list
    order = [next(i for i, s in enumerate(sections) if s.startswith(f"*{kind} ("))
             for kind in ("Decisions", "Issues raised", "Action items")]
    assert order == sorted(order)


def test_action_items_are_lines_with_named_cells_not_a_table():
    _, blocks = notes_blocks.review_card(facts(render(large_call())))
    actions = next(b["text"]["text"] for b in blocks
                   if b["type"] == "section" and b["text"]["text"].startswith("*Action items ("))
    assert ("• *A-1* Deliver 10 cots and blankets to the shelter at site 1 | before dark — "
            "Owner: Community Organisation 1; Start: Fri 27 Nov 2026, 3:00 PM EST; "
            "Status: Open; Due: Sat 28 Nov 2026, 3:00 PM EST") in actions
    assert "| ---" not in actions


def test_the_digest_follows_an_edited_version():
    text = ("# Notes\n\n## Attendance\n\n**Joined (2)**\n\n- Gulf Relief: Ana, Minh\n\n"
            "## Decisions taken\n\n- Open the second shelter\n  at Lincoln High\n\n"
            "## Issues raised\n\nNone recorded.\n\n## Open items carried from earlier calls\n\n"
            "| No. | Item |\n| --- | --- |\n| A-9 | Not on the card |\n")
    found = digest(text)
    assert found.lists == (("Decisions", ("Open the second shelter at Lincoln High",)),
                           ("Issues raised", ()))
    assert found.attendance == (("Joined", 2),)


def test_the_posted_card_of_a_large_call_fits_slack(container, call, slack):
    draft(container, call, text=render(large_call()))
    posted = card(slack)
    assert problems(posted["text"], posted["blocks"]) == []
    assert "Decision 1: the county opens the shelter" in json.dumps(posted["blocks"])


def test_published_notes_say_their_title_once_and_hold_no_code_block(container, call, slack):
    notes_id = draft(container, call, text=render(large_call()))
    commands(container).approve(notes_id, 1, user=OFFICIAL)
    container.worker.drain()
    published = notes_posts(slack, incident_channel(container))
    assert published
    for message in published:
        assert problems(message["text"], message["blocks"]) == []
    sections = [b["text"]["text"] for p in published for b in p["blocks"]
                if b["type"] == "section"]
    assert "*Call notes: INC-2026-0001" not in "\n".join(sections)  # the Markdown title left out
    assert sum(s.count(f"{KEY}: {TITLE}, call 1") for s in sections) == 1
    assert any("• *A-30* Deliver 300 cots" in s for s in sections)



def test_notes_shown_in_slack_say_their_title_once_and_hold_no_code_block(container, call):
    from bot.dispatch.grammar import Invocation
    from tests.conftest import COORDINATOR

    draft(container, call, text=render(large_call(items=3)))
    reply = commands(container).run(Invocation("notes", key=KEY, text="show 1"),
                                    user=COORDINATOR, channel=None).text
    assert reply.startswith(f"*Notes of {KEY} call 1*")
    assert "Call notes: INC-2026-0001" not in reply and "```" not in reply
    assert "• *A-3* Deliver 30 cots" in reply
