"""Twilio webhooks: inbound SMS and message status callbacks, signatures checked first."""
