"""The forms behind a conversation's card: Reply (a text to send by SMS) and Add to directory.

What can be checked without the database is checked here, and shown under the field
(``response_action: errors``); the number itself never goes into a form (its metadata is the
conversation's id, the channel and the button's ``response_url``), so it cannot leak through a
view.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.directory.rules.contacts import parse_contact_regions
from bot.errors import InvalidInput
from bot.i18n.languages import language_name, parse_home_language
from bot.slack_ui.block_kit import input_block, modal
from bot.sms.rules.segments import MAX_BODY, overflow

REPLY_CALLBACK_ID = "conversation_reply_form"
ADD_CONTACT_CALLBACK_ID = "conversation_add_contact_form"
REPLY_FIELDS = ("text",)
ADD_CONTACT_FIELDS = ("name", "language", "organisation", "regions")


def metadata(conversation_id: str, channel: str, response_url: str) -> str:
    """``id|channel|response_url``: the button's ``response_url`` answers the form's sender
    even when they are not in the card's channel (an ephemeral message there would fail)."""
    return f"{conversation_id}|{channel}|{response_url}"


def split_metadata(private_metadata: str | None) -> tuple[str, str, str]:
    conversation_id, channel, response_url = ((private_metadata or "").split("|", 2)
                                              + ["", ""])[:3]
    return conversation_id, channel, response_url


def reply_view(private_metadata: str, language: str, max_segments: int) -> dict:
    written = (f"They wrote in {language_name(language)}. " if language else "")
    return modal(REPLY_CALLBACK_ID, "Reply by SMS", "Send", [
        input_block("text", "Your reply", {"type": "plain_text_input", "multiline": True,
                                           "max_length": MAX_BODY},
                    hint=f"{written}Sent as you type it, to their number only, at most "
                         f"{max_segments} SMS segments."),
    ], private_metadata=private_metadata)


def reply_problems(values: dict[str, str], max_segments: int) -> dict[str, str]:
    text = values.get("text", "")
    if not text:
        return {"text": "Write the reply first."}
    why = overflow(text, max_segments)
    if why:
        return {"text": f"Too long for SMS ({why}; the limit is {max_segments} segments). "
                        "Shorten it."}
    return {}


def add_contact_view(private_metadata: str, language: str) -> dict:
    language_element: dict = {"type": "plain_text_input", "max_length": 60}
    if language:
        language_element["initial_value"] = language
    return modal(ADD_CONTACT_CALLBACK_ID, "Add to directory", "Add", [
        input_block("name", "Name", {"type": "plain_text_input", "max_length": 200}),
        input_block("language", "Language they speak", language_element,
                    hint="A code or a name: es, Spanish, ht, Haitian Creole, mix …"),
        input_block("organisation", "Organisation", {"type": "plain_text_input",
                                                     "max_length": 200}, optional=True),
        input_block("regions", "Regions", {"type": "plain_text_input", "max_length": 200},
                    optional=True, hint="State or territory codes: PR, or FL,GA, or national"),
    ], private_metadata=private_metadata)


def add_contact_problems(values: dict[str, str]) -> dict[str, str]:
    errors = {}
    if not values.get("name"):
        errors["name"] = "Give their name."
    if not values.get("language"):
        errors["language"] = "Say which language they speak."
    for field, parse in (("language", parse_home_language), ("regions", parse_contact_regions)):
        if values.get(field) and (why := _problem(parse, values[field])):
            errors[field] = why
    return errors


def _problem(parse: Callable[[str], object], text: str) -> str | None:
    try:
        parse(text)
    except InvalidInput as error:
        return error.problem
    return None
