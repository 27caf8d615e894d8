"""SMS segment counting: GSM-7 vs UCS-2, single vs concatenated sizes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.sms.rules.segments import GSM7_BASIC, GSM7_EXTENSION, SegmentCount, encoding, segments


def count(text: str) -> int:
    return segments(text).segments


def test_empty_body_is_zero_segments():
    assert segments("") == SegmentCount(encoding="GSM-7", units=0, segments=0, characters=0)


@pytest.mark.parametrize(("length", "expected"), [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3),
                                                  (460, 4)])
def test_gsm7_boundaries(length, expected):
    result = segments("a" * length)
    assert result.encoding == "GSM-7"
    assert result.units == length
    assert result.segments == expected


@pytest.mark.parametrize(("length", "expected"), [(70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)])
def test_ucs2_boundaries(length, expected):
    text = "á" + "a" * (length - 1)
    result = segments(text)
    assert result.encoding == "UCS-2"
    assert result.units == length
    assert result.characters == length
    assert result.segments == expected


def test_one_non_gsm_character_makes_the_whole_message_ucs2():
    text = "a" * 50 + "á" + "a" * 49
    assert len(text) == 100
    assert encoding("a" * 100) == "GSM-7"
    assert segments("a" * 100).segments == 1
    result = segments(text)
    assert result.encoding == "UCS-2"
    assert result.segments == 2


def test_extension_characters_cost_two_septets():
    assert segments("€" * 80) == SegmentCount("GSM-7", 160, 1, 80)
    assert segments("€" * 81).segments == 2
    for char in "€[]{}~|^\\\f":
        assert segments(char).units == 2, repr(char)


def test_escaped_character_is_not_split_across_segments():
    # 306 septets would fit two segments if "€" could straddle them; it cannot, so three.
    assert segments("a" * 152 + "€" + "a" * 152).units == 306
    assert count("a" * 152 + "€" + "a" * 152) == 3
    assert count("a" * 151 + "€" + "a" * 153) == 2


def test_emoji_counts_two_utf16_units():
    result = segments("🌀")
    assert result == SegmentCount("UCS-2", 2, 1, 1)
    assert segments("🌀" * 35).segments == 1
    assert segments("🌀" * 36).segments == 2
    # A surrogate pair is not split: 66 units + a pair does not fit in 67.
    assert segments("á" * 66 + "🌀" + "á" * 66).units == 134
    assert count("á" * 66 + "🌀" + "á" * 66) == 3
    assert count("á" * 65 + "🌀" + "á" * 67) == 2


@pytest.mark.parametrize("char", list("éñü¿¡èòàùìÇØøÅåÄÖÑÜ§ÆæßÉΔΦΓΛΩΠΨΣΘΞ£¥@$¤\n\r"))
def test_twilio_gsm7_letters(char):
    assert encoding(char) == "GSM-7"
    assert segments(char).units == 1


@pytest.mark.parametrize("char", list("áíóúçêôâîûãõÁÍÓÚăâđêôơưạảấầẩẫậắằẳẵặ中文한국어العربيةЖ`\t\u00a0’“"))
def test_not_gsm7(char):
    assert encoding(char) == "UCS-2"


def test_haitian_creole_stays_gsm7_and_spanish_does_not():
    assert encoding("Reponn STOP pou w pa resevwa mesaj ankò. Mèsi.") == "GSM-7"
    assert encoding("coordinación") == "UCS-2"
    assert encoding("Thông báo") == "UCS-2"


def test_character_count_is_code_points():
    assert segments("a€🌀").characters == 3


gsm_text = st.text(alphabet=sorted(GSM7_BASIC | GSM7_EXTENSION), max_size=700)


@given(st.text(max_size=500), st.text(min_size=1, max_size=200))
def test_segments_never_decrease_as_text_grows(text, more):
    assert count(text + more) >= count(text)


@given(gsm_text, st.text(alphabet=sorted(GSM7_BASIC | GSM7_EXTENSION), min_size=1, max_size=200))
def test_gsm7_segments_never_decrease_as_text_grows(text, more):
    assert count(text + more) >= count(text)


@given(st.text(alphabet=sorted(GSM7_BASIC | GSM7_EXTENSION), min_size=1, max_size=700))
def test_gsm7_never_costs_more_than_the_same_length_in_ucs2(text):
    assert encoding(text) == "GSM-7"
    ucs2 = segments("á" * len(text))
    assert ucs2.encoding == "UCS-2"
    assert count(text) <= ucs2.segments


@given(st.text(max_size=400))
def test_units_match_the_encoding(text):
    result = segments(text)
    if result.encoding == "UCS-2":
        assert result.units == len(text.encode("utf-16-le")) // 2
    else:
        assert result.units == len(text) + sum(char in GSM7_EXTENSION for char in text)
