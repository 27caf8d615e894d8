"""Nothing we post pings anyone unless we meant it: mentions typed into a contact's name, an
incident's title, an SMS or a notes line come out escaped, in blocks and in the ``text``
fallback (which notifications show) alike."""

from __future__ import annotations

import json
import re

import pytest

from bot.directory.rules.contacts import ContactRecord
from bot.directory.service import contacts as directory
from bot.dispatch.grammar import Invocation, parse_declare
from bot.slack_ui.text import escape
from tests.conftest import COORDINATOR, OFFICIAL
from tests.support.hostile import HOSTILE, MENTIONS
from tests.support.notes import REVIEW, review_settings
from tests.support.slash import Slash
from tests.support.sms import sms_in

KEY = "INC-2026-0001"
ANA, STAFF = "+12025550101", "+12025550105"
BROADCAST = re.compile(r"(?<!\w)@(?:channel|here|everyone)\b|<!|<@U123\b", re.IGNORECASE)


@pytest.fixture
def settings(settings):
    return review_settings(settings)


def unescaped(posted: object) -> list[str]:
    """Every mention in ``posted`` (a text, or blocks as JSON) that Slack would act on."""
    text = posted if isinstance(posted, str) else json.dumps(posted, ensure_ascii=False)
    return BROADCAST.findall(text)


def everything_posted(slack) -> list[tuple[str, object]]:
    seen: list[tuple[str, object]] = []
    for post in slack.posts:
        seen += [("post text", post["text"]), ("post blocks", post["blocks"] or [])]
    seen += [("ephemeral", e["text"]) for e in slack.ephemerals]
    for response in slack.responses:
        seen += [("response text", response["text"]), ("response blocks", response["blocks"] or [])]
    seen += [("file comment", f["comment"]) for f in slack.files]
    return seen


def test_escape_neutralises_every_kind_of_mention():
    for mention in MENTIONS:
        assert not unescaped(escape(f"hi {mention} there")), mention
    assert escape("Tom & Jerry <b>") == "Tom &amp; Jerry &lt;b&gt;"
    assert escape("mail ana@here.org") == "mail ana@here.org"  # not a word of its own: kept


def test_no_flow_posts_a_mention_it_was_given(container, slack, clock):
    """Declare, update, a call with an agenda, action items, an SMS forwarded, notes drafted,
    changes requested and published, with a mention in every string a person typed."""
    slack.users.update({COORDINATOR: "Cora", OFFICIAL: "Olga"})
    commands = Slash(container)
    draft = parse_declare(f'hurricane "{HOSTILE} storm" FL')
    replies = [commands.declare(draft, user=COORDINATOR).text]
    people = [ContactRecord(name=f"{HOSTILE} Ruiz", phone=ANA, organisation=f"{HOSTILE} Org",
                            regions=("FL",)),
              ContactRecord(name=f"{HOSTILE} Staff", phone=STAFF, slack_user_id="USTAFF001",
                            regions=("FL",))]
    with container.db.unit_of_work() as uow:
        directory.import_records(uow, people, source="t", actor="t", now=clock.now())
        uow.commit()
    container.worker.drain()
    with container.db.unit_of_work(read_only=True) as uow:
        channel = uow.incidents.by_key(KEY).channel_id

    def run(name: str, text: str, user: str = COORDINATOR) -> None:
        replies.append(commands.run(Invocation(name, key=KEY, text=text), user=user,
                                    channel=None).text)

    run("update", f"Shelters open {HOSTILE}")
    run("call", f'schedule 2026-11-28 15:00 America/New_York agenda "{HOSTILE} agenda"')
    run("action", f'add "{HOSTILE} Org" "{HOSTILE} check the levee"')
    run("action", f'add "{HOSTILE} Staff" "{HOSTILE} call the county"')
    run("contacts", "")
    run("status", "")
    run("call", "list")
    run("call", "rsvps 1")
    run("contacts", f"why {HOSTILE} Ruiz")
    container.worker.drain()
    sms_in(container, f"Necesitamos agua {HOSTILE}", ANA)
    container.worker.drain()
    with container.db.unit_of_work(read_only=True) as uow:
        call_id = uow.calls.by_number(uow.incidents.by_key(KEY).id, 1).id
    from bot.notes.service import review as notes_review

    with container.db.unit_of_work() as uow:
        notes = notes_review.open_draft(
            uow, uow.calls.get(call_id), now=clock.now(), settings=container.settings,
            text=f"# Notes {HOSTILE}\n\n## Decisions\n- {HOSTILE} open the shelter\n")
        uow.commit()
        notes_id = notes.id
    container.worker.drain()
    commands.request_changes(notes_id, f"Please fix {HOSTILE}", user=OFFICIAL)
    commands.approve(notes_id, 1, user=OFFICIAL)
    container.worker.drain()

    seen = everything_posted(slack) + [("reply", r) for r in replies]
    assert any(HOSTILE.split()[0] in str(text) for _, text in seen)
    assert [p for p in slack.posts if p["channel"] == channel], "the flows posted to the channel"
    assert [p for p in slack.posts if p["channel"] == REVIEW], "the notes went to review"
    leaks = [(where, str(text)[:200]) for where, text in seen if unescaped(text)]
    assert not leaks, leaks
