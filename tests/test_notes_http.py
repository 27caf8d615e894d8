"""Call notes over real HTTP: the signed browser page, and the review card's buttons and modal."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest

from bot.access import links
from bot.notes import blocks as notes_blocks
from bot.notes.service import review as notes_review
from tests.conftest import COORDINATOR, OFFICIAL
from tests.support.waiting import wait_until

DECLARE = 'declare hurricane "Hurricane Xavier" FL,GA severity=high'
TEXT = ("# Call 1\n\n## Decisions\n- Open the Lincoln High shelter\n\n"
        "| Item | Owner |\n|---|---|\n| Cots | County |\n\n<script>alert(1)</script>\n")


@pytest.fixture
def live(live_review):
    return live_review


@pytest.fixture
def notes_id(live) -> int:
    """An incident with a call whose notes were drafted; their review card is posted."""
    _, url = live.command(DECLARE, user=COORDINATOR)
    live.wait_response(url)
    wait_until(lambda: _incident(live).channel_id, what="the incident channel")
    _, url = live.command(f"call {_incident(live).key} schedule tomorrow 3pm ET", user=COORDINATOR)
    assert "Scheduled call 1" in live.wait_response(url)["text"]
    container = live.container
    with container.db.unit_of_work() as uow:
        call = uow.calls.by_number(_incident(live).id, 1)
        notes = notes_review.open_draft(uow, call, text=TEXT, now=container.clock.now(),
                                        settings=container.settings)
        uow.commit()
        found = notes.id
    wait_until(lambda: _card(live), what="the review card")
    wait_until(lambda: _review_ts(live, found), what="the review card's ts recorded")
    return found


def _review_ts(live, notes_id: int) -> str | None:
    with live.container.db.unit_of_work(read_only=True) as uow:
        return uow.notes.get(notes_id).review_ts


def _incident(live) -> SimpleNamespace:
    with live.container.db.unit_of_work(read_only=True) as uow:
        found = uow.incidents.list(status=None)[0]
        return SimpleNamespace(id=found.id, key=found.key, channel_id=found.channel_id)


def _review(live):
    return live.emulator.channels[live.container.settings.notes.review_channel]


def _card(live):
    cards = [m for m in _review(live).messages if m.text.startswith("Call notes for review")]
    return cards[0] if cards else None


def _link(message) -> str:
    found = re.search(r"<(http[^|>]+/notes/[^|>]+)\|", json.dumps(message.blocks))
    return html.unescape(found.group(1))


def _version(live, notes_id):
    with live.container.db.unit_of_work(read_only=True) as uow:
        notes = uow.notes.get(notes_id)
        return notes.version, notes.status


def test_the_signed_link_opens_the_notes_and_bad_or_old_links_do_not(live, notes_id):
    url = _link(_card(live))
    page = live.http.get(url)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    body = page.text
    assert body.startswith("<!DOCTYPE html>") and "Open the Lincoln High shelter" in body
    assert "Draft v1 — not approved" in body and "<table>" in body
    assert "<script>" not in body and "&lt;script&gt;" in body

    other = url.replace(f"/notes/{notes_id}?", f"/notes/{notes_id + 1}?")
    assert live.http.get(other).status_code == 404
    assert live.http.get(url[:-1] + ("0" if url[-1] != "0" else "1")).status_code == 404
    assert live.http.get(url.split("?")[0]).status_code == 404

    settings = live.container.settings
    old = links.notes_url(settings, notes_id, now=live.container.clock.now()
                          - timedelta(hours=settings.notes.link_ttl_h + 1))
    gone = live.http.get(old)
    assert gone.status_code == 410 and "expired" in gone.text


def test_edit_then_approve_through_the_buttons(live, notes_id):
    review = _review(live)
    card = _card(live)
    click = live.requests.block_action(notes_blocks.EDIT_ACTION, str(notes_id),
                                       user_id=COORDINATOR, channel_id=review.id,
                                       response_url=live.emulator.new_response_url(),
                                       message_ts=card.ts)
    assert live.post(click).status_code == 200
    opened = wait_until(lambda: [v for v in live.emulator.views
                                 if v["callback_id"] == notes_blocks.EDIT_CALLBACK],
                        what="the edit modal")[0]
    assert opened["blocks"][1]["element"]["initial_value"] == TEXT
    empty = live.post(live.requests.view_submission(opened, {"part_1": ""}, user_id=COORDINATOR))
    assert empty.json()["response_action"] == "errors"
    edited = TEXT.strip() + "\n- Cots arrive at 6 pm"
    saved = live.post(live.requests.view_submission(opened, {"part_1": edited},
                                                    user_id=COORDINATOR))
    assert saved.status_code == 200
    wait_until(lambda: _version(live, notes_id) == (2, "draft"), what="version 2")

    incident_channel = live.emulator.channels[_incident(live).channel_id]
    assert not any("Lincoln High" in m.text + json.dumps(m.blocks or [])
                   for m in incident_channel.messages)

    approve = live.requests.block_action(notes_blocks.APPROVE_ACTION, f"{notes_id}:2",
                                         user_id=OFFICIAL, channel_id=review.id,
                                         response_url=live.emulator.new_response_url(),
                                         message_ts=card.ts)
    live.post(approve)
    published = wait_until(lambda: [m for m in incident_channel.messages
                                    if "Cots arrive at 6 pm" in json.dumps(m.blocks or [])],
                           what="the published notes")
    assert len(published) == 1
    wait_until(lambda: "Approved by" in json.dumps(_card(live).blocks), what="the approved card")
    assert not [b for b in _card(live).blocks if b["type"] == "actions"]


def test_a_stale_approval_is_refused_with_the_reason(live, notes_id):
    """Needs the worker to answer a failed job (``reply_to`` with a channel: an ephemeral)."""
    review = _review(live)
    with live.container.db.unit_of_work() as uow:
        notes_review.edit(uow, notes_id=notes_id, text=TEXT + "- later", actor=COORDINATOR,
                          roles=live.container.roles, now=live.container.clock.now(),
                          settings=live.container.settings)
        uow.commit()
    stale = live.requests.block_action(notes_blocks.APPROVE_ACTION, f"{notes_id}:1",
                                       user_id=OFFICIAL, channel_id=review.id,
                                       response_url=live.emulator.new_response_url(),
                                       message_ts=_card(live).ts)
    assert live.post(stale).status_code == 200
    refusal = wait_until(lambda: [e for e in live.emulator.ephemerals if e.user == OFFICIAL],
                         what="the refusal of a stale approval")[0]
    assert "shown version 1" in refusal.text and refusal.channel == review.id
    assert _version(live, notes_id) == (2, "draft")


def test_the_notes_command_links_the_card_and_gives_the_page_only_in_review(live, notes_id):
    key = _incident(live).key
    _, url = live.command(f"notes {key}", user=COORDINATOR, channel=_review(live).id)
    in_review = live.wait_response(url)["text"]
    assert "Draft, version 1 (not approved)" in in_review
    assert f"/notes/{notes_id}?e=" in in_review and "https://emulator.slack" in in_review
    page = re.search(r"<(http[^|>]+/notes/[^|>]+)\|", in_review).group(1)
    assert live.http.get(html.unescape(page)).status_code == 200
    _, url = live.command("notes", user=COORDINATOR, channel=_incident(live).channel_id)
    elsewhere = live.wait_response(url)["text"]
    assert "Draft, version 1" in elsewhere and "/notes/" not in elsewhere


def test_request_changes_through_its_modal(live, notes_id):
    review = _review(live)
    click = live.requests.block_action(notes_blocks.CHANGES_ACTION, str(notes_id),
                                       user_id=OFFICIAL, channel_id=review.id,
                                       response_url=live.emulator.new_response_url(),
                                       message_ts=_card(live).ts)
    assert live.post(click).status_code == 200
    opened = wait_until(lambda: [v for v in live.emulator.views
                                 if v["callback_id"] == notes_blocks.CHANGES_CALLBACK],
                        what="the request-changes modal")[0]
    blank = live.post(live.requests.view_submission(opened, {"comment": " "}, user_id=OFFICIAL))
    assert blank.json()["response_action"] == "errors"
    live.post(live.requests.view_submission(opened, {"comment": "Add the county's phone line"},
                                            user_id=OFFICIAL))
    wait_until(lambda: any("county's phone line" in m.text for m in review.messages),
               what="the comment in the review channel")
    wait_until(lambda: "Changes requested by" in json.dumps(_card(live).blocks),
               what="the card marked")
    assert _version(live, notes_id) == (1, "changes_requested")
