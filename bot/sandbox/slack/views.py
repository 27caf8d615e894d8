"""``views.open``, ``views.push`` and ``views.update``: modals.

Every view the app sends is kept in order in ``Workspace.views`` for tests; the latest of each
view id, as the API returned it, is what ``views.update`` finds by id, external id and hash.
"""

from __future__ import annotations

import time

from .state import Workspace
from .wire import check, json_value

_DEFAULTS = {"title": None, "submit": None, "close": None, "blocks": [],
             "private_metadata": "", "callback_id": "", "external_id": "",
             "clear_on_close": False, "notify_on_close": False}


def _store(ws: Workspace, p: dict, view_id: str | None = None,
           root_id: str | None = None) -> dict:
    view = json_value(p.get("view"))
    check(isinstance(view, dict) and view.get("type"), "invalid_arguments")
    view_id = view_id or ws.new_id("V")
    ws.views.append({**view, "id": view_id})
    out = {"id": view_id, "team_id": ws.team_id, "type": view["type"],
           **{key: view.get(key, default) for key, default in _DEFAULTS.items()},
           "state": {"values": {}}, "hash": f"{time.time_ns()}.{view_id}",
           "root_view_id": root_id or view_id, "previous_view_id": None,
           "app_id": ws.app_id, "bot_id": ws.bot_id}
    ws.live_views[view_id] = out
    return {"view": out}


def open_(ws: Workspace, p: dict) -> dict:
    """``views.open`` and ``views.push``: both need the trigger of a user's action."""
    check(p.get("trigger_id") or p.get("interactivity_pointer"), "invalid_arguments")
    return _store(ws, p)


def update(ws: Workspace, p: dict) -> dict:
    current = ws.live_views.get(str(p.get("view_id") or ""))
    if current is None and p.get("external_id"):
        current = next((v for v in ws.live_views.values()
                        if v["external_id"] == p["external_id"]), None)
    check(current, "not_found")
    check(not p.get("hash") or p["hash"] == current["hash"], "hash_conflict")
    return _store(ws, p, current["id"], current["root_view_id"])


METHODS = {"views.open": open_, "views.push": open_, "views.update": update}
