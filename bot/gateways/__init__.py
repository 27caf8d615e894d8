"""The only code that imports vendor SDKs (slack_sdk, twilio)."""
