"""Phone numbers: parsed and validated with ``phonenumbers``, stored in E.164, shown masked."""

import phonenumbers

from bot.errors import InvalidInput


def parse_phone(text: str, *, default_region: str = "US") -> str:
    """``"(202) 555-0143"`` -> ``"+12025550143"``; invalid numbers are refused with the reason."""
    raw = text.strip()
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as error:
        raise InvalidInput(f"{raw!r} is not a phone number ({_reason(error)})") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput(f"{raw!r} is not a valid phone number for its country")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


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
