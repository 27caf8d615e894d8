"""TwiML documents, built with the SDK's own builder."""

from twilio.twiml.messaging_response import MessagingResponse


def message_reply(text: str | None) -> str:
    """``<Response><Message>text</Message></Response>``; an empty Response sends no reply."""
    response = MessagingResponse()
    if text:
        response.message(text)
    return str(response)
