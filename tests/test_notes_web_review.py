"""Officials reviewing call notes on the web, at the service layer (both backends): the personal
link, one-time codes (single use, expiring, attempt-limited, stored hashed), sessions bound to
one official and one call's notes, approval with the version check, and amendments."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.access.roles import web_official
from bot.config import OfficialSettings
from bot.errors import InvalidInput, InvalidTransition, PermissionDenied
from bot.notes.rules.sections import decisions
from bot.notes.service import review, review_access
from bot.notes.service.versions import banner
from tests.conftest import COORDINATOR, OFFICIAL
from tests.support.notes import ANA, MINH, REVIEW, TEXT, commands, draft, review_settings, snapshot

OLU_PHONE = "+12025550177"
OFFICIALS = [{"id": "olu", "name": "Olu Adeyemi", "phone": OLU_PHONE},
             {"id": "kim", "name": "Kim Park", "slack_user": "UKIMPARK1"}]


@pytest.fixture
def settings(settings):
    return review_settings(settings).model_copy(update={
        "officials": [OfficialSettings(**o) for o in OFFICIALS]})


def _olu(container):
    return container.settings.official("olu")


def _texts_to(sms, phone):
    return [m["body"] for m in sms.sent if m["to"] == phone]


def _code(sms) -> str:
    return re.search(r"\b(\d{6})\b", _texts_to(sms, OLU_PHONE)[-1]).group(1)


def _send_code(container, notes_id, official=None):
    with container.db.unit_of_work() as uow:
        why = review_access.send_code(uow, notes_id=notes_id, official=official or _olu(container),
                                      now=container.clock.now(), settings=container.settings)
        uow.commit()
    container.worker.drain()
    return why


def _verify(container, notes_id, code, official=None):
    with container.db.unit_of_work() as uow:
        result = review_access.verify_code(uow, notes_id=notes_id,
                                           official=official or _olu(container), code=code,
                                           now=container.clock.now(), settings=container.settings)
        uow.commit()
    return result


def _official_of(container, notes_id, token):
    with container.db.unit_of_work(read_only=True) as uow:
        return review_access.session_official(uow, notes_id=notes_id, token=token,
                                              now=container.clock.now(),
                                              settings=container.settings)


def _approve(container, notes_id, version, actor="official:olu"):
    with container.db.unit_of_work() as uow:
        review.approve(uow, notes_id=notes_id, version=version, actor=actor,
                       roles=web_official(actor), now=container.clock.now(),
                       settings=container.settings)
        uow.commit()
    container.worker.drain()


def test_each_official_gets_a_personal_signed_expiring_link_by_their_channel(container, call,
                                                                             sms, slack, clock):
    notes_id = draft(container, call)
    [text] = _texts_to(sms, OLU_PHONE)
    url = re.search(r"https://\S+", text).group(0)
    query = parse_qs(urlsplit(url).query)
    assert urlsplit(url).path == f"/notes/{notes_id}/review" and query["o"] == ["olu"]
    dm = [p for p in slack.posts if p["channel"] == "UKIMPARK1"]
    assert len(dm) == 1 and "o=kim" in dm[0]["text"]
    settings = container.settings
    checked = review_access.check_link(settings, notes_id, "olu", query["e"][0], query["t"][0],
                                       now=clock.now())
    assert checked.official.name == "Olu Adeyemi"
    # the link is Olu's only, for these notes only
    assert review_access.check_link(settings, notes_id, "kim", query["e"][0], query["t"][0],
                                    now=clock.now()).official is None
    assert review_access.check_link(settings, notes_id + 1, "olu", query["e"][0], query["t"][0],
                                    now=clock.now()).official is None
    later = clock.now() + timedelta(hours=settings.web_review.link_ttl_h, seconds=1)
    expired = review_access.check_link(settings, notes_id, "olu", query["e"][0], query["t"][0],
                                       now=later)
    assert expired.expired and expired.official is None


def test_the_right_code_opens_a_session_bound_to_that_official_and_those_notes(container, call,
                                                                                sms, clock):
    notes_id = draft(container, call)
    assert _send_code(container, notes_id) is None
    code = _code(sms)
    with container.db.unit_of_work(read_only=True) as uow:
        [stored] = uow.notes.codes_since(notes_id, "olu", clock.now() - timedelta(hours=1))
        assert code not in stored.code_hash and len(stored.code_hash) == 32  # only its HMAC
    result = _verify(container, notes_id, f" {code[:3]} {code[3:]} ")
    assert result.session_token and result.refused is None
    assert _official_of(container, notes_id, result.session_token).id == "olu"
    assert _official_of(container, notes_id + 1, result.session_token) is None
    assert _official_of(container, notes_id, result.session_token + "x") is None
    clock.advance(minutes=container.settings.web_review.session_ttl_min)
    assert _official_of(container, notes_id, result.session_token) is None
    with container.db.unit_of_work(read_only=True) as uow:
        events = [e.action for e in uow.audit.list()]
    assert "notes.review_code_sent" in events and "notes.review_signed_in" in events


def test_a_code_is_single_use(container, call, sms):
    notes_id = draft(container, call)
    _send_code(container, notes_id)
    code = _code(sms)
    assert _verify(container, notes_id, code).session_token
    replay = _verify(container, notes_id, code)
    assert replay.session_token is None and "already used" in replay.refused


def test_a_code_expires(container, call, sms, clock):
    notes_id = draft(container, call)
    _send_code(container, notes_id)
    clock.advance(minutes=container.settings.web_review.code_ttl_min)
    late = _verify(container, notes_id, _code(sms))
    assert late.session_token is None and "expired" in late.refused


def test_wrong_codes_are_counted_and_the_code_dies_after_the_last_try(container, call, sms):
    notes_id = draft(container, call)
    _send_code(container, notes_id)
    code = _code(sms)
    wrong = "000000" if code != "000000" else "111111"
    tries = container.settings.web_review.code_attempts
    answers = [_verify(container, notes_id, wrong).refused for _ in range(tries)]
    assert "4 tries left" in answers[0] and "last try" in answers[-1]
    after = _verify(container, notes_id, code)
    assert after.session_token is None and "Too many wrong tries" in after.refused
    assert _verify(container, notes_id, "x" * 500).session_token is None  # malformed: refused


def test_a_new_code_spends_the_old_one_and_codes_are_limited_per_hour(container, call, sms, clock):
    notes_id = draft(container, call)
    _send_code(container, notes_id)
    first = _code(sms)
    _send_code(container, notes_id)
    second = _code(sms)
    if first != second:  # the old code is refused; the new one still opens
        assert _verify(container, notes_id, first).session_token is None
    assert _verify(container, notes_id, second).session_token
    for _ in range(container.settings.web_review.codes_per_hour - 2):
        assert _send_code(container, notes_id) is None
    sent = len(_texts_to(sms, OLU_PHONE))
    assert "the most we send" in _send_code(container, notes_id)
    assert len(_texts_to(sms, OLU_PHONE)) == sent  # nothing more was texted
    clock.advance(hours=1, seconds=1)
    assert _send_code(container, notes_id) is None


def test_codes_of_one_official_do_not_open_anothers_session(container, call, sms, slack):
    notes_id = draft(container, call)
    _send_code(container, notes_id)
    kim = container.settings.official("kim")
    assert _verify(container, notes_id, _code(sms), official=kim).session_token is None


def test_an_official_on_the_web_approves_the_version_shown_and_only_that(container, call, slack):
    notes_id = draft(container, call)
    commands(container).save_edit(notes_id, TEXT + "\n- one more line", user=COORDINATOR)
    with pytest.raises(InvalidTransition, match="You were shown version 1"):
        _approve(container, notes_id, 1)
    _approve(container, notes_id, 2)
    notes = snapshot(container, notes_id)
    assert notes.status == "approved" and notes.approved_by == "official:olu"
    assert notes.approved_version == 2
    with container.db.unit_of_work(read_only=True) as uow:
        [event] = uow.audit.list(action="notes.approved")
        assert "Approved by Olu Adeyemi" in banner(uow, uow.notes.get(notes_id),
                                                   settings=container.settings)
        assert event.actor == "official:olu" and event.details["version"] == 2
    # the web role is the official's own, nobody else's
    with pytest.raises(PermissionDenied), container.db.unit_of_work() as uow:
        review.approve(uow, notes_id=notes_id, version=2, actor="official:kim",
                       roles=web_official("official:olu"), now=container.clock.now(),
                       settings=container.settings)


AMENDED = TEXT.replace("200 cots", "350 cots")


def _amend(container, notes_id, text, reason, base, actor=COORDINATOR):
    with container.db.unit_of_work() as uow:
        review.amend(uow, notes_id=notes_id, text=text, reason=reason, actor=actor,
                     roles=container.roles, now=container.clock.now(),
                     settings=container.settings, base_version=base)
        uow.commit()
    container.worker.drain()


def test_amending_approved_notes_needs_a_reason_and_an_officials_approval_again(container, call,
                                                                                 slack, sms):
    notes_id = draft(container, call)
    with pytest.raises(InvalidTransition, match="Only approved notes are amended"):
        _amend(container, notes_id, AMENDED, "Wrong number", 1)
    commands(container).approve(notes_id, 1, user=OFFICIAL)
    container.worker.drain()
    with pytest.raises(InvalidInput, match="Say why"):
        _amend(container, notes_id, AMENDED, "  ", 1)
    with pytest.raises(InvalidTransition, match="can no longer be edited. Amend them"):
        commands(container).save_edit(notes_id, AMENDED, user=COORDINATOR)
    _amend(container, notes_id, AMENDED, "The county offered 350 cots, not 200", 1)
    notes = snapshot(container, notes_id)
    assert notes.status == "draft" and notes.version == 2 and notes.approved_version == 1
    assert notes.versions[-1][2] == "Amended: The county offered 350 cots, not 200"
    links = [b for b in _texts_to(sms, OLU_PHONE) if "/review?" in b]
    assert len(links) == 2  # the link again, for the amendment
    before = len(sms.sent)
    _approve(container, notes_id, 2)
    notes = snapshot(container, notes_id)
    assert notes.status == "approved" and notes.approved_version == 2
    amended = [m for m in sms.sent[before:] if m["to"] in (ANA, MINH)]
    assert {m["to"] for m in amended} == {ANA, MINH}  # the partners who got the summary
    assert all("350 cots" in m["body"] for m in amended), [m["body"] for m in amended]
    republished = [p for p in slack.posts if p["channel"] != REVIEW and "Call notes" in p["text"]]
    assert any("350 cots" in str(p["blocks"]) for p in republished)


def test_an_amendment_that_changes_no_decision_tells_no_partner(container, call, sms):
    notes_id = draft(container, call)
    commands(container).approve(notes_id, 1, user=OFFICIAL)
    container.worker.drain()
    before = len(sms.sent)
    _amend(container, notes_id, TEXT + "\n## Agenda\n\nShelters and cots.\n", "Agenda added", 1)
    _approve(container, notes_id, 2)
    partners = [m for m in sms.sent[before:] if m["to"] in (ANA, MINH)]
    assert partners == []


def test_decisions_are_read_from_their_section_only():
    text = ("# Notes\n\n## Decisions\n- Open the shelter\n  tonight\n- Ask for cots\n\n"
            "## Issues\n- No interpreter\n\n```\n## Decisions\n- not a heading\n```\n")
    assert decisions(text) == ["Open the shelter tonight", "Ask for cots"]


def test_the_amendment_notice_quotes_whole_decisions_within_the_budget(container, call):
    from bot.notes.service.amendments import notice_body
    from bot.sms.rules.segments import fits

    points = [f"Decision {n}: open shelter {n} with cots, water and an interpreter" for n in range(30)]
    settings = container.settings
    with container.db.unit_of_work(read_only=True) as uow:
        incident = uow.incidents.get(uow.calls.get(call.id).incident_id)
        for language in ("en", "es", "vi", "zh", "ar"):
            body = notice_body(points, language, incident, settings)
            assert fits(body, settings.sms.max_segments) and "STOP" in body.splitlines()[-1]
            quoted = [line[2:] for line in body.splitlines() if line.startswith("- ")]
            assert quoted and all(line in points for line in quoted), language  # whole ones
        long = notice_body(["word " * 400], "en", incident, settings)
        assert fits(long, settings.sms.max_segments) and "…" in long
