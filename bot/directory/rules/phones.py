"""Phone numbers: parsed and validated with ``phonenumbers``, stored in E.164, shown masked."""

import phonenumbers

from bot.errors import InvalidInput


def parse_phone(text: str, *, default_region: str = "US") -> str:
    """``"(202) 555-0143"`` -> ``"+12025550143"``; invalid numbers are refused with the reason.
    An extension, if written, is not part of the number (``parse_phone_and_extension``)."""
    return parse_phone_and_extension(text, default_region=default_region)[0]


def parse_phone_and_extension(text: str, *, default_region: str = "US") -> tuple[str, str | None]:
    """``"202-555-0143 ext. 12"`` -> ``("+12025550143", "12")``.

    ``phonenumbers`` reads the ways people write an extension: "ext 12", "ext. 12", "x12",
    "#12", ";12", ",12" and RFC 3966's ";ext=12". SMS go to the number; the extension is for a
    person dialling it (or a switchboard reached by voice)."""
    raw = text.strip()
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as error:
        raise InvalidInput(f"{raw!r} is not a phone number ({_reason(error)})") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput(f"{raw!r} is not a valid phone number for its country")
    return (phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
            number.extension or None)


def with_extension(shown: str, extension: str | None) -> str:
    """A number as shown (full or masked) with its extension, in a form import reads back."""
    return f"{shown} ext. {extension}" if extension else shown


def mask(e164: str | None) -> str:
    """``+12025550143`` -> ``+1 ••• ••• 0143``: enough for a person to recognise, no more."""
    if not e164:
        return "—"
    try:
        country = phonenumbers.parse(e164).country_code
    except phonenumbers.NumberParseException:
        return "•••"
    national = e164[len(str(country)) + 1:]
    return f"+{country} ••• ••• {national[-4:]}"


def _reason(error: "phonenumbers.NumberParseException") -> str:
    reasons = {
        phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "unknown country code",
        phonenumbers.NumberParseException.NOT_A_NUMBER: "not a number",
        phonenumbers.NumberParseException.TOO_SHORT_NSN: "too short",
        phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
        phonenumbers.NumberParseException.TOO_LONG: "too long",
    }
    return reasons.get(error.error_type, "unreadable")
