"""Drafted call notes: marked lines, and a scripted call drafted against a golden file.

Set ``COORDBOT_UPDATE_GOLDEN=1`` to rewrite the golden file from the current output (then read it).
"""

from __future__ import annotations

import difflib
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.calls.service import attendance
from bot.db.models import ActionItem, CallTranscript, ChannelMessage
from bot.directory.rules.contacts import ContactRecord
from bot.dispatch.grammar import Invocation
from bot.notes.rules.marks import mark_of, transcript_marks
from bot.notes.service import draft as notes_draft
from bot.records import audit
from tests.conftest import COORDINATOR
from tests.support.scenario import declared_with_contacts
from tests.support.slash import Slash
from tests.support.sms import sms_in

GOLDEN = Path(__file__).with_name("golden") / "notes_call.md"
KEY = "INC-2026-0001"
ANA, MINH, JEAN, LEE = "+12025550101", "+12025550102", "+12025550103", "+12025550105"
STRANGER = "+13055550199"
PEOPLE = [
    ContactRecord(name="Ana Ruiz", organisation="Gulf Relief", phone=ANA, language="es",
                  regions=("FL",)),
    ContactRecord(name="Minh Tran", organisation="Gulf Relief", phone=MINH, language="vi",
                  regions=("GA",)),
    ContactRecord(name="Jean Pierre", organisation="Haitian Community Center", phone=JEAN,
                  language="ht", regions=("FL",)),
    ContactRecord(name="Staff Member", slack_user_id="USTAFF001", regions=("FL",)),
    ContactRecord(name="Lee Dial", organisation="County EOC", phone=LEE, regions=("FL",)),
]
NAMES = {COORDINATOR: "Dana Cole", "USTAFF001": "Sam Staff"}


def name_of(user_id: str) -> str:
    return NAMES.get(user_id, user_id)


def at(hour: int, minute: int = 0, day: int = 27) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


# ---------------------------------------------------------------- marks


@pytest.mark.parametrize(("text", "expected"), [
    ("DECISION: open the shelter", ("decision", "open the shelter")),
    ("  issue:   no water  ", ("issue", "no water")),
    ("Action: call the county", ("action", "call the county")),
    ("*DECISION:* open the shelter", ("decision", "open the shelter")),
    ("*Decision*: open the shelter", ("decision", "open the shelter")),
    ("*ISSUE: the whole line is bold*", ("issue", "the whole line is bold")),
    ("ACTION: first line\nsecond line", ("action", "first line\nsecond line")),
])
def test_marked_messages(text, expected):
    assert mark_of(text) == expected


@pytest.mark.parametrize("text", [
    "Decisionmaking: x", "ISSUE:", "ISSUE:    ", "*ISSUE:*", "*ACTION*:", "DECISION - open it",
    "DECISION : open it", "Decisions: open it", "we made a DECISION: open it", "", "decision",
])
def test_not_marks(text):
    assert mark_of(text) is None


def test_transcript_marks_keep_the_speaker_and_drop_the_timestamp():
    text = "\n".join([
        "[00:12:03] Ana Ruiz: DECISION: open the second shelter",
        "Minh Tran: ISSUE: the bridge on route 9 is out",
        "[00:13:10] ACTION: Jean to call the county",
        "00:14:00 Lee Dial: action: bring generators",
        "<v Jean Pierre>Decision: keep route 9 closed",
        "Ana Ruiz: the DECISION: was not taken",
        "DECISION: ISSUE: a decision whose text starts like an issue",
        "[00:15:00] Ana Ruiz: ISSUE:",
        "*DECISION*: bold, no speaker",
        "just talk",
    ])
    assert transcript_marks(text) == [
        ("decision", "open the second shelter (Ana Ruiz)"),
        ("issue", "the bridge on route 9 is out (Minh Tran)"),
        ("action", "Jean to call the county"),
        ("action", "bring generators (Lee Dial)"),
        ("decision", "keep route 9 closed (Jean Pierre)"),
        ("decision", "ISSUE: a decision whose text starts like an issue"),
        ("decision", "bold, no speaker"),
    ]


def test_a_speaker_name_is_limited_in_length():
    long_name = "x" * 61
    assert transcript_marks(f"{long_name}: DECISION: go") == []
    assert transcript_marks(f"{'x' * 60}: DECISION: go") == [("decision", f"go ({'x' * 60})")]


# ---------------------------------------------------------------- a scripted call


def run(commands: Slash, name: str, text: str) -> str:
    return commands.run(Invocation(name, key=KEY, text=text), user=COORDINATOR, channel=None).text


def update(commands, clock, when: datetime, text: str) -> None:
    clock.current = when
    run(commands, "update", text)


def rsvp_yes(container, phone: str) -> None:
    sms_in(container, "YES", phone, sid=f"SM{phone[-4:]}")


def item(uow, incident_id: int, number: int, text: str, created: datetime, *,
         owner: str = "Gulf Relief", due: datetime | None = None) -> ActionItem:
    row = ActionItem(incident_id=incident_id, number=number, text=text, owner_kind="organisation",
                     owner_ref=owner, owner_label=owner, status="open", due_at=due, version=1,
                     source="command", created_by=COORDINATOR, created_at=created,
                     updated_at=created)
    uow.actions.add(row)
    audit.record(uow, at=created, actor=COORDINATOR, action="action.created",
                 incident_id=incident_id, action_id=row.id, number=number)
    return row


def change(uow, row: ActionItem, action: str, when: datetime, **row_changes) -> None:
    for name, value in row_changes.items():
        setattr(row, name, value)
    audit.record(uow, at=when, actor=COORDINATOR, action=action, incident_id=row.incident_id,
                 action_id=row.id, number=row.number)


def message(uow, incident_id: int, ts: str, when: datetime, mark: str, text: str, *,
            user: str = COORDINATOR, by: str = "prefix", marker: str | None = None) -> None:
    """A marked message as bot.notes.service.marks stores it: prefix gone, Slack markup kept."""
    uow.actions.add_message(ChannelMessage(incident_id=incident_id, channel="C00000001", ts=ts,
                                           user=user, text=text, posted_at=when, mark=mark,
                                           marked_by=by, marker=marker))


TRANSCRIPT = """[00:05:12] Ana Ruiz: DECISION: open the second shelter at Lincoln High
[00:09:40] Jean Pierre: We still have no interpreters in Kreyòl.
[00:10:02] Jean Pierre: ISSUE: no Haitian Creole interpreters at the shelters
[00:31:55] Minh Tran: ACTION: Gulf Relief to send two interpreters by Saturday
"""


@pytest.fixture
def scripted(container, clock) -> int:
    """Call 2 of an incident, 3:00–4:00 PM EST on 27 Nov 2026, with all it left behind."""
    clock.current = at(14)  # 9:00 AM EST
    commands = declared_with_contacts(container, PEOPLE, declare=(
        'hurricane "Hurricane Xavier" FL,GA severity=high summary="Category 2 landfall near '
        'Cedar Key; shelters opening across north Florida."'))
    clock.current = at(15)
    run(commands, "call", "schedule 2026-11-27 13:00 America/New_York for 30m")
    run(commands, "call", 'schedule 2026-11-27 15:00 America/New_York for 1h '
                          'agenda "Shelter capacity, road closures, interpreters"')
    run(commands, "call", "schedule 2026-11-27 18:00 America/New_York")
    run(commands, "call", "schedule 2026-11-28 15:00 America/New_York")
    run(commands, "call", "cancel 3")
    update(commands, clock, at(15, 30), "Evacuation order for zones A and B.")
    update(commands, clock, at(18, 0), "Call 1 held at its start: this one is not new.")
    update(commands, clock, at(18, 40), "Lincoln High shelter at 80% capacity.")
    clock.current = at(19, 0)  # after call 1 started: RSVPs go to call 2
    rsvp_yes(container, ANA)
    rsvp_yes(container, MINH)
    update(commands, clock, at(20, 30), "Route 9 closed at the Suwannee bridge.\nDetour via US-19.")
    update(commands, clock, at(21, 1), "After the call: not in these notes.")
    with container.db.unit_of_work() as uow:
        incident = uow.incidents.by_key(KEY)
        the_call = uow.calls.by_number(incident.id, 2)
        _attend(uow, the_call.conference_name)
        _actions(uow, incident.id)
        _messages(uow, incident.id)
        uow.notes.add_transcript(CallTranscript(call_id=the_call.id, text=TRANSCRIPT,
                                                source="upload:call2.txt", attached_by=COORDINATOR,
                                                attached_at=at(21, 10)))
        uow.commit()
        return the_call.id


def _attend(uow, conference: str) -> None:
    attendance.joined(uow, conference=conference, call_sid="CA1", phone=ANA, at=at(20, 1))
    attendance.joined(uow, conference=conference, call_sid="CA2", phone=JEAN, at=at(20, 2))
    attendance.joined(uow, conference=conference, call_sid="CA3", phone=STRANGER, at=at(20, 3))
    attendance.joined(uow, conference=conference, call_sid="CA4", phone=LEE, at=at(20, 4))
    attendance.left(uow, call_sid="CA1", at=at(20, 30))
    attendance.joined(uow, conference=conference, call_sid="CA5", phone=ANA, at=at(20, 35))
    attendance.ended(uow, conference=conference, at=at(21, 0))


def _actions(uow, incident_id: int) -> None:
    # before the call, untouched during it: carried over (and overdue by the call's end)
    a1 = item(uow, incident_id, 1, "Confirm generator fuel for Lincoln High", at(18, 50),
              owner="County EOC", due=at(20, 30))
    change(uow, a1, "action.due_changed", at(19, 59), due_at=at(20, 30))
    # before the call, done during it: in the tracker only
    a2 = item(uow, incident_id, 2, "Publish shelter list in Spanish", at(16), owner="Ana Ruiz")
    change(uow, a2, "action.done", at(20, 40), status="done", done_at=at(20, 40))
    # before the call, reassigned during it and still open: in both tables
    a3 = item(uow, incident_id, 3, "Map closed roads", at(17), owner="Sam Staff")
    change(uow, a3, "action.reassigned", at(20, 50), owner_ref="County EOC",
           owner_label="County EOC")
    item(uow, incident_id, 4, "Send interpreters | Kreyòl and Vietnamese", at(20, 15),
         due=at(14, day=28))
    item(uow, incident_id, 5, "Created after the call", at(21, 1))


def _messages(uow, incident_id: int) -> None:
    message(uow, incident_id, "1.0", at(19, 59), "decision", "before the call")
    message(uow, incident_id, "2.0", at(20, 5), "decision",
            "open the second shelter at Lincoln High")
    message(uow, incident_id, "3.0", at(20, 10), "issue",
            "Route 9 flooded &amp; closed, says <@USTAFF001>", user="USTAFF001", by="reaction")
    message(uow, incident_id, "4.0", at(20, 20), "action",
            "<@USTAFF001> to share <https://maps.example.org/r9|the detour map>")
    message(uow, incident_id, "5.0", at(21, 0), "decision", "next call tomorrow 3 PM")
    message(uow, incident_id, "6.0", at(21, 1), "decision", "one minute too late")


def drafted(container, call_id: int) -> str:
    with container.db.unit_of_work(read_only=True) as uow:
        return notes_draft.draft(uow, uow.calls.get(call_id), settings=container.settings,
                                 name_of=name_of)


def test_drafted_notes_match_the_golden_file(container, scripted):
    text = drafted(container, scripted)
    if os.environ.get("COORDBOT_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    expected = GOLDEN.read_text(encoding="utf-8")
    if text != expected:
        diff = difflib.unified_diff(expected.splitlines(keepends=True),
                                    text.splitlines(keepends=True),
                                    fromfile=str(GOLDEN), tofile="drafted")
        pytest.fail("drafted notes differ from the golden file "
                    "(COORDBOT_UPDATE_GOLDEN=1 rewrites it):\n" + "".join(diff), pytrace=False)


def test_drafting_twice_gives_the_same_text(container, scripted):
    assert drafted(container, scripted) == drafted(container, scripted)


def test_window_boundaries(container, scripted):
    with container.db.unit_of_work(read_only=True) as uow:
        content = notes_draft.gather(uow, uow.calls.get(scripted), settings=container.settings,
                                     name_of=name_of)
    decisions = [m.text for m in content.decisions]
    assert "next call tomorrow 3 PM" in decisions  # posted exactly at the end
    assert "one minute too late" not in decisions
    assert "before the call" not in decisions
    assert [r.number for r in content.items] == [2, 3, 4]
    assert [r.number for r in content.carried] == [1, 3]
    assert [u.at for u in content.updates] == [at(18, 40), at(20, 30)]
    assert content.next_call is not None and content.next_call.number == 4


def test_a_mark_by_reaction_is_credited_to_who_said_it(container, scripted):
    """Karen's words marked by Maria's reaction read "(Karen, 15:25; marked by Maria)"; a mark
    by the author's own reaction, or on a message Slack names no author for, names no one twice
    and no one wrongly."""
    with container.db.unit_of_work() as uow:
        incident_id = uow.calls.get(scripted).incident_id
        message(uow, incident_id, "7.0", at(20, 25), "issue", "dialysis patients need transport",
                user="USTAFF001", by="reaction", marker=COORDINATOR)
        message(uow, incident_id, "8.0", at(20, 26), "issue", "no power at the clinic",
                user="USTAFF001", by="reaction", marker="USTAFF001")
        message(uow, incident_id, "9.0", at(20, 27), "issue", "posted by an integration",
                user="", by="reaction", marker=COORDINATOR)
        uow.commit()
    text = drafted(container, scripted)
    assert "- dialysis patients need transport (Sam Staff, 15:25; marked by Dana Cole)" in text
    assert "- no power at the clinic (Sam Staff, 15:26)\n" in text
    assert "- posted by an integration (15:27; marked by Dana Cole)" in text


def test_an_external_bridge_call_says_attendance_was_not_recorded(container, clock):
    commands = declared_with_contacts(container, PEOPLE, declare='flood "River Flood" GA')
    run(commands, "call", "schedule 2026-11-27 15:00 America/New_York for 45m "
                          "bridge https://meet.example.org/flood")
    with container.db.unit_of_work(read_only=True) as uow:
        the_call = uow.calls.by_number(uow.incidents.by_key(KEY).id, 1)
        text = notes_draft.draft(uow, the_call, settings=container.settings)
    assert "- Bridge: https://meet.example.org/flood" in text
    assert "- Call time: Fri 27 Nov 2026, 3:00 PM – 3:45 PM EST" in text
    assert "Who joined was not recorded" in text
    assert "**Also invited (1)**\n\n- Gulf Relief: Minh Tran" in text
    assert "## Agenda\n\nNone recorded." in text
    assert "## Next call\n\nNone scheduled." in text
