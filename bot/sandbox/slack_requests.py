"""Requests exactly as Slack sends them: form bodies signed with the app's signing secret."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
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
    """Builds signed slash-command, interaction and view-submission requests."""

    signing_secret: str
    team_id: str = "T0TEST"
    api_app_id: str = "A0COORDBOT"

    def signed(self, body: str, *, timestamp: int | None = None) -> SignedRequest:
        ts = int(time.time()) if timestamp is None else timestamp
        return SignedRequest(body, {
            "Content-Type": "application/x-www-form-urlencoded",
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
                     response_url: str) -> SignedRequest:
        payload = {
            "type": "block_actions", "team": {"id": self.team_id, "domain": "crcl"},
            "user": {"id": user_id, "username": "coordinator", "team_id": self.team_id},
            "api_app_id": self.api_app_id, "token": "deprecated-verification-token",
            "container": {"type": "message", "channel_id": channel_id, "is_ephemeral": True},
            "trigger_id": "13345224609.738474920.8088930838d88f008e1",
            "channel": {"id": channel_id, "name": "general"},
            "response_url": response_url,
            "actions": [{"type": "button", "action_id": action_id, "block_id": "b1",
                         "value": value, "action_ts": f"{time.time():.6f}"}],
        }
        return self.signed(urlencode({"payload": json.dumps(payload)}))

    def view_submission(self, view: dict, values: dict, *, user_id: str) -> SignedRequest:
        """``values`` maps block id -> value; select fields get a ``selected_option``."""
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
                     "state": {"values": state}},
        }
        return self.signed(urlencode({"payload": json.dumps(payload)}))
