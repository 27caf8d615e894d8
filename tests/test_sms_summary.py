"""The SMS summary of approved notes for community members: decisions and partners' tasks as
whole items within the segment budget, in each language's frame, without staff names or times.
Property-style over many item sets (Hypothesis), then once through approval on every backend."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bot.config import Settings
from bot.db.models import ActionItem
from bot.i18n.catalog import render
from bot.i18n.languages import LANGUAGES
from bot.notes.rules import summary
from bot.notes.service import publishing
from bot.sms.rules.segments import fits
from tests.conftest import COORDINATOR, OFFICIAL
from tests.support.notes import ANA, MINH, commands, draft, review_settings

STAFF = ("Karen Whitfield", "Maria Alvarez", "James Okoro")
WORDS = ("shelter", "open", "the", "county", "dialysis", "patients", "need", "transport",
         "diálisis", "refugio", "Kreyòl", "interprèt", "người", "bệnh", "透析", "交通", "버스",
         "Lincoln", "High", "tonight", "cots", "water", "(north)", "gym")
SOURCES = ("({who}, 04:20)", "({who}, 16:05; marked by {marker})", "({who}, transcript)",
           "(transcript)")
TIME = re.compile(r"\b\d{1,2}:\d{2}\b")
INCIDENT = SimpleNamespace(key="INC-2026-0001", title="Hurricane Xavier")
LINK = "https://crcl.example.gov/notes/INC-2026-0001/2"
PURE = Settings(database={"url": "sqlite://"})  # for the tests that touch no database

item_text = st.lists(st.sampled_from(WORDS), min_size=1, max_size=30).map(" ".join)
sourced = st.tuples(item_text, st.sampled_from(SOURCES), st.sampled_from(STAFF),
                    st.sampled_from(STAFF))


@pytest.fixture
def settings(settings):
    return review_settings(settings)


def notes_text(decisions: list[tuple[str, str, str, str]]) -> str:
    lines = [f"- {text} {source.format(who=who, marker=marker)}"
             for text, source, who, marker in decisions]
    return ("# Call notes: INC-2026-0001 Hurricane Xavier, call 2\n\n## Decisions\n\n"
            + ("\n".join(lines) or "None recorded.") + "\n\n## Issues raised\n\nNone recorded.\n")


def inner_lines(body: str, language: str) -> list[str]:
    """The summary's own lines: between the frame's first line and its STOP line."""
    frame = render("notes_summary", language, office="\x00", title="\x01", text="\x02")
    head, _, tail = frame.partition("\x02")
    head = head.replace("\x00", "Civil Rights Coordination Office").replace("\x01", "Hurricane Xavier")
    assert body.startswith(head) and body.endswith(tail)
    return body[len(head):len(body) - len(tail)].split("\n")


@hypothesis_settings(max_examples=150, deadline=None)
@given(decisions=st.lists(sourced, max_size=14), tasks=st.lists(item_text, max_size=10),
       language=st.sampled_from(sorted(LANGUAGES)), link=st.sampled_from([None, LINK]))
def test_whole_items_within_the_budget_in_every_language(decisions, tasks, language, link):
    settings = PURE
    decided = summary.decisions(notes_text(decisions))
    # sources gone, each decision once
    assert decided == list(dict.fromkeys(" ".join(text.split()) for text, *_ in decisions))
    body = publishing.summary_body(decided, tasks, language, INCIDENT, settings, link=link)
    assert fits(body, settings.sms.max_segments)
    assert not TIME.search(body) and not any(name in body for name in STAFF)
    lines = inner_lines(body, language)
    shown = [line[2:] for line in lines if line.startswith("- ")]
    every = decided + tasks
    assert shown == every[:len(shown)]  # whole items, in order, none cut or skipped
    more = render("notes_summary_more_link", language, url=link) if link else render(
        "notes_summary_more", language)
    if not every:
        assert lines == [render("notes_summary_nothing", language)]
    elif len(shown) < len(every):
        assert lines[-1] == more
        # the next item would not have fitted
        groups = [(render("notes_summary_decided", language), item) for item in decided] + [
            (render("notes_summary_todo", language), item) for item in tasks]
        count = len(shown) + 1
        bigger = summary.item_lines(groups[:count], more if count < len(every) else "")
        assert not fits(render("notes_summary", language, office=settings.office_name,
                               title=INCIDENT.title, text=bigger), settings.sms.max_segments)
    else:
        assert more not in lines
    headings = {render("notes_summary_decided", language), render("notes_summary_todo", language)}
    assert all(line.startswith("- ") or line in headings | {more} for line in lines if every)


def test_a_dialysis_issue_is_not_dropped_mid_sentence_and_staff_stay_out():
    settings = PURE
    text = notes_text([("Open the Lincoln High shelter tonight", SOURCES[0], STAFF[2], STAFF[1]),
                       ("Dialysis patients get transport to Tallahassee Memorial at 6 AM",
                        SOURCES[1], STAFF[0], STAFF[1])])
    body = publishing.summary_body(summary.decisions(text), ["Gulf Relief: send two buses"],
                                   "en", INCIDENT, settings)
    assert body == ("Civil Rights Coordination Office: summary of the call about Hurricane "
                    "Xavier:\nDecided:\n- Open the Lincoln High shelter tonight\n- Dialysis "
                    "patients get transport to Tallahassee Memorial at 6 AM\nTo do:\n- Gulf "
                    "Relief: send two buses\nReply STOP to stop texts.")


def test_action_numbers_come_from_the_notes_table():
    text = ("## Action items\n\n| No. | Item | Owner | Start | Status | Due |\n"
            "| --- | --- | --- | --- | --- | --- |\n| A-3 | Map roads | County EOC | x | Open | — |\n"
            "| A-12 | Buses | Gulf Relief | x | Open | — |\n")
    assert summary.action_numbers(text) == [3, 12]


# ----- through approval ------------------------------------------------------------------------

def _item(uow, incident_id: int, number: int, text: str, kind: str, owner: str,
          status: str = "open") -> None:
    at = datetime(2026, 11, 28, 20, 0, tzinfo=UTC)
    uow.actions.add(ActionItem(incident_id=incident_id, number=number, text=text,
                               owner_kind=kind, owner_ref=owner, owner_label=owner,
                               status=status, due_at=None, version=1, source="command",
                               created_by=COORDINATOR, created_at=at, updated_at=at))


@pytest.mark.parametrize("public_page", ["", "https://crcl.example.gov/notes/{incident}/{call}"])
def test_attendees_get_decisions_and_partner_tasks_only(container, call, sms, public_page):
    settings = container.settings
    settings.notes.public_page_url = public_page
    with container.db.unit_of_work() as uow:
        incident = uow.incidents.by_key("INC-2026-0001")
        _item(uow, incident.id, 1, "Send two interpreters to Lincoln High", "organisation",
              "Gulf Relief")
        _item(uow, incident.id, 2, "Call the county about fuel", "slack", "UOKORO001")
        _item(uow, incident.id, 3, "Already done", "contact", "Ana Ruiz", status="done")
        uow.commit()
    long = " ".join(["and bring water"] * 12)
    text = (notes_text([("Open the Lincoln High shelter tonight", SOURCES[0], STAFF[2],
                         STAFF[1])] + [(f"Decision {n} {long}", SOURCES[1], STAFF[0], STAFF[1])
                                       for n in range(8 if public_page else 0)])
            + "\n## Action items\n\n| No. | Item | Owner |\n| --- | --- | --- |\n"
              "| A-1 | Send two interpreters | Gulf Relief |\n| A-2 | Call the county | "
              "James Okoro |\n| A-3 | Already done | Ana Ruiz |\n")
    notes_id = draft(container, call, text=text)
    commands(container).approve(notes_id, 1, user=OFFICIAL)
    container.worker.drain()
    for phone in (ANA, MINH):
        [body] = [m["body"] for m in sms.sent if m["to"] == phone and "STOP" in m["body"]
                  and ("resumen" in m["body"] or "tóm tắt" in m["body"])]
        assert fits(body, settings.sms.max_segments)
        assert "Open the Lincoln High shelter tonight" in body
        assert not TIME.search(body) and not any(name in body for name in STAFF)
        assert "fuel" not in body and "Already done" not in body
        if public_page:  # too long to fit whole: the rest is a link away
            assert body.splitlines()[-2].endswith(
                "https://crcl.example.gov/notes/INC-2026-0001/1")
        else:
            assert "- Gulf Relief: Send two interpreters to Lincoln High" in body
