"""A local stand-in for Twilio's 2010-04-01 REST API, in Twilio's wire format, for tests, benchmarks
and the sandbox.

One module per concern: ``server`` (HTTP, auth, routing), ``messages`` (the Messages API),
``conferences`` (conference, participant and call state) and ``conference_api`` (its REST API),
``calls_api`` (outbound calls: ``POST Calls.json`` with TwiML from ``Url``, machine detection),
``voice`` (calls following TwiML, and the drivers that play the callers), ``callbacks`` (signed
webhooks: status callbacks and the voice thread), ``faults`` (fault injection), ``records`` (what is
kept) and ``wire`` (Twilio's formats). :class:`TwilioEmulator` puts them together.
"""

from .emulator import TwilioEmulator
from .records import EmulatedCall, EmulatedConference, EmulatedMessage, EmulatedParticipant, Spoken
from .voice import CallSession

__all__ = [
    "CallSession",
    "EmulatedCall",
    "EmulatedConference",
    "EmulatedMessage",
    "EmulatedParticipant",
    "Spoken",
    "TwilioEmulator",
]
