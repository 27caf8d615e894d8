"""How an instant is written for a reader: pure, so rules may use it as well as what people read.

Every message names a time on the reader's clocks, with the year and the zone's abbreviation, so a
text read days later or in another state is still unambiguous: ``Fri 27 Nov 2026, 7:12 PM EST``.
"""

from datetime import datetime
from zoneinfo import ZoneInfo


def local_time(instant: datetime, zone: str) -> str:
    """``Fri 27 Nov 2026, 7:12 PM EST`` in ``zone``."""
    local = instant.astimezone(ZoneInfo(zone))
    hour = local.strftime("%I").lstrip("0")
    return f"{local:%a} {local.day} {local:%b %Y}, {hour}:{local:%M %p %Z}"
