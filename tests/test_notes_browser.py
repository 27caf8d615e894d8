"""The notes page and the officials' sign-in in a real browser: Debian's chromium driven through
its chromedriver (selenium), one session for the whole test.

A drafted page and an approved one, at phone (390 px) and desktop widths and printed to PDF
(each printed page says the state, the letterhead and "Page N of M"); the official signs in with
the one-time code and approves; a wrong, a reused and an expired code and a forged form are
refused. On the first backend only: the browser is what is under test here (both backends run
the same service code in tests/test_notes_web_review.py).
"""

from __future__ import annotations

import base64
import io
import re
import shutil
import unicodedata
from urllib.parse import urlsplit

import pytest
from pypdf import PdfReader

from bot.access import links
from bot.notes.service import review
from tests.support.notes import finished_call, snapshot
from tests.support.notes_web import last_code, review_path, served, web_settings

CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
pytestmark = pytest.mark.skipif(not (shutil.which(CHROMIUM) and shutil.which(DRIVER)),
                                reason="chromium and chromedriver: `make test` installs them")
FIRST_SECTIONS = ["Decisions", "Issues raised", "Action items", "Actions raised in discussion"]
MANY = "\n".join(f"- Shelter {n} needs water, cots and an interpreter before nightfall"
                 for n in range(60))


@pytest.fixture
def settings(settings):
    return web_settings(settings)


@pytest.fixture(autouse=True)
def _one_backend(backend, request):
    """One browser session per run: on the first backend named by ``--backends``."""
    if backend != request.config.getoption("backends").split(",")[0]:
        pytest.skip("the browser test runs once, on the first backend")


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--disable-gpu", "--no-first-run"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(20)
    yield driver
    driver.quit()


def _width(driver, width: int) -> None:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": 900, "deviceScaleFactor": 1,
                            "mobile": width < 600})


def _layout(driver) -> dict:
    return driver.execute_script("""
        return {h1: document.querySelectorAll('h1').length,
                h2: [...document.querySelectorAll('article h2')].map(e => e.textContent),
                overflow: document.documentElement.scrollWidth - window.innerWidth,
                namesShown: [...document.querySelectorAll('details li')]
                              .some(e => e.checkVisibility())};""")


def _pdf_pages(driver) -> list[str]:
    from selenium.webdriver.common.print_page_options import PrintOptions

    printed = base64.b64decode(driver.print_page(PrintOptions()))
    return [page.extract_text() for page in PdfReader(io.BytesIO(printed)).pages]


def _check_page(driver, state: str) -> None:
    for width in (390, 1280):
        _width(driver, width)
        layout = _layout(driver)
        assert layout["h1"] == 1, width
        assert layout["h2"][:4] == FIRST_SECTIONS, layout["h2"]
        assert layout["h2"].index("Attendance") > layout["h2"].index("Agenda")
        assert layout["overflow"] <= 0, (width, layout["overflow"])
        assert not layout["namesShown"]  # folded under "Names"
    pages = _pdf_pages(driver)
    assert len(pages) >= 2
    for number, text in enumerate(pages, 1):
        flat = " ".join(unicodedata.normalize("NFKC", text).split())  # "ﬃ" → "ffi"
        assert state in flat, (number, flat[:300])
        assert "Office of Civil Rights" in flat and f"Page {number} of {len(pages)}" in flat


def _submit(driver, action: str, **fields) -> None:
    """Fills and submits the page's first form posting to ``action``; returns once the answer
    has replaced the page."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    page = driver.find_element(By.TAG_NAME, "html")
    form = driver.find_element(By.CSS_SELECTOR, f'form[action$="{action}"]')
    for name, value in fields.items():
        box = form.find_element(By.NAME, name)
        box.clear()
        box.send_keys(value)
    form.find_element(By.CSS_SELECTOR, "button").click()
    # a new document, fully loaded (mid-navigation, the driver may answer with an error)
    WebDriverWait(driver, 15, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.find_element(By.TAG_NAME, "html").id != page.id
        and d.execute_script("return document.readyState") == "complete")


def test_the_notes_page_and_an_officials_sign_in_in_chromium(container, clock, sms, browser):
    call = finished_call(container, clock)
    with container.db.unit_of_work() as uow:
        notes = review.draft_for_call(uow, uow.calls.get(call.id), now=clock.now(),
                                      settings=container.settings)
        uow.commit()
        notes_id = notes.id
    with container.db.unit_of_work() as uow:  # long enough to need a second printed page
        text = uow.notes.version(notes_id, 1).text.replace("## Decisions\n\n", "## Decisions\n\n"
                                                           + MANY + "\n", 1)
        review.edit(uow, notes_id=notes_id, text=text, actor="UCOORD001", roles=container.roles,
                    now=clock.now(), settings=container.settings)
        uow.commit()
    container.worker.drain()
    with served(container) as base:
        read_only = urlsplit(links.notes_url(container.settings, notes_id, now=clock.now()))
        browser.get(f"{base}{read_only.path}?{read_only.query}")
        _check_page(browser, "Draft v2 — not approved")

        browser.get(base + review_path(sms))
        _submit(browser, "/code")
        container.worker.drain()
        code = last_code(sms)
        _submit(browser, "/login", code="000000" if code != "000000" else "111111")
        assert "That code is not right" in browser.page_source
        _submit(browser, "/login", code=code)
        assert "Approve version 2" in browser.page_source and "Signed in as" in browser.page_source

        browser.execute_script("document.querySelector('input[name=csrf]').value = 'forged';")
        _submit(browser, "/act")
        assert "did not come from your review page" in browser.page_source
        assert snapshot(container, notes_id).status == "draft"

        browser.back()
        browser.refresh()
        _submit(browser, "/act")  # the first form: Approve version 2
        assert "You approved version 2" in browser.page_source
        assert snapshot(container, notes_id).approved_by == "official:olu"
        browser.get(f"{base}{read_only.path}?{read_only.query}")
        _check_page(browser, "Approved by Olu Adeyemi")
        assert re.search(r"Version 2 approved by Olu Adeyemi on", browser.page_source)

        browser.get(base + review_path(sms))  # signed in: the link opens the review page
        assert "Signed in as" in browser.page_source
        browser.delete_all_cookies()  # another browser: the same code again is spent
        browser.refresh()
        _submit(browser, "/login", code=code)
        assert "already used" in browser.page_source
        _submit(browser, "/code")
        container.worker.drain()
        clock.advance(minutes=container.settings.web_review.code_ttl_min, seconds=1)
        _submit(browser, "/login", code=last_code(sms))
        assert "That code has expired" in browser.page_source
