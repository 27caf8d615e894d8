"""Reading contacts files, property-based: what the csv module writes reads back the same, and no
input makes the reader raise."""

from __future__ import annotations

import csv
import io

from hypothesis import assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bot.directory.rules.contacts import COLUMNS, Consent, ContactRecord
from bot.directory.rules.regions import US_REGIONS
from bot.i18n.languages import LANGUAGES
from bot.incidents.rules import IncidentType
from tests.support.contacts import (
    read,
)

# ---------------------------------------------------------------- property-based

LANGUAGE_TAGS = sorted(LANGUAGES)
REGION_CODES = [*sorted(US_REGIONS), "national"]
TYPES = [t.value for t in IncidentType]
ZONES = ["America/New_York", "America/Chicago", "America/Los_Angeles", "America/Puerto_Rico",
         "Pacific/Honolulu", "Europe/Paris"]
AREA_CODES = [202, 213, 305, 312, 404, 504, 713, 787, 917]


def _text(*, lower: bool = False, min_size: int = 0):
    def normal(value: str) -> str:
        value = value.strip()
        return value.lower().strip() if lower else value

    # NUL is left out: a cell holding one is a damaged file, refused with its line (a test below).
    return (st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                    min_size=min_size, max_size=25)
            .map(normal).filter(lambda v: len(v) >= min_size and normal(v) == v))


@st.composite
def contact_records(draw) -> ContactRecord:
    phone = draw(st.none() | st.builds(lambda a, n: f"+1{a}55501{n:02d}", st.sampled_from(AREA_CODES),
                                       st.integers(0, 99)))
    email = draw(st.none() | st.from_regex(r"[a-z0-9._%+-]{1,12}@[a-z0-9-]{1,10}\.org", fullmatch=True))
    slack = draw(st.none() | st.from_regex(r"[UW][A-Z0-9]{2,10}", fullmatch=True))
    if not (phone or email or slack):
        email = "someone@example.org"
    types = draw(st.sets(st.sampled_from(TYPES), max_size=3))
    return ContactRecord(
        name=draw(_text(min_size=1)), organisation=draw(_text()),
        organisation_type=draw(_text(lower=True)), role=draw(_text()), phone=phone, email=email,
        slack_user_id=slack, language=draw(st.sampled_from(LANGUAGE_TAGS)),
        timezone=draw(st.sampled_from(ZONES)),
        regions=tuple(sorted(draw(st.sets(st.sampled_from(REGION_CODES), max_size=4)))),
        incident_types=tuple(sorted(types)) if types else ("all",),
        tags=tuple(sorted(draw(st.sets(st.from_regex(r"[a-z0-9][a-z0-9-]{0,12}", fullmatch=True),
                                       max_size=3)))),
        sms_consent=draw(st.sampled_from(list(Consent))), active=draw(st.booleans()))


def _cells(record: ContactRecord) -> dict[str, str]:
    return {"name": record.name, "organisation": record.organisation,
            "organisation_type": record.organisation_type, "role": record.role,
            "phone": record.phone or "", "email": record.email or "",
            "slack_user_id": record.slack_user_id or "", "language": record.language,
            "timezone": record.timezone, "regions": ";".join(record.regions),
            "incident_types": ";".join(record.incident_types), "tags": ";".join(record.tags),
            "sms_consent": record.sms_consent.value, "active": "yes" if record.active else "no"}


@hypothesis_settings(max_examples=75, deadline=None)
@given(records=st.lists(contact_records(), max_size=8,
                        unique_by=(lambda r: r.phone or object(), lambda r: r.email or object())),
       columns=st.permutations(COLUMNS), ending=st.sampled_from(["\r\n", "\n", "\r"]),
       bom=st.booleans())
def test_records_written_by_the_csv_module_read_back_the_same(records, columns, ending, bom):
    rows = [_cells(record) for record in records]
    # The csv module quotes only the characters of its own line ending: a lone "\r" or "\n" in a
    # value is then ambiguous to any reader, so such values go only with "\r\n" endings.
    assume(ending == "\r\n" or not any(c in v for row in rows for v in row.values() for c in "\r\n"))
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, columns, lineterminator=ending)
    writer.writeheader()
    writer.writerows(rows)
    data = (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")
    report = read(data)
    if not records:
        assert report.file_error == "the file has no contacts in it, only a header"
        return
    assert report.ok, report.errors[:3]
    assert [record for _, record in report.rows] == records
    lines = [line for line, _ in report.rows]
    assert lines == sorted(set(lines)) and lines[0] == 2


def _check_invariants(report) -> None:
    assert report.ok == (report.file_error is None and not report.errors)
    assert {e.line for e in report.errors} == set(report.rejected_lines)
    assert not {line for line, _ in report.rows} & set(report.rejected_lines)
    assert all(line >= 1 for line, _ in report.rows)
    assert all(len(e.value) < 120 for e in report.errors)


@hypothesis_settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=400), filename=st.sampled_from(["c.csv", "c.json", "c"]))
def test_arbitrary_bytes_never_raise(data, filename):
    _check_invariants(read(data, filename))


@hypothesis_settings(max_examples=100, deadline=None)
@given(body=st.lists(st.sampled_from([*',;"\n\r\t x5+@.-', "name", "202 555 0100", "FL", "é"]),
                    max_size=60).map("".join))
def test_csv_like_text_after_a_good_header_never_raises(body):
    _check_invariants(read("name,phone,regions\n" + body))
