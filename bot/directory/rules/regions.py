"""US states, DC and territories by USPS code, plus ``national`` for nationwide scope."""

from bot.errors import InvalidInput

NATIONAL = "national"

US_REGIONS: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma",
    "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina",
    "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont",
    "VA": "Virginia", "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin",
    "WY": "Wyoming", "AS": "American Samoa", "GU": "Guam", "MP": "Northern Mariana Islands",
    "PR": "Puerto Rico", "VI": "U.S. Virgin Islands",
}  # fmt: skip


def parse_regions(text: str, *, example: str) -> tuple[str, ...]:
    """``"fl, ga PR"`` -> ``("FL", "GA", "PR")``; unknown codes are named in the error."""
    codes = [part.strip().upper() for part in text.replace(",", " ").split() if part.strip()]
    if not codes:
        raise InvalidInput("Name at least one affected region (a US state or territory code).",
                           example)
    unknown = [code for code in codes if code not in US_REGIONS]
    if unknown:
        raise InvalidInput(
            f"Unknown region code(s): {', '.join(unknown)}. Use US state or territory codes "
            "such as FL, TX, PR.",
            example,
        )
    return tuple(dict.fromkeys(codes))
