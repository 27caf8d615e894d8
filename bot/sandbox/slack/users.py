"""``users.*`` and ``usergroups.*``: people (with their time zones) and @-handles."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .state import Workspace
from .wire import check, flag, paginate


def _tz_details(tz: str) -> tuple[str, int]:
    """(``tz_label``, ``tz_offset`` in seconds) now, as Slack computes them for a profile."""
    try:
        now = datetime.now(ZoneInfo(tz))
    except (ZoneInfoNotFoundError, ValueError):
        return tz, 0
    return now.tzname() or tz, int(now.utcoffset().total_seconds())


def user_json(ws: Workspace, user_id: str) -> dict:
    """A user object; an unregistered (but known) id gets a name made from the id."""
    check(ws.known_user(user_id), "user_not_found")
    u = ws.users.get(user_id) or {"name": user_id.lower(), "real_name": user_id,
                                  "tz": "America/New_York",
                                  "is_bot": user_id == ws.bot_user_id}
    tz_label, tz_offset = _tz_details(u["tz"])
    profile = {"real_name": u["real_name"], "display_name": u["name"],
               "real_name_normalized": u["real_name"], "display_name_normalized": u["name"]}
    return {"id": user_id, "team_id": ws.team_id, "name": u["name"], "deleted": False,
            "real_name": u["real_name"], "tz": u["tz"], "tz_label": tz_label,
            "tz_offset": tz_offset, "is_bot": u["is_bot"], "is_app_user": False,
            "updated": 1700000000, "profile": profile}


def users_info(ws: Workspace, p: dict) -> dict:
    return {"user": user_json(ws, str(p.get("user") or ""))}


def users_list(ws: Workspace, p: dict) -> dict:
    page, meta = paginate([ws.bot_user_id, *ws.users], p)
    return {"members": [user_json(ws, u) for u in page], "response_metadata": meta}


def _group_json(ws: Workspace, group_id: str, g: dict, include_users: bool) -> dict:
    out = {"id": group_id, "team_id": ws.team_id, "is_usergroup": True,
           "is_subteam": True, "name": g["handle"], "description": "",
           "handle": g["handle"], "is_external": False, "date_create": 1700000000,
           "date_update": 1700000000, "date_delete": 0, "auto_type": None,
           "created_by": "USLACKBOT", "user_count": len(g["users"]),
           "prefs": {"channels": [], "groups": []}}
    return out | ({"users": list(g["users"])} if include_users else {})


def usergroups_list(ws: Workspace, p: dict) -> dict:
    include_users = flag(p.get("include_users"))
    return {"usergroups": [_group_json(ws, i, g, include_users)
                           for i, g in ws.usergroups.items()]}


def usergroups_users_list(ws: Workspace, p: dict) -> dict:
    group = ws.usergroups.get(str(p.get("usergroup") or ""))
    check(group, "no_such_subteam")
    return {"users": list(group["users"])}


METHODS = {
    "users.info": users_info,
    "users.list": users_list,
    "usergroups.list": usergroups_list,
    "usergroups.users.list": usergroups_users_list,
}
