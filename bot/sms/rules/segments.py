"""How many SMS segments a text costs, and in which encoding it travels.

A message goes as GSM-7 when every character is in the GSM 03.38 basic set or its extension
table, and as UCS-2 (UTF-16) otherwise: one character outside the set turns the *whole* message
into UCS-2. The character set is exactly Twilio's map (TwilioDevEd/message-segment-calculator,
``src/libs/UnicodeToGSM.ts``), so for example é ñ ü è ò à ù ì are GSM-7 while á í ó ú ç ê ô,
Vietnamese letters, Chinese and Arabic are not. The extension characters € [ ] { } ~ | ^ \\ and
form feed cost two septets (an escape plus the character).

Sizes: GSM-7 holds 160 septets in a single segment and 153 per segment when the message is
concatenated; UCS-2 holds 70 UTF-16 code units single and 67 concatenated (the rest of each
140-octet segment is the concatenation header). A character outside the Basic Multilingual Plane
(most emoji) is a surrogate pair: two UTF-16 units.

A character is never split across two segments: when an escaped GSM-7 character or a surrogate
pair does not fit in what is left of a segment, it starts the next one (so such a segment carries
152 septets or 66 units). This is what real encoders do, and it keeps the count monotone: adding
text never lowers it.

Decision: an empty body is **0 segments** (there is nothing to send), although Twilio's calculator
shows one.

``characters`` counts Unicode code points (what ``len()`` gives), not graphemes, so a flag or a
family emoji made of several code points counts as several characters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.errors import InvalidInput

Encoding = Literal["GSM-7", "UCS-2"]

GSM7: Encoding = "GSM-7"
UCS2: Encoding = "UCS-2"

GSM7_SINGLE = 160
GSM7_CONCATENATED = 153
UCS2_SINGLE = 70
UCS2_CONCATENATED = 67
MAX_BODY = 1600  # characters: Twilio refuses a longer body (error 21617)

# GSM 03.38 basic character set, exactly as in Twilio's map (one septet each). The map has no
# backtick and no tab; "$" and "¤" are both single septets.
GSM7_BASIC = frozenset(
    "\n\r !\"#$%&'()*+,-./0123456789:;<=>?@"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
    "¡£¤¥§¿ÄÅÆÇÉÑÖØÜßàäåæèéìñòöøùü"
    "ΓΔΘΛΞΠΣΦΨΩ"
)
# Extension table: escape septet + character, so two septets each.
GSM7_EXTENSION = frozenset("\f[\\]^{|}~€")


@dataclass(frozen=True)
class SegmentCount:
    encoding: Encoding
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int
    characters: int  # Unicode code points


def is_gsm7(char: str) -> bool:
    return char in GSM7_BASIC or char in GSM7_EXTENSION


def encoding(text: str) -> Encoding:
    """``"GSM-7"`` when every character is in the GSM 03.38 set, else ``"UCS-2"``."""
    return GSM7 if all(is_gsm7(char) for char in text) else UCS2


def _unit_sizes(text: str, enc: Encoding) -> list[int]:
    if enc == GSM7:
        return [2 if char in GSM7_EXTENSION else 1 for char in text]
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def _pack(sizes: list[int], capacity: int) -> int:
    """Segments needed when characters fill segments in order and none is split."""
    count, free = 1, capacity
    for size in sizes:
        if size > free:
            count, free = count + 1, capacity
        free -= size
    return count


def segments(text: str) -> SegmentCount:
    enc = encoding(text)
    sizes = _unit_sizes(text, enc)
    units = sum(sizes)
    if enc == GSM7:
        single, concatenated = GSM7_SINGLE, GSM7_CONCATENATED
    else:
        single, concatenated = UCS2_SINGLE, UCS2_CONCATENATED
    if units == 0:
        count = 0
    elif units <= single:
        count = 1
    else:
        count = _pack(sizes, concatenated)
    return SegmentCount(encoding=enc, units=units, segments=count, characters=len(text))


def overflow(text: str, max_segments: int) -> str | None:
    """Why ``text`` cannot go as one SMS (over ``max_segments`` or Twilio's 1,600 characters), or
    None when it can."""
    count = segments(text)
    if count.characters > MAX_BODY:
        return f"{count.characters:,} characters, over Twilio's {MAX_BODY:,}"
    if count.segments > max_segments:
        return f"{count.segments} segments"
    return None


def fits(text: str, max_segments: int) -> bool:
    return overflow(text, max_segments) is None


def check_fits(bodies: dict[str, str], max_segments: int, *, what: str) -> None:
    """Refuses, before anything is queued, texts (by language) that would not go as one SMS.

    The office's ``sms.max_segments`` bounds what one text may cost; every SMS the bot sends to a
    person is held to it (``what`` names the text, e.g. "The notice").
    """
    too_long = {lang: why for lang, body in bodies.items() if (why := overflow(body, max_segments))}
    if too_long:
        detail = ", ".join(f"{lang}: {why}" for lang, why in sorted(too_long.items()))
        raise InvalidInput(f"{what} is too long for SMS ({detail}; the limit is {max_segments}). "
                           "Shorten it.")
