"""What the officials' web review tests share: settings with two officials (Olu by SMS, Kim by
Slack DM), the review routes served over real HTTP with the test's container (fakes and the
FakeClock), and reading the link and the one-time code from what was texted."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.routing import Route

from bot.config import OfficialSettings
from bot.sandbox.server import serve_in_thread
from handlers import notes_web
from tests.support.notes import review_settings

OLU_PHONE = "+12025550177"
OFFICIALS = [OfficialSettings(id="olu", name="Olu Adeyemi", phone=OLU_PHONE),
             OfficialSettings(id="kim", name="Kim Park", slack_user="UKIMPARK1")]


def web_settings(settings):
    """The notes review settings with the two officials."""
    return review_settings(settings).model_copy(update={"officials": OFFICIALS,
                                                        "office_name": "Office of Civil Rights"})


@contextlib.contextmanager
def served(container, *, extra: list[Route] | None = None) -> Iterator[str]:
    """The review routes (and ``extra``) on a free port; yields the base URL."""
    app = Starlette(routes=[*notes_web.routes(container), *(extra or [])])
    server = serve_in_thread(app)
    try:
        yield server.url
    finally:
        server.stop()


def texts_to(sms, phone: str = OLU_PHONE) -> list[str]:
    return [m["body"] for m in sms.sent if m["to"] == phone]


def review_path(sms) -> str:
    """The path and query of Olu's latest review link."""
    url = re.findall(r"https?://\S+/review\?\S+", "\n".join(texts_to(sms)))[-1]
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def last_code(sms) -> str:
    return re.search(r"\b(\d{6})\b", texts_to(sms)[-1]).group(1)
