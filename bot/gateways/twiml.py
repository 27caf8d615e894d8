"""TwiML documents, built with the SDK's own builder."""

from dataclasses import dataclass

from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse


def message_reply(text: str | None) -> str:
    """``<Response><Message>text</Message></Response>``; an empty Response sends no reply."""
    response = MessagingResponse()
    if text:
        response.message(text)
    return str(response)


@dataclass(frozen=True)
class LiveTranscription:
    """One caller's leg transcribed live (Twilio Real-Time Transcription): what that caller says
    (``track="inbound_track"``), in ``language_code``, partial and final lines POSTed to
    ``status_callback_url``; ``name`` is unique per leg so the Transcriptions resource can stop
    it by name."""

    status_callback_url: str
    language_code: str
    name: str


def start_transcription(response: VoiceResponse, transcription: LiveTranscription) -> None:
    """``<Start><Transcription …/></Start>``: it runs alongside the verbs that follow (the
    ``<Dial><Conference>``) until the call ends."""
    response.start().transcription(
        name=transcription.name, track="inbound_track",
        status_callback_url=transcription.status_callback_url, status_callback_method="POST",
        language_code=transcription.language_code, partial_results=True)
