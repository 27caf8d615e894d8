"""The officials' web review over real HTTP: the forms, their CSRF tokens, the session cookie's
flags, replayed and expired codes, forged links and unreadable bodies."""

from __future__ import annotations

import re
from html import unescape

import httpx
import pytest

from bot.notes.service import web_review
from handlers.notes_web import COOKIE
from tests.conftest import COORDINATOR
from tests.support.notes import TEXT, commands, draft, snapshot
from tests.support.notes_web import last_code, review_path, served, texts_to, web_settings


@pytest.fixture
def settings(settings):
    return web_settings(settings)


@pytest.fixture
def web(container, call):
    notes_id = draft(container, call)
    with served(container) as base, httpx.Client(base_url=base, timeout=10) as http:
        yield http, notes_id


def _form_fields(page: str) -> dict[str, str]:
    return {name: unescape(value) for name, value in
            re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page)}


def _signed_in(http, container, sms, notes_id) -> str:
    """Signs Olu in through the forms; the session cookie's value."""
    page = http.get(review_path(sms))
    link = {k: v for k, v in _form_fields(page.text).items() if k in "oet"}
    http.post(f"/notes/{notes_id}/review/code", data=link)
    container.worker.drain()
    answer = http.post(f"/notes/{notes_id}/review/login", data={**link, "code": last_code(sms)})
    assert answer.status_code == 303
    return answer.cookies[COOKIE]


def _page(http, notes_id, session):
    return http.get(f"/notes/{notes_id}/review", headers={"Cookie": f"{COOKIE}={session}"})


def test_the_link_asks_for_a_code_and_a_forged_or_expired_link_is_refused(web, sms, clock,
                                                                           container):
    http, notes_id = web
    page = http.get(review_path(sms))
    assert page.status_code == 200 and "Olu Adeyemi" in page.text
    assert "phone ending 0177" in page.text and "Lincoln High" not in page.text
    policy = page.headers["content-security-policy"]
    assert "form-action 'self'" in policy and "frame-ancestors 'none'" in policy
    assert page.headers["cache-control"] == "no-store" and page.headers["x-frame-options"] == "DENY"
    forged = review_path(sms).replace("o=olu", "o=kim")
    assert http.get(forged).status_code == 404
    assert http.get(f"/notes/{notes_id}/review?o=olu&e=abc&t=%FF").status_code == 404
    clock.advance(hours=container.settings.web_review.link_ttl_h)
    assert http.get(review_path(sms)).status_code == 410


def test_the_right_code_sets_a_strict_short_session_cookie_and_a_replay_is_refused(web, sms,
                                                                                   container):
    http, notes_id = web
    link = {k: v for k, v in _form_fields(http.get(review_path(sms)).text).items() if k in "oet"}
    sent = http.post(f"/notes/{notes_id}/review/code", data=link)
    assert sent.status_code == 200 and "on its way" in sent.text
    container.worker.drain()
    code = last_code(sms)
    wrong = http.post(f"/notes/{notes_id}/review/login",
                      data={**link, "code": "999999" if code != "999999" else "111111"})
    assert wrong.status_code == 403 and "not right" in wrong.text and COOKIE not in wrong.cookies
    right = http.post(f"/notes/{notes_id}/review/login", data={**link, "code": code})
    assert right.status_code == 303 and right.headers["location"] == f"/notes/{notes_id}/review"
    cookie = right.headers["set-cookie"]
    for flag in ("HttpOnly", "Secure", "SameSite=strict", f"Path=/notes/{notes_id}/review",
                 f"Max-Age={container.settings.web_review.session_ttl_min * 60}"):
        assert flag.lower() in cookie.lower(), flag
    replay = http.post(f"/notes/{notes_id}/review/login", data={**link, "code": code})
    assert replay.status_code == 403 and "already used" in replay.text
    without_link = http.post(f"/notes/{notes_id}/review/login", data={"code": code})
    assert without_link.status_code == 404


def test_the_forms_need_the_sessions_csrf_token(web, sms, container):
    http, notes_id = web
    session = _signed_in(http, container, sms, notes_id)
    page = _page(http, notes_id, session)
    assert page.status_code == 200 and "Approve version 1" in page.text
    fields = _form_fields(page.text)
    cookie = {"Cookie": f"{COOKIE}={session}"}
    forged = http.post(f"/notes/{notes_id}/review/act", headers=cookie,
                       data={"csrf": "0" * 32, "action": "approve", "version": "1"})
    missing = http.post(f"/notes/{notes_id}/review/act", headers=cookie,
                        data={"action": "approve", "version": "1"})
    unicode = http.post(f"/notes/{notes_id}/review/act", headers=cookie,
                        data={"csrf": "é" * 32, "action": "approve", "version": "1"})
    assert unicode.status_code == 403
    no_session = http.post(f"/notes/{notes_id}/review/act",
                           data={"csrf": fields["csrf"], "action": "approve", "version": "1"})
    assert (forged.status_code, missing.status_code, no_session.status_code) == (403, 403, 401)
    assert snapshot(container, notes_id).status == "draft"
    approved = http.post(f"/notes/{notes_id}/review/act", headers=cookie,
                         data={"csrf": fields["csrf"], "action": "approve", "version": "1"})
    assert approved.status_code == 200 and "You approved version 1" in approved.text
    notes = snapshot(container, notes_id)
    assert notes.status == "approved" and notes.approved_by == "official:olu"
    assert "Version 1 approved by Olu Adeyemi" in approved.text
    replayed = http.post(f"/notes/{notes_id}/review/act", headers=cookie,
                         data={"csrf": fields["csrf"], "action": "approve", "version": "1"})
    assert replayed.status_code == 409 and "already approved" in replayed.text
    with container.db.unit_of_work(read_only=True) as uow:
        assert len(uow.audit.list(action="notes.approved")) == 1  # published once


def test_an_approval_of_a_version_since_replaced_is_refused_and_says_why(web, sms, container):
    http, notes_id = web
    session = _signed_in(http, container, sms, notes_id)
    csrf = _form_fields(_page(http, notes_id, session).text)["csrf"]
    commands(container).save_edit(notes_id, TEXT + "\n- later line", user=COORDINATOR)
    stale = http.post(f"/notes/{notes_id}/review/act", headers={"Cookie": f"{COOKIE}={session}"},
                      data={"csrf": csrf, "action": "approve", "version": "1"})
    assert stale.status_code == 409 and "You were shown version 1" in stale.text
    assert snapshot(container, notes_id).status == "draft"


def test_an_official_requests_changes_edits_and_amends_on_the_web(web, sms, container, slack):
    http, notes_id = web
    session = _signed_in(http, container, sms, notes_id)
    cookie = {"Cookie": f"{COOKIE}={session}"}
    csrf = _form_fields(_page(http, notes_id, session).text)["csrf"]

    def act(**data):
        return http.post(f"/notes/{notes_id}/review/act", headers=cookie,
                         data={"csrf": csrf, **data})

    assert "Say what should change" in act(action="changes", version="1", comment=" ").text
    assert act(action="changes", version="1", comment="Add the cots").status_code == 200
    assert act(action="edit", version="1", text=TEXT + "\n- 200 cots\n").status_code == 200
    assert act(action="approve", version="2").status_code == 200
    no_reason = act(action="amend", version="2", text=TEXT + "\n- 350 cots\n", reason="")
    assert no_reason.status_code == 409 and "Say why" in no_reason.text
    amended = act(action="amend", version="2", text=TEXT + "\n- 350 cots\n", reason="Miscount")
    assert amended.status_code == 200 and "needs approval again" in amended.text
    assert "Amended: Miscount" in amended.text  # the revision history
    notes = snapshot(container, notes_id)
    assert (notes.status, notes.version, notes.approved_version) == ("draft", 3, 2)
    assert act(action="nonsense", version="3").status_code == 409
    assert act(action="approve", version="x").status_code == 409


def test_unreadable_or_oversized_forms_and_ended_sessions(web, sms, container, clock):
    http, notes_id = web
    session = _signed_in(http, container, sms, notes_id)
    cookie = {"Cookie": f"{COOKIE}={session}"}
    assert http.post(f"/notes/{notes_id}/review/act", headers=cookie,
                     content=b"csrf=%FF%FE&\xff").status_code == 400
    assert http.post(f"/notes/{notes_id}/review/login",
                     content=b"x=" + b"a" * 500_000).status_code == 400
    clock.advance(minutes=container.settings.web_review.session_ttl_min)
    ended = _page(http, notes_id, session)
    assert ended.status_code == 401 and web_review.SIGNED_OUT in unescape(ended.text)
    assert texts_to(sms)  # the link and the code went by SMS


HOSTILE_VALUES = ("", "é" * 40, "²³", "\x00", "9" * 40, "<script>", "%FF", "a" * 600)


def test_hostile_links_forms_and_cookies_get_a_clear_answer_never_a_500(web, sms):
    http, notes_id = web
    link = dict(re.findall(r"([oet])=([^&]+)", review_path(sms)))
    for value in HOSTILE_VALUES:
        for name in "oet":
            query = {**link, name: value}
            assert http.get(f"/notes/{notes_id}/review", params=query).status_code in (404, 410)
            for path in ("code", "login"):
                answer = http.post(f"/notes/{notes_id}/review/{path}", data={**query, "code": value})
                assert answer.status_code in (400, 404, 410), (path, name, value)
        answer = http.post(f"/notes/{notes_id}/review/login", data={**link, "code": value})
        assert answer.status_code == 403 and "No code is waiting" in answer.text
        for cookie in (value, "x" * 200):
            printable = cookie.isascii() and cookie.isprintable()
            headers = {"Cookie": f"{COOKIE}={cookie}"} if printable else {}
            assert http.get(f"/notes/{notes_id}/review", headers=headers).status_code in (401, 404)
            assert http.post(f"/notes/{notes_id}/review/act", headers=headers,
                             data={"csrf": value, "action": value}).status_code == 401
    assert http.get(f"/notes/{notes_id + 99}/review", params=link).status_code == 404
    assert "Olu" not in http.get(f"/notes/{notes_id}/review").text
