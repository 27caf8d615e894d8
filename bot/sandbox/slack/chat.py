"""``chat.*`` and ``pins.add``: the bot's messages, ephemeral messages, edits and links."""

from __future__ import annotations

from .state import Message, Workspace
from .wire import check, json_value

PERMALINK_BASE = "https://emulator.slack"


def message_json(ws: Workspace, m: Message, *, metadata: bool = True) -> dict:
    """A message object as ``chat.*`` and ``conversations.history`` return it; the history
    leaves ``metadata`` out unless asked (``include_all_metadata``), as Slack does."""
    optional = {"blocks": m.blocks, "thread_ts": m.thread_ts,
                "metadata": m.metadata if metadata else None,
                "files": m.files, "attachments": m.attachments}
    sender = ({"bot_id": ws.bot_id, "app_id": ws.app_id}
              if m.user == ws.bot_user_id else {})  # a person's message has no bot_id
    return {"type": "message", "text": m.text, "user": m.user, "ts": m.ts, **sender,
            "team": ws.team_id, **{key: value for key, value in optional.items() if value}}


def _content(p: dict) -> tuple[str, list | None, list | None]:
    """(text, blocks, attachments); Slack wants at least one of them."""
    blocks = json_value(p.get("blocks"), "invalid_blocks") or None
    attachments = json_value(p.get("attachments"), "invalid_attachments") or None
    check(p.get("text") or blocks or attachments, "no_text")
    return str(p.get("text") or ""), blocks, attachments


def post_message(ws: Workspace, p: dict) -> dict:
    channel = ws.channel(p.get("channel"), by_name=True, writable=True)
    text, blocks, attachments = _content(p)
    metadata = json_value(p.get("metadata"), "invalid_metadata_format") or None
    msg = ws.post(channel, text, p.get("thread_ts"), blocks=blocks, attachments=attachments,
                  metadata=metadata)
    return {"channel": channel.id, "ts": msg.ts, "message": message_json(ws, msg)}


def post_ephemeral(ws: Workspace, p: dict) -> dict:
    """Kept apart in ``ephemerals``: an ephemeral message is never in the channel's history."""
    channel = ws.channel(p.get("channel"), by_name=True)
    check(not channel.is_archived, "is_archived")
    check(p.get("user") in channel.members, "user_not_in_channel")
    text, blocks, attachments = _content(p)
    msg = Message(ws.next_ts(), channel.id, text, blocks, p["user"],
                  p.get("thread_ts") or None, attachments=attachments)
    ws.ephemerals.append(msg)
    return {"message_ts": msg.ts}


def update(ws: Workspace, p: dict) -> dict:
    channel = ws.channel(p.get("channel"))
    msg = ws.message(channel, p.get("ts"))
    check(msg.user == ws.bot_user_id, "cant_update_message")
    msg.text, msg.blocks, msg.attachments = _content(p)
    return {"channel": channel.id, "ts": msg.ts, "text": msg.text,
            "message": message_json(ws, msg)}


def get_permalink(ws: Workspace, p: dict) -> dict:
    channel = ws.channel(p.get("channel"))
    msg = ws.message(channel, p.get("message_ts"))
    link = f"{PERMALINK_BASE}/archives/{channel.id}/p{msg.ts.replace('.', '')}"
    if msg.thread_ts and msg.thread_ts != msg.ts:
        link += f"?thread_ts={msg.thread_ts}&cid={channel.id}"
    return {"channel": channel.id, "permalink": link}


def pins_add(ws: Workspace, p: dict) -> dict:
    channel = ws.channel(p.get("channel"))
    check(p.get("timestamp"), "no_item_specified")
    ts = ws.message(channel, p["timestamp"]).ts
    check(ts not in channel.pins, "already_pinned")
    channel.pins.append(ts)
    return {}


METHODS = {
    "chat.postMessage": post_message,
    "chat.postEphemeral": post_ephemeral,
    "chat.update": update,
    "chat.getPermalink": get_permalink,
    "pins.add": pins_add,
}
