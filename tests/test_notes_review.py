"""Call notes at the service layer: review, versions, approval, publishing, links."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from types import SimpleNamespace

import pytest

from bot.access import links
from bot.dispatch.grammar import Invocation
from bot.errors import InvalidInput, InvalidTransition, PermissionDenied
from bot.notes import blocks as notes_blocks
from bot.notes.service import publishing
from bot.ports import DeliveryError
from tests.conftest import BYSTANDER, COORDINATOR, OFFICIAL
from tests.support.notes import (
    ANA,
    JEAN,
    KEY,
    MINH,
    REVIEW,
    STRANGER,
    TEXT,
    WIDER,
    buttons,
    card,
    commands,
    draft,
    incident_channel,
    notes_posts,
    review_settings,
    snapshot,
)


@pytest.fixture
def settings(settings):
    return review_settings(settings)



def test_a_draft_waits_in_the_review_channel_with_buttons_and_a_signed_link(container, call,
                                                                            slack, sms):
    notes_id = draft(container, call)
    posted = card(slack)
    assert [b["action_id"] for b in buttons(posted)] == [
        notes_blocks.APPROVE_ACTION, notes_blocks.EDIT_ACTION, notes_blocks.CHANGES_ACTION]
    assert buttons(posted)[0]["value"] == f"{notes_id}:1"
    shown = json.dumps(posted["blocks"])
    assert "Open the Lincoln High shelter" in shown and f"{KEY}: Hurricane Xavier, call 1" in shown
    assert f"/notes/{notes_id}?e=" in shown and "version 1 by coordbot" in shown.lower()
    assert not notes_posts(slack, incident_channel(container)) and not notes_posts(slack, WIDER)
    assert not any("Lincoln High" in p["text"] for p in slack.posts if p["channel"] != REVIEW)
    assert not any("summary" in m["body"] for m in sms.sent)


def test_long_drafts_show_a_preview_within_slacks_limits(container, call, slack):
    long_text = "# Notes\n" + "\n".join(f"- point {i} " + "x" * 80 for i in range(120))
    draft(container, call, text=long_text)
    sections = [b["text"]["text"] for b in card(slack)["blocks"] if b["type"] == "section"]
    assert all(len(text) <= 3000 for text in sections)
    context = json.dumps(card(slack)["blocks"][-2])
    assert "the full text is in the link" in context


def test_only_officials_approve_or_request_changes_and_only_staff_edit(container, call):
    notes_id = draft(container, call)
    notes = commands(container)
    with pytest.raises(PermissionDenied, match="Only officials can approve call notes"):
        notes.approve(notes_id, 1, user=COORDINATOR)
    with pytest.raises(PermissionDenied, match="Only officials"):
        notes.request_changes(notes_id, "More detail", user=COORDINATOR)
    with pytest.raises(PermissionDenied, match="coordinators and officials"):
        notes.save_edit(notes_id, TEXT + "\nmore", user=BYSTANDER)
    with pytest.raises(InvalidInput, match="Say what should change"):
        notes.request_changes(notes_id, "  ", user=OFFICIAL)
    with pytest.raises(InvalidInput, match="cannot be empty"):
        notes.save_edit(notes_id, " \n ", user=COORDINATOR)
    with pytest.raises(InvalidInput, match="Nothing changed"):
        notes.save_edit(notes_id, TEXT, user=COORDINATOR)
    assert snapshot(container, notes_id).status == "draft"


def test_every_version_is_kept_with_its_author_and_time(container, call, clock, slack):
    notes_id = draft(container, call)
    clock.advance(minutes=10)
    commands(container).save_edit(notes_id, TEXT + "- Cots arrive at 6 pm\n", user=COORDINATOR)
    clock.advance(minutes=5)
    commands(container).save_edit(notes_id, TEXT + "- Cots arrive at 7 pm\n", user=OFFICIAL,
                                  base_version=2)
    container.worker.drain()
    notes = snapshot(container, notes_id)
    start = notes.created_at
    assert [(v, a, r, t - start) for v, a, r, t, _ in notes.versions] == [
        (1, "coordbot", "Drafted from the call's records", timedelta(0)),
        (2, COORDINATOR, "Edited", timedelta(minutes=10)),
        (3, OFFICIAL, "Edited", timedelta(minutes=15))]
    assert "7 pm" in notes.versions[-1][4] and "6 pm" in notes.versions[1][4]
    posted = card(slack)
    assert buttons(posted)[0]["value"] == f"{notes_id}:3"
    assert f"Version 3 by <@{OFFICIAL}>" in json.dumps(posted["blocks"])
    with pytest.raises(InvalidTransition, match="was not saved"):
        commands(container).save_edit(notes_id, TEXT + "stale", user=COORDINATOR, base_version=2)


def test_approving_a_version_that_is_no_longer_current_is_refused(container, call, slack):
    notes_id = draft(container, call)
    commands(container).save_edit(notes_id, TEXT + "- Added later\n", user=COORDINATOR)
    with pytest.raises(InvalidTransition, match="shown version 1.*since saved version 2"):
        commands(container).approve(notes_id, 1, user=OFFICIAL)
    container.worker.drain()
    assert snapshot(container, notes_id).status == "draft"
    assert not notes_posts(slack, incident_channel(container))


def test_approval_publishes_everywhere_and_texts_attendees_exactly_once(container, call, slack,
                                                                        sms):
    notes_id = draft(container, call)
    reply = commands(container).approve(notes_id, 1, user=OFFICIAL).text
    assert "Approved version 1" in reply and "2 attendee(s)" in reply
    with pytest.raises(InvalidTransition, match="already approved"):
        commands(container).approve(notes_id, 1, user=OFFICIAL)
    container.worker.drain()
    container.worker.drain()
    channel = incident_channel(container)
    for target in (channel, WIDER):
        published = notes_posts(slack, target)
        assert len(published) == 1
        assert "Open the Lincoln High shelter" in json.dumps(published[0]["blocks"])
        assert f"Approved by <@{OFFICIAL}>" in json.dumps(published[0]["blocks"])
    assert len(sms.to(ANA)) == 2 and len(sms.to(MINH)) == 2  # the invitation, then the summary
    assert "resumen de la llamada sobre Hurricane Xavier" in sms.to(ANA)[-1]
    assert "Open the Lincoln High shelter tonight" in sms.to(ANA)[-1]
    assert "tóm tắt cuộc gọi" in sms.to(MINH)[-1]
    assert not sms.to(STRANGER) and len(sms.to(JEAN)) == 1  # STOP: only the invitation
    notes = snapshot(container, notes_id)
    assert (notes.status, notes.approved_by, notes.approved_version) == ("approved", OFFICIAL, 1)
    assert notes.approved_at == container.clock.now()
    posted = card(slack)
    assert not buttons(posted) and f"Approved by <@{OFFICIAL}>" in json.dumps(posted["blocks"])
    with pytest.raises(InvalidTransition, match="can no longer be edited"):
        commands(container).save_edit(notes_id, TEXT + "late", user=COORDINATOR)


def test_no_sms_summary_when_it_is_turned_off(container, call, sms):
    notes_id = draft(container, call)
    settings = container.settings.model_copy(update={
        "notes": container.settings.notes.model_copy(update={"sms_summary": False})})
    commands(dataclasses.replace(container, settings=settings)).approve(notes_id, 1, user=OFFICIAL)
    container.worker.drain()
    assert len(sms.to(ANA)) == 1 and len(sms.to(MINH)) == 1


def test_long_notes_are_published_in_order_within_slacks_limits(container, call, slack):
    text = "\n".join(f"- line {i:03d} " + "y" * 90 for i in range(150))
    notes_id = draft(container, call, text=text)
    commands(container).approve(notes_id, 1, user=OFFICIAL)
    container.worker.drain()
    published = notes_posts(slack, incident_channel(container))
    assert len(published) > 1 and all(f"of {len(published)})" in p["text"] for p in published)
    sections = [b["text"]["text"] for p in published for b in p["blocks"] if b["type"] == "section"]
    assert all(len(s) <= 3000 for s in sections)
    lines = [line for s in sections for line in s.splitlines() if line.startswith("• line")]
    assert [line[7:10] for line in lines] == [f"{i:03d}" for i in range(150)]


def test_request_changes_posts_the_comment_and_marks_the_card(container, call, slack):
    notes_id = draft(container, call)
    commands(container).request_changes(notes_id, "Name the county contact", user=OFFICIAL)
    container.worker.drain()
    assert any("Name the county contact" in t for t in slack.posts_to(REVIEW))
    assert snapshot(container, notes_id).status == "changes_requested"
    shown = json.dumps(card(slack)["blocks"])
    assert "Changes requested by" in shown and "Name the county contact" in shown
    assert not notes_posts(slack, incident_channel(container))
    commands(container).save_edit(notes_id, TEXT + "- County: Pat Lee\n", user=COORDINATOR)
    assert snapshot(container, notes_id).status == "draft"


def test_notes_status_gives_the_browser_link_only_in_the_review_channel(container, call, slack):
    notes_id = draft(container, call)
    elsewhere = commands(container).run(Invocation("notes", key=KEY), user=BYSTANDER,
                                        channel=incident_channel(container)).text
    assert "Draft, version 1 (not approved)" in elsewhere and "/notes/" not in elsewhere
    assert f"https://slack.example/archives/{REVIEW}/p" in elsewhere
    in_review = commands(container).run(Invocation("notes", key=KEY), user=OFFICIAL,
                                        channel=REVIEW).text
    assert f"/notes/{notes_id}?e=" in in_review
    assert "/notes/" not in commands(container).show(KEY, 1, user=COORDINATOR, channel=None).text
    with pytest.raises(PermissionDenied, match="not approved yet"):
        commands(container).show(KEY, None, user=BYSTANDER, channel=None)
    commands(container).approve(notes_id, 1, user=OFFICIAL)
    shown = commands(container).show(KEY, None, user=BYSTANDER, channel=None).text
    assert f"Approved by {OFFICIAL} on" in shown and "Open the Lincoln High shelter" in shown


def test_without_a_review_channel_the_draft_waits_and_nothing_is_posted(container, call, slack):
    quiet = container.settings.model_copy(update={
        "notes": container.settings.notes.model_copy(update={"review_channel": None}),
        "slack": container.settings.slack.model_copy(update={"announcements_channel": None})})
    before = len(slack.posts)
    notes_id = draft(container, call, settings=quiet)
    assert len(slack.posts) == before
    reply = commands(dataclasses.replace(container, settings=quiet)).run(
        Invocation("notes", key=KEY), user=COORDINATOR, channel=None).text
    assert "No review channel is configured" in reply and "the draft waits" in reply
    reply = commands(container).run(Invocation("notes", key=KEY), user=COORDINATOR,
                                    channel=None).text
    assert f"now queued for <#{REVIEW}>" in reply
    container.worker.drain()
    assert buttons(card(slack))[0]["value"] == f"{notes_id}:1"


def test_signed_links_expire_and_name_one_notes(settings, clock):
    url = links.notes_url(settings, 7, now=clock.now())
    expires = int(url.split("e=")[1].split("&")[0])
    token = url.split("t=")[1]
    assert expires == int(clock.now().timestamp()) + 72 * 3600
    assert links.valid_expiring(settings, "notes:7", expires, token, now=clock.now())
    assert not links.valid_expiring(settings, "notes:8", expires, token, now=clock.now())
    assert not links.valid_expiring(settings, "notes:7", expires + 1, token, now=clock.now())
    later = clock.now() + timedelta(hours=72, seconds=1)
    assert not links.valid_expiring(settings, "notes:7", expires, token, now=later)
    assert links.signed_expiring(settings, "notes:7", expires, token)


def test_the_edit_modal_splits_long_text_and_joins_it_back():
    text = "# Notes\n" + "\n".join("- " + "z" * 200 for _ in range(40)) + "\n" + "w" * 3500
    view = notes_blocks.edit_modal(notes_id=3, version=2, channel=REVIEW, title="t", text=text)
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert len(inputs) > 3 and all(len(b["element"].get("initial_value", "")) <= 3000
                                   for b in inputs)
    assert all(b["element"]["max_length"] == 3000 for b in inputs)
    state = {"values": {b["block_id"]: {"value": {"value": b["element"].get("initial_value")}}
                        for b in inputs}}
    submitted = notes_blocks.edit_submission({**view, "state": state})
    assert (submitted.notes_id, submitted.version, submitted.channel) == (3, 2, REVIEW)
    assert submitted.text == text
    state["values"]["more"] = {"value": {"value": "- One more line"}}
    assert notes_blocks.edit_submission({**view, "state": state}).text == text + "\n- One more line"


def test_sms_summaries_fit_the_segment_budget_in_every_language(container):
    from bot.sms.rules.segments import segments

    points = [f"Decision number {i}: " + "open the shelter and staff it " * 3 for i in range(12)]
    incident = SimpleNamespace(title="Hurricane Xavier")
    for language in ("en", "es", "vi", "zh", "ko", "ar", "ru", "ht"):
        body = publishing.summary_body(points, [], language, incident, container.settings)
        assert segments(body).segments <= container.settings.sms.max_segments, language
        assert "STOP" in body
        # whole points only: in UCS-2 (70 characters a segment) a 110-character point may not
        # fit beside the frame, and then the text says there is more rather than cut it
        shown = [line[2:] for line in body.splitlines() if line.startswith("- ")]
        assert shown == points[:len(shown)] and len(shown) < len(points)
        assert language not in ("en", "ht") or shown
    nothing = publishing.summary_body([], [], "en", incident, container.settings)
    assert "Nothing was decided or given to partners to do on this call." in nothing


def test_a_review_card_that_cannot_be_posted_is_explained(container, call, slack):
    slack.fail("post", DeliveryError("not_in_channel", permanent=True))
    notes_id = draft(container, call)
    commands(container).save_edit(notes_id, TEXT + "- more\n", user=COORDINATOR)
    container.worker.drain()
    with container.db.unit_of_work(read_only=True) as uow:
        rows = [(m.idempotency_key, m.status) for m in uow.outbox.list()
                if m.idempotency_key.startswith(f"notes-card:{notes_id}")]
    assert rows == [(f"notes-card:{notes_id}", "failed"), (f"notes-card:{notes_id}:v2:draft",
                                                            "failed")]
    reply = commands(container).run(Invocation("notes", key=KEY), user=COORDINATOR,
                                    channel=None).text
    assert "could not be posted" in reply and "not_in_channel" in reply
