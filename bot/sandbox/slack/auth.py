"""``auth.test``: who the token belongs to (the server has already checked the token)."""

from __future__ import annotations

from .state import Workspace


def auth_test(ws: Workspace, p: dict) -> dict:
    return {"url": "https://coordbot-test.slack.com/", "team": "Test Team", "user": "coordbot",
            "team_id": ws.team_id, "user_id": ws.bot_user_id, "bot_id": ws.bot_id,
            "is_enterprise_install": False}


METHODS = {"auth.test": auth_test}
