"""A local Slack for tests, benchmarks and the demo.

:class:`SlackEmulator` stands in for the Web API (``slack_sdk`` clients talk to it through
``base_url``); :class:`SlackRequests` builds the requests Slack sends to the app, signed.

Modules: ``emulator`` (the facade tests drive), ``server`` (HTTP, auth, parsing, routing),
``state`` (the workspace), ``faults`` (injected failures), ``wire`` (shared conventions), one
module per Web API family (``auth``, ``chat``, ``conversations``, ``users``, ``views``,
``files``), ``response_url``, and ``requests`` (inbound, signed).
"""

from .chat import PERMALINK_BASE
from .emulator import SlackEmulator
from .requests import SignedRequest, SlackRequests, sign
from .state import Channel, Message, RecordedCall

__all__ = ["PERMALINK_BASE", "Channel", "Message", "RecordedCall", "SignedRequest",
           "SlackEmulator", "SlackRequests", "sign"]
