"""Requests exactly as Slack sends them: form bodies signed with the app's signing secret."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode


def sign(secret: str, timestamp: int, body: str) -> str:
    basestring = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), basestring, hashlib.sha256).hexdigest()


@dataclass
class SignedRequest:
    body: str
    headers: dict[str, str]


@dataclass
class SlackRequests:
    """Builds signed slash-command, interaction, view-submission and Events API requests."""

    signing_secret: str
    team_id: str = "T0TEST"
    api_app_id: str = "A0COORDBOT"
    bot_user_id: str = "UBOT0001"  # the app's bot user, named in an event's ``authorizations``
    _event_ids: itertools.count = field(default_factory=lambda: itertools.count(1), init=False,
                                        repr=False)

    def signed(self, body: str, *, timestamp: int | None = None,
               content_type: str = "application/x-www-form-urlencoded") -> SignedRequest:
        ts = int(time.time()) if timestamp is None else timestamp
        return SignedRequest(body, {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": sign(self.signing_secret, ts, body),
        })

    def command(self, text: str, *, user_id: str, channel_id: str, response_url: str,
                trigger_id: str = "13345224609.738474920.8088930838d88f008e0",
                user_name: str = "coordinator", channel_name: str = "general",
                timestamp: int | None = None) -> SignedRequest:
        body = urlencode({
            "token": "deprecated-verification-token", "team_id": self.team_id,
            "team_domain": "crcl", "channel_id": channel_id, "channel_name": channel_name,
            "user_id": user_id, "user_name": user_name, "command": "/incident", "text": text,
            "api_app_id": self.api_app_id, "is_enterprise_install": "false",
            "response_url": response_url, "trigger_id": trigger_id,
        })
        return self.signed(body, timestamp=timestamp)

    def block_action(self, action_id: str, value: str, *, user_id: str, channel_id: str,
                     response_url: str, message_ts: str | None = None,
                     trigger_id: str = "13345224609.738474920.8088930838d88f008e1") -> SignedRequest:
        """A button click; on an ephemeral message, or on the channel message at ``message_ts``."""
        if message_ts is None:
            container = {"type": "message", "channel_id": channel_id, "is_ephemeral": True}
            extra = {}
        else:
            container = {"type": "message", "message_ts": message_ts, "channel_id": channel_id,
                         "is_ephemeral": False}
            extra = {"message": {"type": "message", "user": self.bot_user_id, "ts": message_ts,
                                 "text": "", "team": self.team_id}}
        payload = {
            "type": "block_actions", "team": {"id": self.team_id, "domain": "crcl"},
            "user": {"id": user_id, "username": "coordinator", "team_id": self.team_id},
            "api_app_id": self.api_app_id, "token": "deprecated-verification-token",
            "container": container, "trigger_id": trigger_id,
            "channel": {"id": channel_id, "name": "general"}, **extra,
            "response_url": response_url,
            "actions": [{"type": "button", "action_id": action_id, "block_id": "b1",
                         "value": value, "action_ts": f"{time.time():.6f}"}],
        }
        return self.signed(urlencode({"payload": json.dumps(payload)}))

    def message_shortcut(self, callback_id: str, *, user_id: str, channel_id: str, message_ts: str,
                         message_text: str, message_user: str,
                         trigger_id: str = "13345224609.738474920.8088930838d88f008e3",
                         response_url: str = "https://hooks.slack.com/app/T0TEST/1/emulated",
                         channel_name: str = "general") -> SignedRequest:
        """A message shortcut ("…" menu on a message): an interaction of type ``message_action``."""
        payload = {
            "type": "message_action", "token": "deprecated-verification-token",
            "action_ts": f"{time.time():.6f}",
            "team": {"id": self.team_id, "domain": "crcl"},
            "user": {"id": user_id, "username": "coordinator", "name": "coordinator",
                     "team_id": self.team_id},
            "channel": {"id": channel_id, "name": channel_name},
            "is_enterprise_install": False, "enterprise": None,
            "callback_id": callback_id, "trigger_id": trigger_id,
            "message_ts": message_ts,
            "message": {"type": "message", "user": message_user, "ts": message_ts,
                        "text": message_text, "team": self.team_id},
            "response_url": response_url,
        }
        return self.signed(urlencode({"payload": json.dumps(payload)}))

    # ----- Events API ----------------------------------------------------------------------------
    def event(self, event: dict, *, event_id: str | None = None, event_time: int | None = None,
              timestamp: int | None = None) -> SignedRequest:
        """An ``event_callback`` envelope around ``event``, posted as JSON like Slack does."""
        number = next(self._event_ids)
        envelope = {
            "token": "deprecated-verification-token", "team_id": self.team_id,
            "context_team_id": self.team_id, "context_enterprise_id": None,
            "api_app_id": self.api_app_id, "event": event, "type": "event_callback",
            "event_id": event_id or f"Ev{number:08d}{uuid.uuid4().hex[:4].upper()}",
            "event_time": int(time.time()) if event_time is None else event_time,
            "authorizations": [{"enterprise_id": None, "team_id": self.team_id,
                                "user_id": self.bot_user_id, "is_bot": True,
                                "is_enterprise_install": False}],
            "is_ext_shared_channel": False,
            "event_context": f"4-emulated-{number}",
        }
        return self.signed(json.dumps(envelope), timestamp=timestamp,
                           content_type="application/json")

    def message_event(self, channel: str, user: str, text: str, ts: str, *,
                      thread_ts: str | None = None, channel_type: str = "channel") -> SignedRequest:
        """A person's new message (``message.channels``; ``channel_type="group"`` if private)."""
        event = {"type": "message", "channel": channel, "user": user, "text": text, "ts": ts,
                 "event_ts": ts, "channel_type": channel_type, "team": self.team_id,
                 "client_msg_id": str(uuid.uuid4()), "blocks": _rich_text(text)}
        if thread_ts:
            event["thread_ts"] = thread_ts
        return self.event(event)

    def message_changed(self, channel: str, user: str, text: str, ts: str, *,
                        previous_text: str = "", channel_type: str = "channel") -> SignedRequest:
        """An edit of the message at ``ts``: subtype ``message_changed``, the new message nested."""
        now = f"{time.time():.6f}"
        event = {
            "type": "message", "subtype": "message_changed", "hidden": True, "channel": channel,
            "ts": now, "event_ts": now, "channel_type": channel_type,
            "message": {"type": "message", "user": user, "text": text, "ts": ts,
                        "team": self.team_id, "edited": {"user": user, "ts": now},
                        "blocks": _rich_text(text)},
            "previous_message": {"type": "message", "user": user, "text": previous_text,
                                 "ts": ts, "team": self.team_id},
        }
        return self.event(event)

    def reaction_added(self, channel: str, user: str, reaction: str, item_ts: str,
                       item_user: str) -> SignedRequest:
        now = f"{time.time():.6f}"
        return self.event({"type": "reaction_added", "user": user, "reaction": reaction,
                           "item_user": item_user,
                           "item": {"type": "message", "channel": channel, "ts": item_ts},
                           "event_ts": now})

    def view_submission(self, view: dict, values: dict, *, user_id: str,
                        private_metadata: str | None = None) -> SignedRequest:
        """``values`` maps block id -> value; select fields get a ``selected_option``.

        The view's own ``private_metadata`` is sent back, as Slack does, unless one is given.
        """
        state = {}
        for block_id, value in values.items():
            element = next(b for b in view["blocks"] if b["block_id"] == block_id)["element"]
            if element["type"] == "static_select":
                state[block_id] = {"value": {"type": "static_select",
                                             "selected_option": {"value": value}}}
            else:
                state[block_id] = {"value": {"type": "plain_text_input", "value": value}}
        payload = {
            "type": "view_submission", "team": {"id": self.team_id, "domain": "crcl"},
            "user": {"id": user_id, "username": "coordinator", "team_id": self.team_id},
            "api_app_id": self.api_app_id, "token": "deprecated-verification-token",
            "trigger_id": "13345224609.738474920.8088930838d88f008e2",
            "view": {**view, "id": view.get("id", "V0001"), "team_id": self.team_id,
                     "private_metadata": (view.get("private_metadata", "")
                                          if private_metadata is None else private_metadata),
                     "state": {"values": state}},
        }
        return self.signed(urlencode({"payload": json.dumps(payload)}))


def _rich_text(text: str) -> list[dict]:
    return [{"type": "rich_text", "block_id": "emu",
             "elements": [{"type": "rich_text_section",
                           "elements": [{"type": "text", "text": text}]}]}]
