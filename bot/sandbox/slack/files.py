"""``files.getUploadURLExternal`` / ``files.completeUploadExternal`` and the upload URL.

This is the flow ``files_upload_v2`` uses: ask for an upload URL, POST the bytes there (the
``/upload/<file id>`` route, not a Web API method), then complete, which shares the files in a
channel with an optional comment.
"""

from __future__ import annotations

import time

from .state import Workspace
from .wire import check, csv, json_value


def get_upload_url(ws: Workspace, p: dict) -> dict:
    check(p.get("filename") and str(p.get("length", "")).isdigit(), "invalid_arguments")
    file_id = ws.new_id("F")
    ws.files[file_id] = {"title": None, "filename": p["filename"], "content": b"",
                         "channel_id": None}
    return {"upload_url": f"{ws.root_url}/upload/{file_id}", "file_id": file_id}


def receive_upload(ws: Workspace, file_id: str, body: bytes, path: str) -> tuple[int, str]:
    """The bytes POSTed to an upload URL; answered as Slack does, in plain text."""
    if file_id not in ws.files:
        return 404, "not_found"
    ws.files[file_id]["content"] = body
    return 200, f"OK - {len(body)}"


def complete_upload(ws: Workspace, p: dict) -> dict:
    entries = json_value(p.get("files"))
    check(isinstance(entries, list) and entries, "invalid_arguments")
    check(all(e.get("id") in ws.files for e in entries), "file_not_found")
    channel_id = p.get("channel_id") or next(iter(csv(p.get("channels"))), None)
    channel = ws.channel(channel_id, writable=True) if channel_id else None
    shared = []
    for entry in entries:
        stored = ws.files[entry["id"]]
        stored["title"] = entry.get("title") or stored["filename"]
        stored["channel_id"] = channel.id if channel else None
        shared.append({"id": entry["id"], "title": stored["title"],
                       "name": stored["filename"], "size": len(stored["content"]),
                       "user": ws.bot_user_id, "created": int(time.time())})
    if channel is not None:
        ws.post(channel, str(p.get("initial_comment") or ""), p.get("thread_ts"), files=shared)
    return {"files": shared}


METHODS = {
    "files.getUploadURLExternal": get_upload_url,
    "files.completeUploadExternal": complete_upload,
}
