"""Checks ``X-Twilio-Signature`` with the SDK's own validator."""

from __future__ import annotations

from collections.abc import Mapping

from twilio.request_validator import RequestValidator


class TwilioSignatureVerifier:
    def __init__(self, auth_token: str):
        self._validator = RequestValidator(auth_token)

    def valid(self, url: str, params: Mapping[str, str], signature: str | None) -> bool:
        return bool(signature) and self._validator.validate(url, dict(params), signature)
