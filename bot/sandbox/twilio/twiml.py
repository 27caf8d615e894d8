"""TwiML as the voice simulation reads it, and the parameters of the webhooks a call makes."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urljoin

from .records import EmulatedCall, Spoken
from .wire import API_VERSION, country

HEARD = ("Say", "Play", "Pause")  # the verbs whose content the caller hears


def spoken(element: ET.Element) -> Spoken:
    """What the caller hears of a ``<Say>``, ``<Play>`` or ``<Pause>``."""
    if element.tag == "Pause":
        return Spoken("Pause", element.get("length") or "1")
    return Spoken(element.tag, "".join(element.itertext()).strip(), element.get("language"),
                  element.get("voice"))


def gathering(verb: ET.Element, document_url: str) -> dict:
    """A ``<Gather>``'s settings, with Twilio's defaults; its action is relative to the document."""
    action = (verb.get("action") or "").strip()
    num_digits = verb.get("numDigits")
    return {
        "action": urljoin(document_url, action) if action else document_url,
        "method": (verb.get("method") or "POST").upper(),
        "input": verb.get("input") or "dtmf",
        "num_digits": int(num_digits) if num_digits and num_digits.isdigit() else None,
        "finish_on_key": verb.get("finishOnKey", "#"),
        "timeout": verb.get("timeout") or "5",
        "action_on_empty_result": (verb.get("actionOnEmptyResult") or "").lower() == "true",
    }


def keyed(gather: dict, digits: str) -> str:
    """The digits the ``<Gather>`` takes: up to its finish key, at most ``numDigits``."""
    finish = gather["finish_on_key"]
    if finish and finish in digits:
        digits = digits[:digits.index(finish)]
    return digits[:gather["num_digits"]] if gather["num_digits"] else digits


def call_params(account_sid: str, call: EmulatedCall) -> dict:
    """What Twilio posts about the call with every TwiML request."""
    return {
        "AccountSid": account_sid, "ApiVersion": API_VERSION, "CallSid": call.sid,
        "CallStatus": call.status, "Called": call.to, "CalledCity": "",
        "CalledCountry": country(call.to), "CalledState": "", "CalledZip": "", "Caller": call.from_,
        "CallerCity": "",
        "CallerCountry": country(call.from_), "CallerState": "", "CallerZip": "",
        "Direction": call.direction, "From": call.from_, "FromCity": "",
        "FromCountry": country(call.from_), "FromState": "", "FromZip": "", "To": call.to, "ToCity": "",
        "ToCountry": country(call.to), "ToState": "", "ToZip": "",
    }

