"""The notes page as a document: what comes first, one h1, the attendance summarised, the
approval block and revisions, and a letterhead that cannot break out of its stylesheet."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.notes import html as notes_html
from bot.notes import style
from bot.notes.rules import sections

AT = datetime(2026, 11, 28, 20, 0, tzinfo=UTC)
DRAFTED = """# Call notes: INC-2026-0001 Hurricane Xavier, call 1

- Chair: Maria

## Attendance

**Joined (3)**

- County Emergency Management: Ana Ruiz, Minh Tran
- Unlisted callers: +1 202-555-••99

**Invited but absent (0)**

None.

## Agenda

Shelters

## Action items

| No. | Item | Owner | Start | Status | Due |
| --- | --- | --- | --- | --- | --- |
| A-1 | Cots | County | Sat 28 Nov | Open | — |

## Decisions

- Open the Lincoln High shelter

## Issues raised

- No interpreter

# Appendix

```
# not a heading
```
"""


def _page(text=DRAFTED, office="Office of Civil Rights", **part):
    values = {"heading": "Call 1", "starts_at": AT, "approved": False,
              "banner": "Draft v1 — not approved", "text": text, **part}
    return notes_html.page("INC-2026-0001: Hurricane Xavier — notes of call 1",
                           [notes_html.Part(**values)], zone="America/New_York", office=office)


def test_decisions_issues_and_actions_come_first_and_attendance_last():
    page = _page()
    headings = re.findall(r"<h2>([^<]+)</h2>", page)
    assert headings[:3] == ["Decisions", "Issues raised", "Action items"]
    assert headings.index("Attendance") > headings.index("Agenda")
    assert headings.index("Attendance") > headings.index("Appendix")
    assert page.count("<h1>") == 1 and "Call notes: INC-2026-0001" not in page  # title once
    assert "# not a heading" in page  # fenced code stays code


def test_attendance_is_counted_by_organisation_with_the_names_folded():
    page = _page()
    attendance = page[page.index('<section class="attendance">'):]
    attendance = attendance[:attendance.index("</section>")]
    assert "<h3>Joined (3)</h3>" in attendance
    assert '<td>County Emergency Management</td><td class="n">2</td>' in attendance
    assert "<details><summary>Names (3)</summary>" in attendance
    assert attendance.index("Ana Ruiz") > attendance.index("<details>")


def test_attendance_edited_by_hand_is_shown_as_written():
    text = "## Attendance\n\nAbout twenty people from the county and the shelters.\n"
    assert sections.attendance(text.split("\n\n", 1)[1]) is None
    assert "About twenty people" in _page(text)


def test_the_approval_block_names_who_approved_which_version_and_revisions_are_listed():
    approvals = (notes_html.Approval(1, "Olu Adeyemi", AT), notes_html.Approval(3, "Kim Park", AT))
    revisions = (notes_html.Revision(1, "coordbot", AT, "Drafted from the call's records"),
                 notes_html.Revision(3, "Maria", AT, "Amended: 350 cots, not 200"))
    page = _page(approved=True, banner="Approved by Kim Park", approvals=approvals,
                 revisions=revisions)
    assert "Version 1 approved by Olu Adeyemi on Sat 28 Nov 2026, 3:00 PM EST" in page
    assert "Version 3 approved by Kim Park" in page and "Amended: 350 cots, not 200" in page
    assert "Not approved yet" in _page()


def test_print_margins_carry_the_office_state_and_page_numbers():
    page = _page()
    assert '@top-left{content:"Office of Civil Rights"' in page
    assert '@top-right{content:"Draft v1 — not approved"' in page
    assert '"Page " counter(page) " of " counter(pages)' in page


def test_a_hostile_office_name_or_banner_cannot_leave_the_stylesheet():
    office = 'Office"}</style><script>alert(1)</script>'
    page = _page(office=office)
    css = page[page.index("<style>"):page.index("</style>")]
    assert "<script>" not in css and "</style" not in css.lower()
    assert page.count("</style>") == 1 and "<script>" not in page
    assert style.css_string('a"b\\c\n') == '"a\\22 b\\5c c\\a "'


def test_an_official_needs_a_channel_and_ids_must_differ(tmp_path):
    import pytest

    from bot.config import ConfigError, load_settings

    config = tmp_path / "config.toml"
    config.write_text('[[officials]]\nid = "olu"\nname = "Olu"\nemail = "olu@example.gov"\n',
                      encoding="utf-8")
    with pytest.raises(ConfigError, match="needs a phone .SMS. or a slack_user .DM."):
        load_settings(config)
    config.write_text('[[officials]]\nid = "olu"\nname = "Olu"\nphone = "+12025550177"\n'
                      '[[officials]]\nid = "olu"\nname = "Olu 2"\nslack_user = "U0OLU"\n',
                      encoding="utf-8")
    with pytest.raises(ConfigError, match="olu appear twice"):
        load_settings(config)
    config.write_text('[[officials]]\nid = "olu"\nname = "Olu"\nphone = "202-555-0177"\n',
                      encoding="utf-8")
    with pytest.raises(ConfigError, match="officials.0.phone"):
        load_settings(config)
