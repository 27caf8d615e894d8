"""What the call-notes service tests share: a finished call (Ana, Minh, Jean who texted STOP,
and a stranger on it), settings with a review channel, drafting and reading notes back."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot.calls.service import attendance
from bot.db.models import CallNotes
from bot.directory.rules.contacts import ContactRecord
from bot.dispatch.grammar import Invocation
from bot.notes.service import review as notes_review
from bot.sms.service import consent
from tests.conftest import COORDINATOR
from tests.support.scenario import declared_with_contacts
from tests.support.slash import Slash

KEY = "INC-2026-0001"
REVIEW, WIDER = "CREVIEW01", "CWIDER001"
ANA, MINH, JEAN, STRANGER = "+12025550101", "+12025550102", "+12025550103", "+12025550199"
PEOPLE = [
    ContactRecord(name="Ana Ruiz", phone=ANA, language="es", regions=("FL",)),
    ContactRecord(name="Minh Tran", phone=MINH, language="vi", regions=("GA",)),
    ContactRecord(name="Jean Pierre", phone=JEAN, language="ht", regions=("FL",)),
    ContactRecord(name="Cora Coordinator", slack_user_id=COORDINATOR, regions=("FL",)),
]
TEXT = ("# Notes of call 1\n\n## Decisions\n- Open the Lincoln High shelter tonight\n"
        "- Ask the county for 200 cots\n\n## Issues\n- No Spanish interpreter on the hotline\n")


def review_settings(settings):
    """The test settings with a review channel, a wider channel and SMS summaries."""
    notes = settings.notes.model_copy(update={
        "review_channel": REVIEW, "distribution_channels": [WIDER], "sms_summary": True})
    return settings.model_copy(update={"notes": notes})


@pytest.fixture
def call(container, clock):
    """Call 1 of the incident, over, with Ana, Minh, Jean (who texted STOP) and a stranger on it
    (a fixture for the notes modules, loaded by conftest.pytest_plugins; they also set
    ``settings`` to :func:`review_settings`)."""
    return finished_call(container, clock)


def finished_call(container, clock):
    """Call 1 of the incident, over, with Ana, Minh, Jean (who texted STOP) and a stranger on it."""
    commands = declared_with_contacts(container, PEOPLE)
    commands.run(Invocation("call", key=KEY, text="schedule 2026-11-28 15:00 America/New_York"),
                 user=COORDINATOR, channel=None)
    container.worker.drain()
    with container.db.unit_of_work() as uow:
        the_call = uow.calls.by_number(uow.incidents.by_key(KEY).id, 1)
        for number, phone in enumerate((ANA, MINH, JEAN, STRANGER)):
            attendance.joined(uow, conference=the_call.conference_name, call_sid=f"CA{number}",
                              phone=phone, at=the_call.starts_at)
        consent.opt_out(uow, JEAN, source="sms:STOP", at=clock.now())
        uow.commit()
        return SimpleNamespace(id=the_call.id, number=1)


def draft(container, call, text=TEXT, settings=None):
    with container.db.unit_of_work() as uow:
        notes = notes_review.open_draft(uow, uow.calls.get(call.id), text=text,
                                        now=container.clock.now(),
                                        settings=settings or container.settings)
        uow.commit()
        notes_id = notes.id
    container.worker.drain()
    return notes_id


def snapshot(container, notes_id):
    with container.db.unit_of_work(read_only=True) as uow:
        row = uow.notes.get(notes_id)
        notes = SimpleNamespace(**{c.key: getattr(row, c.key) for c in CallNotes.__table__.columns})
        notes.versions = [(v.version, v.author, v.reason, v.created_at, v.text)
                          for v in uow.notes.versions(notes_id)]
        return notes


def incident_channel(container):
    with container.db.unit_of_work(read_only=True) as uow:
        return uow.incidents.by_key(KEY).channel_id


def card(slack, channel=REVIEW):
    cards = [p for p in slack.posts if p["channel"] == channel
             and p["text"].startswith("Call notes for review")]
    assert len(cards) == 1, "the review card is posted once, then edited in place"
    return cards[0]


def buttons(post):
    return [e for b in post["blocks"] if b["type"] == "actions" for e in b["elements"]]


def notes_posts(slack, channel):
    return [p for p in slack.posts if p["channel"] == channel and "Call notes" in p["text"]]


def commands(container):
    return Slash(container)


def attach(container, call, text):
    return commands(container).run(Invocation("notes", key=KEY, text=f"attach {call.number} {text}"),
                                   user=COORDINATOR, channel=None).text
