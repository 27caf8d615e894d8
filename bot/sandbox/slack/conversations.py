"""``conversations.*``: creating, joining, inviting to, describing and reading channels."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from functools import partial

from .chat import message_json
from .state import Channel, Message, Workspace
from .wire import check, csv, flag, paginate, ts_param

_CHANNEL_NAME = re.compile(r"^[a-z0-9_-]{1,80}$")


def channel_json(ws: Workspace, c: Channel) -> dict:
    """A conversation object; a DM has the short shape Slack gives an ``im``."""
    if c.is_im:
        return {"id": c.id, "created": c.created, "is_im": True, "is_org_shared": False,
                "user": c.name, "priority": 0, "is_open": True, "is_archived": False}

    def text(value):
        return {"value": value, "creator": c.creator if value else "", "last_set": 0}

    return {"id": c.id, "name": c.name, "name_normalized": c.name, "is_channel": True,
            "is_group": False, "is_im": False, "is_mpim": False, "is_private": c.is_private,
            "created": c.created, "creator": c.creator, "is_archived": c.is_archived,
            "is_general": False, "is_shared": False, "is_org_shared": False,
            "is_member": ws.bot_user_id in c.members, "num_members": len(c.members),
            "topic": text(c.topic), "purpose": text(c.purpose)}


def _answer(ws: Workspace, channel: Channel) -> dict:
    return {"channel": channel_json(ws, channel)}


def create(ws: Workspace, p: dict) -> dict:
    name = str(p.get("name") or "")
    check(name, "invalid_name_required")
    check(len(name) <= 80, "invalid_name_maxlength")
    check(_CHANNEL_NAME.match(name), "invalid_name_specials")
    check(not ws.channel_by_name(name), "name_taken")
    channel = ws.new_channel(name, "C", flag(p.get("is_private")), ws.bot_user_id,
                             [ws.bot_user_id])
    return _answer(ws, channel)


def invite(ws: Workspace, p: dict) -> dict:
    """Adds the new users; fails only when none is new, as Slack does."""
    channel = ws.channel(p.get("channel"), writable=True)
    users = list(dict.fromkeys(csv(p.get("users"))))
    check(users, "no_user")
    check(ws.bot_user_id not in users, "cant_invite_self")
    check(all(ws.known_user(u) for u in users), "user_not_found")
    new = [u for u in users if u not in channel.members]
    check(new, "already_in_channel")
    channel.members.extend(new)
    return _answer(ws, channel)


def info(ws: Workspace, p: dict) -> dict:
    return _answer(ws, ws.channel(p.get("channel")))


def join(ws: Workspace, p: dict) -> dict:
    """Joining twice is not an error: Slack answers ok with a warning."""
    channel = ws.channel(p.get("channel"))
    check(not (channel.is_im or channel.is_private), "method_not_supported_for_channel_type")
    check(not channel.is_archived, "is_archived")
    if ws.bot_user_id in channel.members:
        return {**_answer(ws, channel), "warning": "already_in_channel",
                "response_metadata": {"warnings": ["already_in_channel"]}}
    channel.members.append(ws.bot_user_id)
    return _answer(ws, channel)


def set_text(ws: Workspace, p: dict, attr: str) -> dict:
    """``conversations.setTopic`` (``attr="topic"``) and ``setPurpose`` (``"purpose"``)."""
    channel = ws.channel(p.get("channel"), writable=True)
    check(len(str(p.get(attr) or "")) <= 250, "too_long")
    setattr(channel, attr, str(p.get(attr) or ""))
    return _answer(ws, channel)


def set_archived(ws: Workspace, p: dict, archived: bool) -> dict:
    """``conversations.archive`` and ``unarchive``: each refuses to repeat itself."""
    channel = ws.channel(p.get("channel"))
    check(channel.is_archived != archived, "already_archived" if archived else "not_archived")
    channel.is_archived = archived
    return {}


def _bounds(p: dict) -> Callable[[Message], bool]:
    """Whether a message is within ``oldest``..``latest`` (ends only with ``inclusive``)."""
    latest = ts_param(p.get("latest"), "invalid_ts_latest")
    oldest = ts_param(p.get("oldest"), "invalid_ts_oldest")
    inclusive = flag(p.get("inclusive"))

    def wanted(m: Message) -> bool:
        ts = Decimal(m.ts)
        if latest is not None and (ts > latest or (ts == latest and not inclusive)):
            return False
        return oldest is None or ts > oldest or (ts == oldest and inclusive)

    return wanted


def _window(p: dict) -> Callable[[Message], bool]:
    """Whether a message is top-level (no thread reply) and within ``oldest``..``latest``."""
    within = _bounds(p)
    return lambda m: not (m.thread_ts and m.thread_ts != m.ts) and within(m)


def history(ws: Workspace, p: dict) -> dict:
    """Top-level messages, newest first, a page at a time."""
    channel = ws.channel(p.get("channel"))
    check(channel.is_im or ws.bot_user_id in channel.members, "not_in_channel")
    wanted = _window(p)
    page, meta = paginate([m for m in reversed(channel.messages) if wanted(m)], p)
    metadata = flag(p.get("include_all_metadata"))
    return {"messages": [message_json(ws, m, metadata=metadata) for m in page],
            "has_more": bool(meta["next_cursor"]), "pin_count": len(channel.pins),
            "channel_actions_ts": None, "channel_actions_count": 0,
            "response_metadata": meta}


def replies(ws: Workspace, p: dict) -> dict:
    """A thread: its parent first, then the replies within ``oldest``..``latest``, oldest first."""
    channel = ws.channel(p.get("channel"))
    check(channel.is_im or ws.bot_user_id in channel.members, "not_in_channel")
    parent = ws.message(channel, p.get("ts"))
    within = _bounds(p)
    thread = [parent] + [m for m in channel.messages
                         if m.thread_ts == parent.ts and m.ts != parent.ts and within(m)]
    page, meta = paginate(thread, p)
    metadata = flag(p.get("include_all_metadata"))
    return {"messages": [message_json(ws, m, metadata=metadata) for m in page],
            "has_more": bool(meta["next_cursor"]), "response_metadata": meta}


def open_(ws: Workspace, p: dict) -> dict:
    """The bot's DM with the one user in ``users`` (group DMs are not emulated)."""
    users = csv(p.get("users"))
    check(users or p.get("channel"), "users_list_not_supplied")
    check(len(users) <= 1, "method_not_supported_for_channel_type")
    if users:
        check(ws.known_user(users[0]), "user_not_found")
        return {"channel": {"id": ws.dm(users[0]).id}}
    return {"channel": {"id": ws.channel(p.get("channel")).id}}


def list_(ws: Workspace, p: dict) -> dict:
    """The channels of ``types`` the bot can see: private ones only where it is a member."""
    types = csv(p.get("types") or "public_channel")

    def wanted(c: Channel) -> bool:
        if c.is_archived and flag(p.get("exclude_archived")):
            return False
        if c.is_im:
            return "im" in types
        if c.is_private:
            return "private_channel" in types and ws.bot_user_id in c.members
        return "public_channel" in types

    page, meta = paginate([c for c in ws.channels.values() if wanted(c)], p)
    return {"channels": [channel_json(ws, c) for c in page], "response_metadata": meta}


METHODS = {
    "conversations.create": create,
    "conversations.invite": invite,
    "conversations.info": info,
    "conversations.join": join,
    "conversations.setTopic": partial(set_text, attr="topic"),
    "conversations.setPurpose": partial(set_text, attr="purpose"),
    "conversations.archive": partial(set_archived, archived=True),
    "conversations.unarchive": partial(set_archived, archived=False),
    "conversations.list": list_,
    "conversations.history": history,
    "conversations.replies": replies,
    "conversations.open": open_,
}
