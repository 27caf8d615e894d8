"""Marked incident-channel messages (prefix or reaction), at the service level, on every backend."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from bot.db.models import ChannelMessage, Incident
from bot.notes.commands import RecordChannelMessage
from bot.notes.service import marks as channel_marks
from tests.conftest import BYSTANDER, COORDINATOR
from tests.support.slash import Slash

CHANNEL = "CINC00001"
OTHER = "CGENERAL1"
TS = "1795000000.000100"


@pytest.fixture
def incident_id(db, clock) -> int:
    with db.unit_of_work() as uow:
        incident = Incident(key="INC-2026-0001", year=2026, number=1, type="hurricane",
                            title="Hurricane Xavier", regions=["FL"], severity="high", summary="",
                            status="active", declared_by=COORDINATOR, declared_at=clock.now(),
                            channel_id=CHANNEL, channel_name="inc-2026-0001-hurricane-xavier")
        uow.session.add(incident)
        uow.commit()
        return incident.id


def message(db, ts: str = TS, channel: str = CHANNEL) -> SimpleNamespace | None:
    """A snapshot of the stored row (the session is closed once read)."""
    with db.unit_of_work(read_only=True) as uow:
        row = uow.actions.message(channel, ts)
        if row is None:
            return None
        return SimpleNamespace(**{column.key: getattr(row, column.key)
                                  for column in ChannelMessage.__table__.columns})


def count(db) -> int:
    with db.unit_of_work(read_only=True) as uow:
        return len(uow.actions.marked_between(
            1, datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)))


def post(db, clock, text: str, *, ts: str = TS, channel: str = CHANNEL, user: str | None = BYSTANDER,
         subtype: str | None = None, bot_id: str | None = None) -> bool:
    with db.unit_of_work() as uow:
        changed = channel_marks.record_message(uow, channel=channel, ts=ts, user=user, text=text,
                                               now=clock.now(), subtype=subtype, bot_id=bot_id)
        uow.commit()
        return changed


def react(db, clock, settings, reaction: str, text: str | None, *, ts: str = TS,
          channel: str = CHANNEL, user: str = COORDINATOR, author: str | None = BYSTANDER) -> bool:
    with db.unit_of_work() as uow:
        changed = channel_marks.record_reaction(uow, channel=channel, ts=ts, reaction=reaction,
                                                text=text, author=author, marker=user,
                                                now=clock.now(), settings=settings)
        uow.commit()
        return changed


def test_a_prefixed_message_is_stored_once_with_the_rest_of_its_text(db, clock, incident_id):
    assert post(db, clock, "DECISION: open the Valdosta shelter at 6pm") is True
    stored = message(db)
    assert (stored.incident_id, stored.user, stored.mark, stored.marked_by) == (
        incident_id, BYSTANDER, "decision", "prefix")
    assert stored.text == "open the Valdosta shelter at 6pm"
    assert stored.posted_at == datetime(2026, 11, 18, 11, 6, 40, 100, tzinfo=UTC)
    assert post(db, clock, "DECISION: open the Valdosta shelter at 6pm") is False  # event again
    assert count(db) == 1


def test_each_mark_kind_and_a_thread_broadcast(db, clock, incident_id):
    assert post(db, clock, "*ISSUE:* generators short in Tifton", ts="1795000001.000001")
    assert post(db, clock, "action: call the county EOC", ts="1795000002.000002",
                subtype="thread_broadcast")
    assert message(db, "1795000001.000001").mark == "issue"
    assert (message(db, "1795000002.000002").mark,
            message(db, "1795000002.000002").text) == ("action", "call the county EOC")


@pytest.mark.parametrize("kwargs", [
    {"text": "we should decide later"},                          # not marked
    {"text": "DECISION: yes", "channel": OTHER},                  # not an incident channel
    {"text": "DECISION: yes", "bot_id": "B0OTHER01"},             # a bot's message
    {"text": "DECISION: yes", "subtype": "bot_message"},
    {"text": "DECISION: yes", "subtype": "channel_join"},         # other subtypes
    {"text": "DECISION: yes", "subtype": "message_deleted"},
    {"text": "DECISION: yes", "user": None},
    {"text": "DECISION:   "},                                     # a prefix with nothing after it
])
def test_messages_that_are_not_recorded(db, clock, incident_id, kwargs):
    assert post(db, clock, **kwargs) is False
    assert message(db, channel=kwargs.get("channel", CHANNEL)) is None


def test_an_edit_updates_stores_or_forgets_a_prefixed_message(db, clock, incident_id):
    edit = {"subtype": "message_changed"}
    assert post(db, clock, "thinking out loud", **edit) is False  # never marked
    assert post(db, clock, "DECISION: open the shelter", **edit) is True  # became marked
    assert message(db).text == "open the shelter"
    assert post(db, clock, "DECISION: open the shelter at 6pm", **edit) is True
    assert message(db).text == "open the shelter at 6pm"
    assert post(db, clock, "DECISION: open the shelter at 6pm", **edit) is False  # unchanged
    assert post(db, clock, "ISSUE: the shelter has no power", **edit) is True
    assert (message(db).mark, message(db).text) == ("issue", "the shelter has no power")
    assert post(db, clock, "never mind", **edit) is True  # prefix removed: forgotten
    assert message(db) is None


def test_an_edit_keeps_the_mark_a_reaction_gave(db, clock, settings, incident_id):
    assert react(db, clock, settings, "pushpin", "Maria calls the Red Cross") is True
    assert post(db, clock, "Maria calls the Red Cross tonight", subtype="message_changed")
    stored = message(db)
    assert (stored.mark, stored.marked_by, stored.text) == (
        "action", "reaction", "Maria calls the Red Cross tonight")


def test_a_configured_reaction_marks_the_message_with_its_text(db, clock, settings, incident_id):
    assert react(db, clock, settings, "white_check_mark", "Shelters open at 6pm") is True
    stored = message(db)
    # credited to who wrote it; who reacted is kept as who marked it
    assert (stored.mark, stored.marked_by, stored.text, stored.user, stored.marker) == (
        "decision", "reaction", "Shelters open at 6pm", BYSTANDER, COORDINATOR)
    assert stored.posted_at == channel_marks.posted_at(TS)
    assert react(db, clock, settings, "warning", "Shelters open at 6pm") is False  # first mark
    assert message(db).mark == "decision"
    assert react(db, clock, settings, "warning::skin-tone-3", "Roads closed",
                 ts="1795000003.000003") is True
    assert message(db, "1795000003.000003").mark == "issue"


def test_a_reaction_never_credits_the_reactor_with_the_words(db, clock, settings, incident_id):
    # Slack names no author (a message posted by an integration): no one is credited
    assert react(db, clock, settings, "warning", "Dialysis centre closed", author=None) is True
    assert (message(db).user, message(db).marker) == ("", COORDINATOR)
    # the author marking their own message: both are the author
    assert react(db, clock, settings, "warning", "Roads closed", ts="1795000004.000004",
                 user=BYSTANDER) is True
    stored = message(db, "1795000004.000004")
    assert (stored.user, stored.marker) == (BYSTANDER, BYSTANDER)


def test_a_reaction_on_a_prefixed_message_strips_the_prefix(db, clock, settings, incident_id):
    assert react(db, clock, settings, "pushpin", "ACTION: Sam books the buses") is True
    assert (message(db).mark, message(db).text) == ("action", "Sam books the buses")


def test_a_message_marked_by_prefix_keeps_that_mark(db, clock, settings, incident_id):
    post(db, clock, "ISSUE: the bridge is out")
    assert react(db, clock, settings, "white_check_mark", "ISSUE: the bridge is out") is False
    assert (message(db).mark, message(db).marked_by) == ("issue", "prefix")


@pytest.mark.parametrize("reaction, text, channel", [
    ("thumbsup", "Shelters open", CHANNEL),            # not a configured reaction
    ("white_check_mark", None, CHANNEL),               # the message is gone
    ("white_check_mark", "   ", CHANNEL),
    ("white_check_mark", "Shelters open", OTHER),      # not an incident channel
])
def test_reactions_that_mark_nothing(db, clock, settings, incident_id, reaction, text, channel):
    assert react(db, clock, settings, reaction, text, channel=channel) is False
    assert message(db, channel=channel) is None


def test_the_reactions_come_from_the_settings(db, clock, settings, incident_id):
    custom = settings.model_copy(update={"notes": settings.notes.model_copy(
        update={"decision_reaction": "heavy_check_mark"})})
    assert channel_marks.reaction_mark("heavy_check_mark", custom) == "decision"
    assert channel_marks.reaction_mark("white_check_mark", custom) is None
    assert react(db, clock, custom, "white_check_mark", "Shelters open") is False
    assert react(db, clock, custom, "heavy_check_mark", "Shelters open") is True


# ----- the worker-side jobs ----------------------------------------------------------------------

def test_the_message_job_stores_and_commits(container, db, incident_id):
    jobs = Slash(container)
    assert jobs.record_channel_message(CHANNEL, TS, BYSTANDER, "DECISION: evacuate zone A",
                                       None) is None
    assert message(db).text == "evacuate zone A"


def test_the_reaction_job_fetches_the_text_only_when_it_may_store(container, db, slack,
                                                                  incident_id):
    jobs = Slash(container)
    slack.history[(CHANNEL, TS)] = "Buses leave at noon"
    slack.history[(OTHER, TS)] = "lunch?"
    jobs.record_reaction(CHANNEL, TS, "thumbsup", COORDINATOR)       # not a marking reaction
    jobs.record_reaction(OTHER, TS, "pushpin", COORDINATOR)          # not an incident channel
    assert [name for name, _ in slack.calls if name == "message_text"] == []

    jobs.record_reaction(CHANNEL, TS, "pushpin", COORDINATOR, BYSTANDER)
    assert ("message_text", {"channel": CHANNEL, "ts": TS}) in slack.calls
    assert (message(db).mark, message(db).text) == ("action", "Buses leave at noon")
    assert (message(db).user, message(db).marker) == (BYSTANDER, COORDINATOR)

    jobs.record_reaction(CHANNEL, TS, "warning", COORDINATOR)        # already stored: no fetch
    assert len([name for name, _ in slack.calls if name == "message_text"]) == 1

    jobs.record_reaction(CHANNEL, "1795000009.000009", "warning", COORDINATOR)  # gone from Slack
    assert message(db, "1795000009.000009") is None


# ----- what the web process hands over --------------------------------------------------------

def test_the_web_process_hands_over_only_what_may_mark_something():
    from handlers.slack.events import message_job

    new = {"type": "message", "channel": CHANNEL, "user": BYSTANDER, "ts": TS}
    assert message_job({**new, "text": "DECISION: go"}) == RecordChannelMessage(
        CHANNEL, TS, BYSTANDER, "DECISION: go", None)
    assert message_job({**new, "text": "ISSUE: x", "subtype": "thread_broadcast"}).subtype == (
        "thread_broadcast")
    assert message_job({**new, "text": "lunch?"}) is None
    assert message_job({**new, "text": "DECISION: go", "bot_id": "B1"}) is None
    assert message_job({**new, "text": "DECISION: go", "subtype": "channel_join"}) is None
    edit = {"type": "message", "subtype": "message_changed", "channel": CHANNEL,
            "ts": "1795000099.000000",
            "message": {"type": "message", "user": BYSTANDER, "ts": TS, "text": "now plain"},
            "previous_message": {"type": "message", "user": BYSTANDER, "ts": TS,
                                 "text": "DECISION: go"}}
    assert message_job(edit) == RecordChannelMessage(CHANNEL, TS, BYSTANDER, "now plain",
                                                     "message_changed")
    unfurl = {**edit, "previous_message": {**edit["previous_message"], "text": "now plain"}}
    assert message_job(unfurl) is None
    bot_edit = {**edit, "message": {**edit["message"], "bot_id": "B1"}}
    assert message_job(bot_edit) is None
